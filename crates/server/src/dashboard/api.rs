//! Server functions of the overview.

use crate::dashboard::types::DashboardData;
use crate::error::AppError;
use leptos::prelude::*;
#[cfg(feature = "ssr")]
use medal_core::Role;

#[server(prefix = "/sfn", endpoint = "dashboard")]
pub async fn dashboard_stats() -> Result<DashboardData, AppError> {
    crate::session::auth::require(Role::Viewer).await?;
    crate::dashboard::db::dashboard().await
}
