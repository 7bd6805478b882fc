//! The audit log's server function: owners and admins read it (awarders and viewers do not: it
//! names who did what to whom, the admins' own trail).

use leptos::prelude::*;

use crate::audit::types::{AuditFilter, AuditPage};
use crate::error::AppError;
#[cfg(feature = "ssr")]
use {crate::infra::state, crate::session::auth::require, medal_core::Role};

#[server(prefix = "/sfn", endpoint = "audit/list")]
pub async fn list_audit(filter: AuditFilter) -> Result<AuditPage, AppError> {
    require(Role::Admin).await?;
    super::db::page(&state()?.db, &filter).await
}
