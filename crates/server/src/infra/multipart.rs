//! The one reader of multipart forms (the forms that may carry a file: a medal's icon, a staff
//! CSV, a recipients CSV). The guard has already checked the content type, its boundary and the
//! body's size; here each part is read once, text fields are bounded, and a file over its limit
//! is read to the end (so the browser gets its answer) but not kept.

use leptos::server_fn::codec::MultipartData;

use super::internal;
use crate::error::AppError;

/// A text field longer than this is refused as malformed (no form of the app has one).
const TEXT_MAX: usize = 64 * 1024;

/// A file part of the form.
#[derive(Debug, Default)]
pub struct Upload {
    /// The file's name as the browser sent it.
    pub file_name: String,
    /// Empty when the file was over the limit.
    pub bytes: Vec<u8>,
    /// The file was larger than the limit: nothing was kept.
    pub too_big: bool,
}

/// A multipart form: its text fields in order (a name may repeat) and its files by field.
#[derive(Debug, Default)]
pub struct Form {
    text: Vec<(String, String)>,
    files: Vec<(String, Upload)>,
}

impl Form {
    /// The last value of a text field.
    pub fn value(&self, name: &str) -> Option<&str> {
        self.text
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Every value of a (repeated) text field, in order.
    pub fn values(&self, name: &str) -> Vec<String> {
        self.text
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .collect()
    }

    /// The text fields, the last value of each, except `repeated` ones.
    pub fn text_map(&self, repeated: &[&str]) -> std::collections::BTreeMap<String, String> {
        self.text
            .iter()
            .filter(|(k, _)| !repeated.contains(&k.as_str()))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    }

    /// Whether the form had a file part named `name` at all (maybe empty).
    pub fn files_named(&self, name: &str) -> bool {
        self.files.iter().any(|(k, _)| k == name)
    }

    /// The file sent in field `name`, unless none was chosen (browsers send an empty part then).
    pub fn file(&self, name: &str) -> Option<&Upload> {
        self.files
            .iter()
            .find(|(k, f)| k == name && (f.too_big || !f.bytes.is_empty()))
            .map(|(_, f)| f)
    }
}

fn malformed(e: impl std::fmt::Display) -> AppError {
    AppError::Malformed(e.to_string())
}

/// Reads the whole form. The parts named in `file_fields` (and any part with a file name) are
/// files, each kept up to `file_limit` bytes (see [`Upload::too_big`]); the rest are text.
pub async fn read(
    data: MultipartData,
    file_fields: &[&str],
    file_limit: usize,
) -> Result<Form, AppError> {
    let mut mp = data
        .into_inner()
        .ok_or_else(|| internal("multipart data missing"))?;
    let mut form = Form::default();
    while let Some(mut field) = mp.next_field().await.map_err(malformed)? {
        let name = field.name().unwrap_or_default().to_string();
        let file_name = field.file_name().map(str::to_string);
        if file_name.is_some() || file_fields.contains(&name.as_str()) {
            let mut up = Upload {
                file_name: file_name.unwrap_or_default(),
                ..Upload::default()
            };
            while let Some(chunk) = field.chunk().await.map_err(malformed)? {
                if up.too_big {
                    continue;
                }
                if up.bytes.len() + chunk.len() > file_limit {
                    up.too_big = true;
                    up.bytes = Vec::new();
                } else {
                    up.bytes.extend_from_slice(&chunk);
                }
            }
            form.files.push((name, up));
        } else {
            let text = field.text().await.map_err(malformed)?;
            if text.len() > TEXT_MAX {
                return Err(AppError::Malformed(format!("field {name} too long")));
            }
            form.text.push((name, text));
        }
    }
    Ok(form)
}
