//! What the overview shows.

use crate::medals::types::MedalSummary;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DashboardData {
    pub active_medals: i64,
    pub archived_medals: i64,
    pub staff: i64,
    pub awards: i64,
    pub recent_medals: Vec<MedalSummary>,
}
