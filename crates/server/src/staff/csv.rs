//! Reading a staff CSV: decoding (UTF-8 or GBK), headers in Chinese or English, each row validated
//! (`medal_core::csv`); here its one error becomes the form's `file` field error.

use crate::error::AppError;
use medal_core::Msg;

pub use medal_core::csv::{decode, StaffFile as ParsedFile};

pub(crate) fn file_error(zh: &str, en: &str) -> AppError {
    AppError::field("file", Msg::new(zh, en))
}

/// Parses CSV text (already decoded). Fails as a whole only when the header is unusable.
pub fn parse(text: &str) -> Result<ParsedFile, AppError> {
    medal_core::csv::parse_staff(text).map_err(|m| AppError::field("file", m))
}
