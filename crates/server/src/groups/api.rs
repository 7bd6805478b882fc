//! Server functions of the share targets (DingTalk groups).

use crate::error::AppError;
use crate::groups::types::GroupForm;
use crate::groups::types::GroupSummary;
use crate::groups::types::TestSendResult;
use leptos::prelude::*;
#[cfg(feature = "ssr")]
use std::collections::BTreeMap;

#[server(prefix = "/sfn", endpoint = "groups/list")]
pub async fn list_groups() -> Result<Vec<GroupSummary>, AppError> {
    crate::groups::db::list().await
}

#[server(prefix = "/sfn", endpoint = "groups/get")]
pub async fn get_group(id: i64) -> Result<GroupSummary, AppError> {
    crate::groups::db::get(id).await
}

#[server(prefix = "/sfn", endpoint = "groups/save")]
pub async fn save_group(form: GroupForm) -> Result<i64, AppError> {
    let values = BTreeMap::from([
        ("id".to_string(), form.id.clone().unwrap_or_default()),
        ("name".to_string(), form.name.clone().unwrap_or_default()),
        ("kind".to_string(), form.kind.clone().unwrap_or_default()),
        (
            "keywords".to_string(),
            form.keywords.clone().unwrap_or_default(),
        ),
        (
            "open_conversation_id".to_string(),
            form.open_conversation_id.clone().unwrap_or_default(),
        ),
    ]);
    let r = crate::groups::save::save(&form)
        .await
        .inspect(|id| leptos_axum::redirect(&format!("/groups/{id}")));
    crate::infra::flash::finish("group", values, r).await
}

#[server(prefix = "/sfn", endpoint = "groups/disable")]
pub async fn disable_group(id: i64) -> Result<(), AppError> {
    let r = crate::groups::db::set_disabled(id, true).await;
    crate::infra::flash::finish("group-disabled", BTreeMap::new(), r).await
}

#[server(prefix = "/sfn", endpoint = "groups/enable")]
pub async fn enable_group(id: i64) -> Result<(), AppError> {
    let r = crate::groups::db::set_disabled(id, false).await;
    crate::infra::flash::finish("group-disabled", BTreeMap::new(), r).await
}

/// Sends a small test card now; the answer says what happened, explained.
#[server(prefix = "/sfn", endpoint = "groups/test")]
pub async fn test_group(id: i64) -> Result<TestSendResult, AppError> {
    let r = crate::groups::save::test_send(id).await.inspect(|t| {
        if crate::infra::flash::is_plain_form() {
            leptos_axum::redirect(&format!(
                "/groups/{id}?test={}",
                if t.ok { "ok" } else { "failed" }
            ));
        }
    });
    crate::infra::flash::finish("group-test", BTreeMap::new(), r).await
}
