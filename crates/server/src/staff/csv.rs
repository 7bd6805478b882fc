//! Reading a staff CSV: decoding (UTF-8 or GBK), headers in Chinese or English, each row validated.

use crate::error::AppError;
use medal_core::staff::{Column, ValidStaff};
use medal_core::{Msg, StaffDraft};
use std::collections::HashSet;

/// Decodes an uploaded file: valid UTF-8 (a BOM is dropped) is UTF-8, anything else GB18030.
pub fn decode(bytes: &[u8]) -> (String, &'static str) {
    match std::str::from_utf8(bytes) {
        Ok(s) => (s.strip_prefix('\u{feff}').unwrap_or(s).to_string(), "UTF-8"),
        Err(_) => {
            let (text, _, _) = encoding_rs::GB18030.decode(bytes);
            (text.into_owned(), "GB18030")
        }
    }
}

/// A parsed import file: which columns it has, and each data row by line number.
#[derive(Debug)]
pub struct ParsedFile {
    pub columns: HashSet<Column>,
    pub rows: Vec<(u64, Result<ValidStaff, Vec<Msg>>)>,
}

pub(crate) fn file_error(zh: &str, en: &str) -> AppError {
    AppError::field("file", Msg::new(zh, en))
}

/// The line a record starts on. The csv reader's position counts from where it began reading,
/// which is before any blank lines it skipped: skip them here too.
fn first_line(text: &str, p: &csv::Position) -> u64 {
    let mut line = p.line();
    for b in text.as_bytes().iter().skip(p.byte() as usize) {
        match b {
            b'\n' => line += 1,
            b'\r' => {}
            _ => break,
        }
    }
    line
}

/// Parses CSV text (already decoded). Fails as a whole only when the header is unusable.
pub fn parse(text: &str) -> Result<ParsedFile, AppError> {
    let mut rdr = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::None)
        .from_reader(text.as_bytes());
    let headers = rdr.headers().map_err(|_| {
        file_error(
            "无法读取文件的第一行（表头）。",
            "The first line (the header) cannot be read.",
        )
    })?;
    let mut index: Vec<(usize, Column)> = Vec::new();
    for (i, h) in headers.iter().enumerate() {
        if let Some(c) = Column::from_header(h) {
            if !index.iter().any(|(_, k)| *k == c) {
                index.push((i, c));
            }
        }
    }
    if !index.iter().any(|(_, c)| *c == Column::Name) {
        return Err(file_error(
            "文件第 1 行须是表头，并且有「姓名」列（可选列：手机号、部门、工号、钉钉ID）。",
            "Line 1 must be a header with a “name” column (optional: mobile, department, external_id, userId).",
        ));
    }
    let columns: HashSet<Column> = index.iter().map(|(_, c)| *c).collect();
    let mut rows = Vec::new();
    for rec in rdr.records() {
        let rec = match rec {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map(|p| p.line()).unwrap_or(0);
                rows.push((
                    line,
                    Err(vec![Msg::new(
                        "这一行无法按 CSV 读取（引号不配对？）",
                        "This line is not valid CSV (unbalanced quotes?)",
                    )]),
                ));
                continue;
            }
        };
        let line = rec.position().map(|p| first_line(text, p)).unwrap_or(0);
        if rec.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let mut d = StaffDraft::default();
        for (i, c) in &index {
            // a file exported here keeps its cells as they were typed
            let v = crate::infra::csv::restore(rec.get(*i).unwrap_or("")).to_string();
            match c {
                Column::Name => d.name = v,
                Column::Mobile => d.mobile = v,
                Column::Department => d.department = v,
                Column::ExternalId => d.external_id = v,
                Column::UserId => d.dingtalk_user_id = v,
            }
        }
        let r = match d.validate() {
            Ok(v) if v.external_id.is_none() && v.mobile.is_none() => Err(vec![Msg::new(
                "每行须有工号或手机号（用来找到已有的员工）",
                "Each row needs an external id or a mobile (they identify existing staff)",
            )]),
            Ok(v) => Ok(v),
            Err(errs) => Err(errs.into_values().flatten().collect()),
        };
        rows.push((line, r));
    }
    Ok(ParsedFile { columns, rows })
}
