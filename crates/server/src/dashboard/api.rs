//! Server functions of the overview.

use leptos::prelude::*;

use crate::dashboard::types::DashboardData;
use crate::error::AppError;
#[cfg(feature = "ssr")]
use {crate::infra::state, crate::session::auth::require, medal_core::Role};

#[server(prefix = "/sfn", endpoint = "dashboard")]
pub async fn dashboard_stats() -> Result<DashboardData, AppError> {
    require(Role::Viewer).await?;
    super::db::dashboard(&state()?.db).await
}
