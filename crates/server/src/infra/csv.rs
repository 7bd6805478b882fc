//! The one way CSV files leave the server: UTF-8 with a BOM (so spreadsheet programs read Chinese
//! right), every cell neutralised against formula injection.
//! The server half: configuration, database, sessions and auth, the axum router, the CLI.

use crate::error::AppError;
use crate::infra::internal;

pub use medal_core::csv::{neutralise, restore};

/// A CSV file being written.
pub struct CsvExport(csv::Writer<Vec<u8>>);

impl Default for CsvExport {
    fn default() -> Self {
        CsvExport(csv::Writer::from_writer(Vec::from("\u{feff}".as_bytes())))
    }
}

impl CsvExport {
    /// One row; every cell goes through [`neutralise`].
    pub fn row<'a>(&mut self, cells: impl IntoIterator<Item = &'a str>) -> Result<(), AppError> {
        self.0
            .write_record(cells.into_iter().map(|c| neutralise(c).into_owned()))
            .map_err(|e| internal(format!("csv: {e}")))
    }

    pub fn finish(self) -> Result<Vec<u8>, AppError> {
        self.0
            .into_inner()
            .map_err(|e| internal(format!("csv: {e}")))
    }
}

/// Rows an export holds at most (then a last row says it was cut).
pub const EXPORT_CAP: usize = 100_000;

/// The last row of an export cut at `cap` rows.
pub fn cut_note(lang: medal_core::Lang, cap: usize) -> String {
    match lang {
        medal_core::Lang::Zh => format!("（已截断：每次最多导出 {cap} 行，请缩小筛选范围）"),
        medal_core::Lang::En => {
            format!("(cut: an export holds at most {cap} rows; narrow the filters)")
        }
    }
}

/// A CSV export's answer: the file (UTF-8, not cached), or to the login page and back to `back`
/// without a session, or the error's status with its message.
pub fn csv_download(
    r: Result<Vec<u8>, AppError>,
    file_name: &str,
    back: &str,
    lang: medal_core::Lang,
) -> axum::response::Response {
    use axum::http::{header, StatusCode};
    use axum::response::{IntoResponse, Redirect};
    match r {
        Ok(bytes) => (
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"{file_name}\""),
                ),
                (header::CACHE_CONTROL, "no-store".to_string()),
            ],
            bytes,
        )
            .into_response(),
        Err(AppError::Unauthorized) => Redirect::to(&format!(
            "/login?next={}",
            crate::infra::flash::urlencoding_lite(back)
        ))
        .into_response(),
        Err(e) => (
            StatusCode::from_u16(e.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            e.summary(lang),
        )
            .into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_export_has_a_bom_and_safe_cells() {
        let mut c = CsvExport::default();
        c.row(["姓名", "备注"]).unwrap();
        c.row(["=1+1", "ok"]).unwrap();
        let s = String::from_utf8(c.finish().unwrap()).unwrap();
        assert_eq!(s, "\u{feff}姓名,备注\n'=1+1,ok\n");
    }
}
