//! Server functions of the attendance page. Each checks the session and the role, then calls
//! the queries.

use leptos::prelude::*;

use crate::attendance::types::{AttendanceOverview, SyncJob};
use crate::error::AppError;
#[cfg(feature = "ssr")]
use {
    super::{db, job, policy, AttendancePolicy},
    crate::infra::{flash, state},
    crate::session::auth::require,
    medal_core::{Msg, Role},
    std::collections::BTreeMap,
};

#[server(prefix = "/sfn", endpoint = "attendance/overview")]
pub async fn get_attendance_overview() -> Result<AttendanceOverview, AppError> {
    require(Role::Viewer).await?;
    let st = state()?;
    db::overview(&st.db, &st.config).await
}

/// The latest sync (what its live progress asks for; a stale one shows as interrupted).
#[server(prefix = "/sfn", endpoint = "attendance/progress")]
pub async fn attendance_progress() -> Result<Option<SyncJob>, AppError> {
    require(Role::Viewer).await?;
    let db = state()?.db;
    db::expire_stale(&db).await?;
    db::latest_job(&db).await
}

/// Starts a sync of the days since the last one (in the background).
#[server(prefix = "/sfn", endpoint = "attendance/start")]
pub async fn start_attendance_sync() -> Result<i64, AppError> {
    let r = async {
        let admin = require(Role::Admin).await?;
        let st = state()?;
        job::start(&st.db, &st.config, Some(&admin)).await
    };
    flash::finish("attendance-sync", BTreeMap::new(), r.await).await
}

#[server(prefix = "/sfn", endpoint = "attendance/cancel")]
pub async fn cancel_attendance_sync() -> Result<(), AppError> {
    let r = async {
        let admin = require(Role::Admin).await?;
        job::cancel(&state()?.db, &admin).await
    };
    flash::finish("attendance-sync", BTreeMap::new(), r.await).await
}

/// Changes what counts as a day attended (from the next sync on).
#[server(prefix = "/sfn", endpoint = "attendance/policy")]
pub async fn save_attendance_policy(policy: String) -> Result<(), AppError> {
    let values = BTreeMap::from([("policy".to_string(), policy.clone())]);
    let r = async {
        let admin = require(Role::Admin).await?;
        let p = AttendancePolicy::parse(&policy).ok_or_else(|| {
            AppError::field(
                "policy",
                Msg::new(
                    "请选择一种出勤规则。",
                    "Choose one of the attendance rules.",
                ),
            )
        })?;
        policy::save(&state()?.db, &admin, p).await?;
        flash::notify(
            "attendance-policy",
            Msg::new(
                "出勤规则已保存，下次同步起生效。",
                "Attendance rule saved; it applies from the next sync.",
            ),
        )
        .await
    };
    flash::finish("attendance-policy", values, r.await).await
}
