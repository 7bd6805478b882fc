//! Rules pages: the list with a new rule and the holidays (`/rules`), a rule's page with its
//! recent awards and the people closest to earning it (`/rules/:id`).

use crate::error::AppError;
use crate::i18n::use_lang;
use crate::rules::form::RuleEditor;
use crate::rules::types::{RuleDetail, RuleView, RulesData};
use crate::rules::{get_rule, rules_page, BackfillRule, DeleteRule, PauseRule, SaveHolidays};
use crate::ui::can;
use crate::ui::fmt_time;
use crate::ui::id_param;
use crate::ui::loading;
use crate::ui::use_flash;
use crate::ui::Banner;
use crate::ui::FieldErrors;
use leptos::prelude::*;
use leptos_meta::Title;
use medal_core::{Lang, Role};

/// "连续 30 天（工作日）" / "累计 100（每月）".
pub fn describe(lang: Lang, r: &RuleView) -> String {
    let window = match r.period.as_str() {
        "month" => lang.t("，每月", ", monthly"),
        "quarter" => lang.t("，每季度", ", quarterly"),
        _ => "",
    };
    match r.kind.as_str() {
        "streak" => {
            let days = if r.days == "workdays" {
                lang.t("个工作日", " workdays")
            } else {
                lang.t(" 天", " days")
            };
            match lang {
                Lang::Zh => format!("{} 连续 {}{days}{window}", r.metric, r.threshold),
                Lang::En => format!("{} {}{days} in a row{window}", r.metric, r.threshold),
            }
        }
        _ => match lang {
            Lang::Zh => format!("{} 累计达到 {}{window}", r.metric, r.threshold),
            Lang::En => format!("{} total reaches {}{window}", r.metric, r.threshold),
        },
    }
}

fn status(lang: Lang, active: bool) -> impl IntoView {
    if active {
        view! { <span class="tag tag-ok">{lang.t("生效中", "Active")}</span> }.into_any()
    } else {
        view! { <span class="tag tag-muted">{lang.t("已暂停", "Paused")}</span> }.into_any()
    }
}

#[component]
pub fn RulesListPage() -> impl IntoView {
    let lang = use_lang();
    let data = Resource::new(|| (), |_| rules_page());
    view! {
        <Title text=lang.t("规则", "Rules")/>
        <div class="page-head"><h1>{lang.t("自动颁发规则", "Automatic rules")}</h1></div>
        <Suspense fallback=move || loading(lang)>
            {move || data.get().map(|r| match r {
                Err(e) => view! { <Banner kind="error" text=e.summary(lang)/> }.into_any(),
                Ok(p) => view! { <RulesBody page=p/> }.into_any(),
            })}
        </Suspense>
    }
}

