//! Server functions of the share targets (DingTalk groups). Each checks the session and the
//! role, then calls the queries.

use leptos::prelude::*;

use crate::error::AppError;
use crate::groups::types::{
    GroupForm, GroupSummary, MadeGroup, MakeFormChoices, MakeGroupForm, TestSendResult,
};
#[cfg(feature = "ssr")]
use {
    super::{db, make, save},
    crate::infra::{flash, state},
    crate::session::auth::require,
    medal_core::Role,
    std::collections::BTreeMap,
};

#[server(prefix = "/sfn", endpoint = "groups/list")]
pub async fn list_groups() -> Result<Vec<GroupSummary>, AppError> {
    require(Role::Viewer).await?;
    db::list(&state()?).await
}

#[server(prefix = "/sfn", endpoint = "groups/get")]
pub async fn get_group(id: i64) -> Result<GroupSummary, AppError> {
    require(Role::Viewer).await?;
    db::get(&state()?, id).await
}

#[server(prefix = "/sfn", endpoint = "groups/save")]
pub async fn save_group(form: GroupForm) -> Result<i64, AppError> {
    let text = |v: &Option<String>| v.clone().unwrap_or_default();
    let values = BTreeMap::from([
        ("id".to_string(), text(&form.id)),
        ("name".to_string(), text(&form.name)),
        ("kind".to_string(), text(&form.kind)),
        ("keywords".to_string(), text(&form.keywords)),
        (
            "open_conversation_id".to_string(),
            text(&form.open_conversation_id),
        ),
        ("chat_id".to_string(), text(&form.chat_id)),
    ]);
    let r = async {
        let admin = require(Role::Admin).await?;
        save::save(&state()?, &admin, &form).await
    }
    .await
    .inspect(|id| leptos_axum::redirect(&format!("/groups/{id}")));
    flash::finish("group", values, r).await
}

#[server(prefix = "/sfn", endpoint = "groups/disable")]
pub async fn disable_group(id: i64) -> Result<(), AppError> {
    let r = async {
        let admin = require(Role::Admin).await?;
        db::set_disabled(&state()?.db, &admin, id, true).await
    };
    flash::finish("group-disabled", BTreeMap::new(), r.await).await
}

#[server(prefix = "/sfn", endpoint = "groups/enable")]
pub async fn enable_group(id: i64) -> Result<(), AppError> {
    let r = async {
        let admin = require(Role::Admin).await?;
        db::set_disabled(&state()?.db, &admin, id, false).await
    };
    flash::finish("group-disabled", BTreeMap::new(), r.await).await
}

/// Sends a small test card now; the answer says what happened, explained.
#[server(prefix = "/sfn", endpoint = "groups/test")]
pub async fn test_group(id: i64) -> Result<TestSendResult, AppError> {
    let r = async {
        let admin = require(Role::Admin).await?;
        save::test_send(&state()?, &admin, id).await
    }
    .await
    .inspect(|t| {
        if flash::is_plain_form() {
            leptos_axum::redirect(&format!(
                "/groups/{id}?test={}",
                if t.ok { "ok" } else { "failed" }
            ));
        }
    });
    flash::finish("group-test", BTreeMap::new(), r).await
}

/// What the "create a DingTalk group" form offers.
#[server(prefix = "/sfn", endpoint = "groups/make_choices")]
pub async fn make_choices() -> Result<MakeFormChoices, AppError> {
    require(Role::Admin).await?;
    make::choices(&state()?).await
}

/// Makes a group in DingTalk from the people picked and saves it as a share target.
#[server(prefix = "/sfn", endpoint = "groups/make")]
pub async fn make_group(form: MakeGroupForm) -> Result<MadeGroup, AppError> {
    let text = |v: &Option<String>| v.clone().unwrap_or_default();
    let values = BTreeMap::from([
        ("name".to_string(), text(&form.name)),
        ("owner".to_string(), text(&form.owner)),
        ("medal".to_string(), text(&form.medal)),
        ("department".to_string(), form.department.join("\n")),
    ]);
    let r = async {
        let admin = require(Role::Admin).await?;
        make::make(&state()?, &admin, &form).await
    }
    .await
    .inspect(|m| {
        leptos_axum::redirect(&format!(
            "/groups/{}?made={}&skipped={}",
            m.id,
            m.members,
            m.skipped.len()
        ))
    });
    flash::finish("group-make", values, r).await
}
