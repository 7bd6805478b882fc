//! The audit log page (owners and admins): newest first, 50 a page, filters in the URL (GET) so a
//! view can be shared, older pages by `?before=<id>`.

use crate::audit::labels::{action_label, object_href, object_label, OBJECT_TYPES};
use crate::audit::list_audit;
use crate::audit::AuditEntry;
use crate::audit::AuditFilter;
use crate::audit::CSV_CAP;
use crate::error::AppError;
use crate::i18n::use_lang;
use crate::ui::fmt_time;
use crate::ui::loading;
use crate::ui::url_encode;
use crate::ui::Banner;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use medal_core::Lang;

fn filter_from(q: &leptos_router::params::ParamsMap) -> AuditFilter {
    let g = |k: &str| q.get(k).unwrap_or_default();
    AuditFilter {
        actor: g("actor"),
        object_type: g("object_type"),
        from: g("from"),
        to: g("to"),
        before: g("before"),
    }
}

/// The filters as a query string (without `before`).
fn filter_query(f: &AuditFilter) -> String {
    format!(
        "actor={}&object_type={}&from={}&to={}",
        url_encode(&f.actor),
        url_encode(&f.object_type),
        url_encode(&f.from),
        url_encode(&f.to)
    )
}

#[component]
pub fn AuditLogPage() -> impl IntoView {
    let lang = use_lang();
    let query = use_query_map();
    let filter = move || filter_from(&query.read());
    let page = Resource::new(filter, list_audit);
    let f0 = filter_from(&query.read_untracked());
    let export_href = format!("/audit.csv?{}", filter_query(&f0));
    let newest_href = format!("/audit?{}", filter_query(&f0));
    let paged = !f0.before.is_empty();
    view! {
        <Title text=lang.t("审计日志", "Audit log")/>
        <div class="page-head">
            <h1>{lang.t("审计日志", "Audit log")}</h1>
            <div class="actions">
                <a class="btn" rel="external" href=export_href
                    title=match lang { Lang::Zh => format!("按当前筛选导出，最多 {CSV_CAP} 行"), Lang::En => format!("With the filters shown, at most {CSV_CAP} rows") }>
                    {lang.t("导出 CSV", "Export CSV")}</a>
            </div>
        </div>
        <Suspense fallback=move || loading(lang)>
            {move || page.get().map(|r| match r {
                Err(AppError::Forbidden) => view! { <crate::ui::Forbidden/> }.into_any(),
                Err(e) => view! {
                    <Filters f=f0.clone() actors=Vec::new()/>
                    <Banner kind="error" text=e.summary(lang)/>
                }.into_any(),
                Ok(p) => {
                    let older = p.older.map(|id| format!("/audit?{}&before={id}", filter_query(&f0)));
                    view! {
                        <Filters f=f0.clone() actors=p.actors.clone()/>
                        {if p.entries.is_empty() {
                            view! { <p class="empty">{lang.t("没有符合条件的记录。", "No entries match.")}</p> }.into_any()
                        } else {
                            view! { <AuditTable entries=p.entries.clone()/> }.into_any()
                        }}
                        <nav class="pager" aria-label=lang.t("分页", "Pages")>
                            {paged.then(|| view! { <a class="btn btn-ghost" href=newest_href.clone()>{lang.t("« 最新", "« Newest")}</a> })}
                            {older.map(|h| view! { <a class="btn btn-ghost" rel="next" href=h>{lang.t("更早 ›", "Older ›")}</a> })}
                        </nav>
                        <p class="hint">{match lang {
                            Lang::Zh => format!("每页 50 条，按时间从新到旧。CSV 导出使用相同筛选，最多 {CSV_CAP} 行。"),
                            Lang::En => format!("50 a page, newest first. The CSV export uses the same filters, at most {CSV_CAP} rows."),
                        }}</p>
                    }.into_any()
                }
            })}
        </Suspense>
    }
}

#[component]
fn Filters(f: AuditFilter, actors: Vec<String>) -> impl IntoView {
    let lang = use_lang();
    view! {
        <form class="filters filters-wrap" method="get" action="/audit" role="search">
            <div class="field">
                <label for="f-actor">{lang.t("操作人", "Actor")}</label>
                <input id="f-actor" name="actor" type="search" list="f-actors" value=f.actor.clone()/>
                <datalist id="f-actors">
                    {actors.into_iter().chain(["cli".to_string()]).map(|a| view! { <option value=a/> }).collect_view()}
                </datalist>
            </div>
            <div class="field">
                <label for="f-type">{lang.t("对象类型", "Object type")}</label>
                <select id="f-type" name="object_type">
                    <option value="">{lang.t("全部", "All")}</option>
                    {OBJECT_TYPES.iter().map(|(t, zh, en)| {
                        let sel = *t == f.object_type;
                        view! { <option value=*t selected=sel>{lang.t(zh, en)}</option> }
                    }).collect_view()}
                </select>
            </div>
            <div class="field">
                <label for="f-from">{lang.t("开始日期", "From")}</label>
                <input id="f-from" name="from" type="date" value=f.from.clone()/>
            </div>
            <div class="field">
                <label for="f-to">{lang.t("结束日期", "To")}</label>
                <input id="f-to" name="to" type="date" value=f.to.clone()/>
            </div>
            <div class="field field-actions">
                <button type="submit" class="btn">{lang.t("筛选", "Filter")}</button>
                <a class="btn btn-ghost" href="/audit">{lang.t("清除", "Clear")}</a>
            </div>
        </form>
    }
}

#[component]
fn AuditTable(entries: Vec<AuditEntry>) -> impl IntoView {
    let lang = use_lang();
    view! {
        <table class="table audit-table">
            <thead><tr>
                <th scope="col">{lang.t("时间", "Time")}</th>
                <th scope="col">{lang.t("操作人", "Actor")}</th>
                <th scope="col">{lang.t("操作", "Action")}</th>
                <th scope="col">{lang.t("对象", "Object")}</th>
                <th scope="col">{lang.t("变更", "Changes")}</th>
            </tr></thead>
            <tbody>
                {entries.into_iter().map(|e| {
                    let object = format!(
                        "{}{}",
                        object_label(lang, &e.object_type),
                        e.object_id.as_deref().map(|i| format!(" #{i}")).unwrap_or_default()
                    );
                    let href = object_href(&e.object_type, e.object_id.as_deref());
                    view! {
                        <tr data-id=e.id>
                            <td class="nowrap">{fmt_time(e.at)}</td>
                            <td>{e.actor.clone()}</td>
                            <td title=e.action.clone()>{action_label(lang, &e.action)}</td>
                            <td>{match href {
                                Some(h) => view! { <a href=h>{object}</a> }.into_any(),
                                None => view! { <span>{object}</span> }.into_any(),
                            }}</td>
                            <td>
                                <ul class="changes">
                                    {e.changes.into_iter().map(|c| view! {
                                        <li>
                                            {(!c.key.is_empty()).then(|| view! { <code>{c.key.clone()}</code>": " })}
                                            {c.before.map(|b| view! { <del>{b}</del>" → " })}
                                            {c.after.map(|a| view! { <ins>{a}</ins> })}
                                        </li>
                                    }).collect_view()}
                                </ul>
                            </td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
}
