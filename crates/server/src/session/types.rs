//! What the session's server functions return.

use crate::error::AppError;
use medal_core::{Msg, Role};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AdminInfo {
    pub id: i64,
    pub username: String,
    pub role: Role,
}

/// What a plain (no-JavaScript) form post left for the next page: the error and the values typed,
/// so the page can show the messages next to the fields and lose nothing; or a notice.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Flash {
    pub form: String,
    pub error: Option<AppError>,
    pub notice: Option<Msg>,
    pub values: BTreeMap<String, String>,
}
