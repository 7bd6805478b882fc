//! Server functions of the rules. Each checks the session and the role, then calls the queries.

use leptos::prelude::*;
use leptos::server_fn::codec::{MultipartData, MultipartFormData};

use crate::error::AppError;
use crate::rules::types::{
    DryRun, EventImportOutcome, EventImportPreview, RuleDetail, RuleForm, RulesData,
};
#[cfg(feature = "ssr")]
use {
    super::{db, eval, events_import},
    crate::infra::{flash, state},
    crate::session::auth::{require, session},
    medal_core::{Msg, Role},
    std::collections::BTreeMap,
};

#[server(prefix = "/sfn", endpoint = "rules/page")]
pub async fn rules_page() -> Result<RulesData, AppError> {
    require(Role::Viewer).await?;
    db::page(&state()?.db).await
}

#[server(prefix = "/sfn", endpoint = "rules/get")]
pub async fn get_rule(id: i64) -> Result<RuleDetail, AppError> {
    require(Role::Viewer).await?;
    let st = state()?;
    let rule = db::get(&st.db, id).await?;
    let row = db::row(&st.db, id).await?;
    Ok(RuleDetail {
        rule,
        recent: crate::rules::recent::recent(&st.db, &row, 20).await?,
        closest: eval::closest(&st, &row).await?,
    })
}

#[cfg(feature = "ssr")]
fn form_values(f: &RuleForm) -> BTreeMap<String, String> {
    let t = |v: &Option<String>| v.clone().unwrap_or_default();
    BTreeMap::from([
        ("name".to_string(), t(&f.name)),
        ("medal_id".to_string(), t(&f.medal_id)),
        ("metric".to_string(), t(&f.metric)),
        ("kind".to_string(), t(&f.kind)),
        ("days".to_string(), t(&f.days)),
        ("period".to_string(), t(&f.period)),
        ("threshold".to_string(), t(&f.threshold)),
        ("group_ids".to_string(), f.group_ids.join(",")),
        ("tell".to_string(), t(&f.tell)),
    ])
}

#[cfg(feature = "ssr")]
fn rule_id(f: &RuleForm) -> Result<Option<i64>, AppError> {
    match f.id.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => s.parse().map(Some).map_err(|_| AppError::NotFound),
    }
}

/// Saves a rule; with `backfill`, gives its medal to everyone who already qualifies.
#[server(prefix = "/sfn", endpoint = "rules/save")]
pub async fn save_rule(form: RuleForm, group_ids: Option<Vec<String>>) -> Result<i64, AppError> {
    let mut form = form;
    form.group_ids.extend(group_ids.unwrap_or_default());
    let values = form_values(&form);
    let r = async {
        let admin = require(Role::Admin).await?;
        let st = state()?;
        let id = rule_id(&form)?;
        let v = db::validate(&st.db, &form).await?;
        let id = db::save(&st.db, &admin, id, &v, form.backfill).await?;
        let given = if form.backfill {
            eval::backfill(&st, &db::row(&st.db, id).await?).await?
        } else {
            0
        };
        flash::notify(
            "rule",
            Msg::new(
                format!("规则已保存，补发了 {given} 枚勋章。"),
                format!("Rule saved; {given} awards made for people who already qualified."),
            ),
        )
        .await?;
        Ok(id)
    }
    .await
    .inspect(|id| leptos_axum::redirect(&format!("/rules/{id}")));
    flash::finish("rule", values, r).await
}

/// How many people the rule as typed would award now, and ten of them.
#[server(prefix = "/sfn", endpoint = "rules/dry_run")]
pub async fn dry_run_rule(
    form: RuleForm,
    group_ids: Option<Vec<String>>,
) -> Result<DryRun, AppError> {
    let mut form = form;
    form.group_ids.extend(group_ids.unwrap_or_default());
    let values = form_values(&form);
    let r = async {
        require(Role::Admin).await?;
        let st = state()?;
        let id = rule_id(&form)?.unwrap_or(0);
        let v = db::validate(&st.db, &form).await?;
        let d = eval::dry_run_spec(&st, id, &v.metric, &v.spec).await?;
        // a plain form post comes back to the form, with what was typed and the answer
        let mut kept = values.clone();
        kept.insert(
            "dry_run".into(),
            serde_json::to_string(&d).unwrap_or_default(),
        );
        flash::notify_with("rule", crate::rules::dry_run_msg(&d), kept).await?;
        Ok(d)
    }
    .await;
    flash::finish("rule", values, r).await
}