#[component]
fn RulesBody(page: RulesData) -> impl IntoView {
    let lang = use_lang();
    let flash = use_flash();
    let holidays = ServerAction::<SaveHolidays>::new();
    let hol_err: Signal<Option<AppError>> = Signal::derive(move || match holidays.value().get() {
        Some(Err(e)) => Some(e),
        _ => flash.for_form("holidays").and_then(|f| f.error),
    });
    let hol_text = flash
        .for_form("holidays")
        .and_then(|f| f.values.get("holidays").cloned())
        .unwrap_or_else(|| page.holidays.clone());
    let notice = flash.for_form("holidays").and_then(|f| f.notice);
    let rules = page.rules.clone();
    let admin = can(Role::Admin).get_untracked();
    view! {
        {if rules.is_empty() {
            view! { <p class="empty">{lang.t(
                "还没有规则。规则按考勤或其他系统的数据自动颁发勋章，如「连续打卡30天」「完成100个任务」。",
                "No rules yet. A rule gives a medal by itself from attendance or other systems' data, e.g. “30 days in a row”, “100 tasks completed”.",
            )}</p> }.into_any()
        } else {
            view! {
                <table class="table rules-table">
                    <thead><tr>
                        <th scope="col">{lang.t("规则", "Rule")}</th>
                        <th scope="col">{lang.t("勋章", "Medal")}</th>
                        <th scope="col">{lang.t("条件", "Condition")}</th>
                        <th scope="col">{lang.t("已颁发", "Awarded")}</th>
                        <th scope="col">{lang.t("状态", "Status")}</th>
                    </tr></thead>
                    <tbody>
                        {rules.into_iter().map(|r| view! {
                            <tr>
                                <td><a href=format!("/rules/{}", r.id)>{r.name.clone()}</a></td>
                                <td><a href=format!("/medals/{}", r.medal_id)>{r.medal_name.clone()}</a></td>
                                <td>{describe(lang, &r)}</td>
                                <td>{r.awarded}</td>
                                <td>{status(lang, r.active)}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            }.into_any()
        }}
        {admin.then(|| view! {
            <h2>{lang.t("新建规则", "New rule")}</h2>
            <RuleEditor page=page.clone() rule=None/>
            <h2>{lang.t("节假日", "Holidays")}</h2>
            <ActionForm action=holidays attr:class="form card holidays-form">
                {notice.clone().map(|m| view! { <div class="banner banner-ok" role="status">{m.get(lang).to_string()}</div> })}
                <div class="field">
                    <label for="holidays">{lang.t("工作日连续规则跳过的日期，每行一个：YYYY-MM-DD 名称",
                        "Days workday streaks skip, one per line: YYYY-MM-DD name")}</label>
                    <textarea id="holidays" name="holidays" rows="6" placeholder="2026-10-01 国庆节">{hol_text}</textarea>
                    <FieldErrors field="holidays" error=hol_err/>
                </div>
                <div class="form-actions"><button type="submit" class="btn">{lang.t("保存节假日", "Save holidays")}</button></div>
            </ActionForm>
            <crate::rules::events_page::EventsUpload/>
        })}
    }
}

#[component]
pub fn RuleDetailPage() -> impl IntoView {
    let lang = use_lang();
    let id = id_param();
    let data = Resource::new(
        move || id.get(),
        |id| async move { Ok::<_, AppError>((get_rule(id).await?, rules_page().await?)) },
    );
    view! {
        <Suspense fallback=move || loading(lang)>
            {move || data.get().map(|r| match r {
                Err(AppError::NotFound) => view! { <crate::ui::NotFound/> }.into_any(),
                Err(e) => view! { <Banner kind="error" text=e.summary(lang)/> }.into_any(),
                Ok((d, page)) => view! { <RuleBody detail=d page=page/> }.into_any(),
            })}
        </Suspense>
    }
}

#[component]
fn RuleBody(detail: RuleDetail, page: RulesData) -> impl IntoView {
    let lang = use_lang();
    let flash = use_flash();
    let pause = ServerAction::<PauseRule>::new();
    let delete = ServerAction::<DeleteRule>::new();
    let backfill = ServerAction::<BackfillRule>::new();
    let r = detail.rule.clone();
    let rid = r.id;
    let notice = flash
        .for_form("rule")
        .or_else(|| flash.for_form("rule-change"))
        .filter(|f| f.error.is_none() && !f.values.contains_key("dry_run"))
        .and_then(|f| f.notice);
    let change_err = flash.for_form("rule-change").and_then(|f| f.error);
    let admin = can(Role::Admin).get_untracked();
    let unit = if r.kind == "streak" {
        lang.t(" 天", " days")
    } else {
        ""
    };
    view! {
        <Title text=r.name.clone()/>
        <nav class="crumbs"><a href="/rules">{lang.t("规则", "Rules")}</a>" / "<span>{r.name.clone()}</span></nav>
        {notice.map(|m| view! { <div class="banner banner-ok" role="status">{m.get(lang).to_string()}</div> })}
        {change_err.map(|e| view! { <Banner kind="error" text=e.summary(lang)/> })}
        <section class="card">
            <div class="page-head">
                <h1>{r.name.clone()}" "{status(lang, r.active)}</h1>
                {admin.then(|| view! {
                    <div class="actions">
                        <ActionForm action=pause attr:class="inline-form">
                            <input type="hidden" name="id" value=rid/>
                            <input type="hidden" name="active" value=(!r.active).to_string()/>
                            <button type="submit" class="btn">{if r.active { lang.t("暂停", "Pause") } else { lang.t("恢复", "Resume") }}</button>
                        </ActionForm>
                        <ActionForm action=backfill attr:class="inline-form">
                            <input type="hidden" name="id" value=rid/>
                            <button type="submit" class="btn">{lang.t("补发给已达标的人", "Award everyone who qualifies")}</button>
                        </ActionForm>
                        <ActionForm action=delete attr:class="inline-form">
                            <input type="hidden" name="id" value=rid/>
                            <crate::ui::ConfirmSubmit class="btn btn-danger-ghost".to_string() label=lang.t("删除", "Delete").to_string()
                                question=lang.t("删除这条规则？它颁发过的勋章会保留。", "Delete this rule? The awards it made stay.").to_string()/>
                        </ActionForm>
                    </div>
                })}
            </div>
            <dl class="facts">
                <dt>{lang.t("勋章", "Medal")}</dt><dd><a href=format!("/medals/{}", r.medal_id)>{r.medal_name.clone()}</a></dd>
                <dt>{lang.t("条件", "Condition")}</dt><dd>{describe(lang, &r)}</dd>
                <dt>{lang.t("计算起点", "Counts facts from")}</dt><dd>{r.from_date.clone().unwrap_or_else(|| lang.t("全部历史数据", "All history").into())}</dd>
                <dt>{lang.t("已颁发", "Awarded")}</dt><dd>{r.awarded}</dd>
            </dl>
        </section>
        <h2>{lang.t("最接近达标的人", "Closest to earning it")}</h2>
        {if detail.closest.is_empty() {
            view! { <p class="empty">{lang.t("暂时没有人在进行中。", "Nobody is on the way yet.")}</p> }.into_any()
        } else {
            view! { <table class="table closest-table"><tbody>
                {detail.closest.iter().map(|c| view! {
                    <tr><td><a href=format!("/staff/{}", c.staff_id)>{c.name.clone()}</a></td><td>{c.department.clone()}</td>
                        <td>{format!("{} / {}{unit}", c.have, c.have + c.to_go)}</td>
                        <td>{match lang { Lang::Zh => format!("还差 {}{unit}", c.to_go), Lang::En => format!("{}{unit} to go", c.to_go) }}</td></tr>
                }).collect_view()}
            </tbody></table> }.into_any()
        }}
        <h2>{lang.t("最近颁发", "Recent awards")}</h2>
        {if detail.recent.is_empty() {
            view! { <p class="empty">{lang.t("还没有颁发过。", "Nothing awarded yet.")}</p> }.into_any()
        } else {
            view! { <table class="table rule-awards-table"><tbody>
                {detail.recent.iter().map(|a| view! {
                    <tr><td><a href=format!("/awards/{}", a.award_id)>{a.name.clone()}</a></td>
                        <td>{a.window.get(lang).to_string()}</td><td>{a.facts.get(lang).to_string()}</td><td>{fmt_time(a.at)}</td></tr>
                }).collect_view()}
            </tbody></table> }.into_any()
        }}
        {admin.then(|| view! {
            <h2>{lang.t("编辑", "Edit")}</h2>
            <RuleEditor page=page rule=Some(r.clone())/>
        })}
    }
}
