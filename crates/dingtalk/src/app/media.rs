//! Media upload (`POST oapi /media/upload?access_token=&type=image`, multipart field `media`):
//! the media id that honour templates and other messages refer to.

use serde_json::Value;

use super::AppClient;
use crate::error::{Error, ErrorKind, Result};

/// Largest image DingTalk's honour templates take (and what this client uploads), in bytes.
pub const MAX_IMAGE_BYTES: usize = 1024 * 1024;

impl AppClient {
    /// Uploads a PNG image; its `media_id`.
    pub async fn upload_image(&self, file_name: &str, png: &[u8]) -> Result<String> {
        if png.len() > MAX_IMAGE_BYTES {
            return Err(Error::new(
                ErrorKind::InvalidRequest,
                format!(
                    "the image is {} bytes; at most {MAX_IMAGE_BYTES}",
                    png.len()
                ),
            ));
        }
        if !png.starts_with(b"\x89PNG\r\n\x1a\n") {
            return Err(Error::new(ErrorKind::InvalidRequest, "not a PNG image"));
        }
        let token = self.access_token().await?;
        let url = format!(
            "{}?access_token={}&type=image",
            self.inner.cfg.oapi_url("media/upload"),
            crate::sign::urlencode(&token)
        );
        let part = reqwest::multipart::Part::bytes(png.to_vec())
            .file_name(file_name.to_owned())
            .mime_str("image/png")
            .map_err(|e| Error::new(ErrorKind::InvalidRequest, e.to_string()))?;
        let form = reqwest::multipart::Form::new().part("media", part);
        let started = std::time::Instant::now();
        let result = Self::oapi_answer(self.inner.http.post(&url).multipart(form)).await;
        crate::metrics::observe(crate::metrics::api_of(&url), started, &result);
        result?
            .get("media_id")
            .and_then(Value::as_str)
            .map(str::to_owned)
            .ok_or_else(|| Error::new(ErrorKind::ServerError, "answer lacks media_id"))
    }
}