#[server(prefix = "/sfn", endpoint = "rules/pause")]
pub async fn pause_rule(id: i64, active: bool) -> Result<(), AppError> {
    let r = async {
        let admin = require(Role::Admin).await?;
        db::set_active(&state()?.db, &admin, id, active).await
    }
    .await
    .inspect(|_| leptos_axum::redirect(&format!("/rules/{id}")));
    flash::finish("rule-change", BTreeMap::new(), r).await
}

#[server(prefix = "/sfn", endpoint = "rules/delete")]
pub async fn delete_rule(id: i64) -> Result<(), AppError> {
    let r = async {
        let admin = require(Role::Admin).await?;
        db::delete(&state()?.db, &admin, id).await
    }
    .await
    .inspect(|_| leptos_axum::redirect("/rules"));
    flash::finish("rule-change", BTreeMap::new(), r).await
}

/// Gives a saved rule's medal to everyone who qualifies and has not had it from the rule.
#[server(prefix = "/sfn", endpoint = "rules/backfill")]
pub async fn backfill_rule(id: i64) -> Result<u64, AppError> {
    let r = async {
        require(Role::Admin).await?;
        let st = state()?;
        let row = db::row(&st.db, id).await?;
        let n = eval::backfill(&st, &row).await?;
        flash::notify(
            "rule-change",
            Msg::new(format!("补发了 {n} 枚勋章。"), format!("{n} awards made.")),
        )
        .await?;
        Ok(n)
    }
    .await
    .inspect(|_| leptos_axum::redirect(&format!("/rules/{id}")));
    flash::finish("rule-change", BTreeMap::new(), r).await
}

#[server(prefix = "/sfn", endpoint = "rules/holidays")]
pub async fn save_holidays(holidays: String) -> Result<usize, AppError> {
    let values = BTreeMap::from([("holidays".to_string(), holidays.clone())]);
    let r = async {
        let admin = require(Role::Admin).await?;
        let n = crate::rules::holidays::set_holidays(&state()?.db, &admin, &holidays).await?;
        flash::notify(
            "holidays",
            Msg::new(
                format!("已保存 {n} 个节假日。"),
                format!("{n} holidays saved."),
            ),
        )
        .await?;
        Ok(n)
    }
    .await
    .inspect(|_| leptos_axum::redirect("/rules"));
    flash::finish("holidays", values, r).await
}

/// Step 1 of the events CSV upload: reads the file (field `file`), keeps it and returns what
/// applying it would do, every bad line by its line number. No fact is written.
#[server(prefix = "/sfn", endpoint = "rules/events/preview", input = MultipartFormData)]
pub async fn preview_events_csv(data: MultipartData) -> Result<EventImportPreview, AppError> {
    let r = async {
        let admin = require(Role::Admin).await?;
        let st = state()?;
        let _slot = crate::infra::bulk_slot(&st)?;
        events_import::preview_from_form(&st.db, &admin, &session().await?, data).await
    }
    .await
    .inspect(|_| leptos_axum::redirect("/rules#events-csv"));
    flash::finish("events-csv", BTreeMap::new(), r).await
}

/// The preview of the events file kept in this session, if any.
#[server(prefix = "/sfn", endpoint = "rules/events/pending")]
pub async fn pending_events_csv() -> Result<Option<EventImportPreview>, AppError> {
    let admin = require(Role::Admin).await?;
    events_import::pending_preview(&state()?.db, &admin, &session().await?).await
}

/// Step 2: applies the good lines of the kept file named by `token`, then the rules run.
#[server(prefix = "/sfn", endpoint = "rules/events/commit")]
pub async fn commit_events_csv(token: String) -> Result<EventImportOutcome, AppError> {
    let r = async {
        let admin = require(Role::Admin).await?;
        let st = state()?;
        let _slot = crate::infra::bulk_slot(&st)?;
        events_import::commit_pending(&st, &admin, &session().await?, &token).await
    }
    .await
    .inspect(|o| {
        leptos_axum::redirect(&format!(
            "/rules?events_done=1&accepted={}&duplicates={}&awarded={}&skipped={}#events-csv",
            o.accepted, o.duplicates, o.awarded, o.skipped
        ))
    });
    flash::finish("events-csv", BTreeMap::new(), r).await
}

/// Forgets the kept events file.
#[server(prefix = "/sfn", endpoint = "rules/events/cancel")]
pub async fn cancel_events_csv() -> Result<(), AppError> {
    let r = async {
        let admin = require(Role::Admin).await?;
        events_import::cancel_pending(&state()?.db, &admin, &session().await?).await
    }
    .await
    .inspect(|_| leptos_axum::redirect("/rules#events-csv"));
    flash::finish("events-csv", BTreeMap::new(), r).await
}
