//! The awards list with filters and export.

use crate::awards::award_choices;
use crate::awards::list_awards;
use crate::awards::AwardFilter;
use crate::awards::AwardItem;
use crate::i18n::use_lang;
use crate::ui::fmt_time;
use crate::ui::loading;
use crate::ui::url_encode;
use crate::ui::Banner;
use crate::ui::IfCan;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use medal_core::{AwardStatus, Lang, Role};

pub fn status_tag(lang: Lang, s: AwardStatus) -> impl IntoView {
    let class = match s {
        AwardStatus::Active => "tag tag-ok",
        AwardStatus::Expired => "tag tag-muted",
        AwardStatus::Revoked => "tag tag-danger",
    };
    view! { <span class=class data-status=s.as_str()>{s.label(lang)}</span> }
}

fn filter_from(q: &leptos_router::params::ParamsMap) -> AwardFilter {
    let g = |k: &str| q.get(k).unwrap_or_default();
    AwardFilter {
        medal: g("medal"),
        person: g("person"),
        department: g("department"),
        from: g("from"),
        to: g("to"),
        by: g("by"),
        status: g("status"),
        batch: g("batch"),
        page: g("page"),
        after: g("after"),
        before: g("before"),
    }
}

fn filter_query(f: &AwardFilter) -> String {
    format!(
        "medal={}&person={}&department={}&from={}&to={}&by={}&status={}&batch={}",
        url_encode(&f.medal),
        url_encode(&f.person),
        url_encode(&f.department),
        url_encode(&f.from),
        url_encode(&f.to),
        url_encode(&f.by),
        url_encode(&f.status),
        url_encode(&f.batch)
    )
}

#[component]
pub fn AwardList() -> impl IntoView {
    let lang = use_lang();
    let query = use_query_map();
    let filter = move || filter_from(&query.read());
    let awards = Resource::new(filter, list_awards);
    let choices = Resource::new(|| (), |_| award_choices());
    let given = move || {
        query
            .read()
            .get("given")
            .and_then(|n| n.parse::<u64>().ok())
    };
    let page_href = move |page: u32, key: &str, cursor: &str| {
        format!(
            "/awards?{}&page={page}&{key}={cursor}",
            filter_query(&filter())
        )
    };
    let export_href = move || format!("/awards/export.csv?{}", filter_query(&filter()));
    let f0 = filter_from(&query.read_untracked());
    view! {
        <Title text=lang.t("颁奖记录", "Awards")/>
        <div class="page-head">
            <h1>{lang.t("颁奖记录", "Awards")}</h1>
            <div class="actions">
                <a class="btn" rel="external" href=export_href>{lang.t("导出 CSV", "Export CSV")}</a>
                <IfCan role=Role::Awarder>
                    <a class="btn btn-primary" href="/awards/new">{lang.t("＋ 颁发勋章", "+ Award a medal")}</a>
                </IfCan>
            </div>
        </div>
        {move || given().map(|n| view! {
            <div class="banner banner-success" role="status">
                {match lang { Lang::Zh => format!("已颁发 {n} 枚勋章。"), Lang::En => format!("{n} awards given.") }}

            </div>
        })}
        <crate::shares::told_page::ToldBanner/>
        <form class="filters filters-wrap" method="get" action="/awards" role="search">
            <div class="field">
                <label for="f-medal">{lang.t("勋章", "Medal")}</label>
                <Suspense fallback=|| view! { <select id="f-medal" name="medal"></select> }>
                    {
                        let cur = f0.medal.clone();
                        move || choices.get().map(|r| {
                            let cur = cur.clone();
                            view! {
                                <select id="f-medal" name="medal">
                                    <option value="">{lang.t("全部", "All")}</option>
                                    {r.unwrap_or_default().medals.into_iter().map(|(id, name)| {
                                        let id = id.to_string();
                                        let sel = id == cur;
                                        view! { <option value=id selected=sel>{name}</option> }
                                    }).collect_view()}
                                </select>
                            }
                        })
                    }
                </Suspense>
            </div>
            <div class="field">
                <label for="f-person">{lang.t("获奖人", "Person")}</label>
                <input id="f-person" name="person" type="search" value=f0.person.clone() placeholder=lang.t("姓名、工号或手机号", "Name, id or mobile")/>
            </div>
            <div class="field">
                <label for="f-dept">{lang.t("部门", "Department")}</label>
                <Suspense fallback=|| view! { <select id="f-dept" name="department"></select> }>
                    {
                        let cur_d = f0.department.clone();
                        let cur_b = f0.by.clone();
                        move || choices.get().map(|r| {
                            let c = r.unwrap_or_default();
                            let cur_d = cur_d.clone();
                            let cur_b = cur_b.clone();
                            view! {
                                <select id="f-dept" name="department">
                                    <option value="">{lang.t("全部", "All")}</option>
                                    {c.departments.into_iter().map(|d| {
                                        let sel = d.name == cur_d;
                                        view! { <option value=d.name.clone() selected=sel>{d.name.clone()}</option> }
                                    }).collect_view()}
                                </select>
                                <label for="f-by" class="sr-only">{lang.t("颁发人", "Awarded by")}</label>
                                <select id="f-by" name="by" aria-label=lang.t("颁发人", "Awarded by")>
                                    <option value="">{lang.t("任何颁发人", "Anyone")}</option>
                                    {c.admins.into_iter().map(|a| {
                                        let id = a.id.to_string();
                                        let sel = id == cur_b;
                                        view! { <option value=id selected=sel>{a.username.clone()}</option> }
                                    }).collect_view()}
                                </select>
                            }
                        })
                    }
                </Suspense>
            </div>
            <div class="field">
                <label for="f-from">{lang.t("从", "From")}</label>
                <input id="f-from" name="from" type="date" value=f0.from.clone()/>
            </div>
            <div class="field">
                <label for="f-to">{lang.t("到", "To")}</label>
                <input id="f-to" name="to" type="date" value=f0.to.clone()/>
            </div>
            <div class="field">
                <label for="f-status">{lang.t("状态", "Status")}</label>
                <select id="f-status" name="status">
                    <option value="">{lang.t("全部", "All")}</option>
                    {AwardStatus::ALL.into_iter().map(|s| {
                        let sel = f0.status == s.as_str();
                        view! { <option value=s.as_str() selected=sel>{s.label(lang)}</option> }
                    }).collect_view()}
                </select>
            </div>
            {(!f0.batch.is_empty()).then(|| view! { <input type="hidden" name="batch" value=f0.batch.clone()/> })}
            <button type="submit" class="btn">{lang.t("筛选", "Filter")}</button>
        </form>
        <Suspense fallback=move || loading(lang)>
            {move || awards.get().map(|r| match r {
                Err(e) => view! { <Banner kind="error" text=e.summary(lang)/> }.into_any(),
                Ok(p) if p.items.is_empty() && p.prev.is_none() => view! {
                    <p class="empty">{lang.t("没有符合条件的颁奖记录。", "No awards match.")}</p>
                }.into_any(),
                Ok(p) => {
                    let page = p.page;
                    view! {
                        <p class="muted" data-total=p.total data-capped=p.capped.then_some("")>{match (lang, p.capped) {
                            (Lang::Zh, false) => format!("共 {} 条", p.total),
                            (Lang::En, false) => format!("{} in all", p.total),
                            (Lang::Zh, true) => format!("超过 {} 条", p.total),
                            (Lang::En, true) => format!("More than {}", p.total),
                        }}</p>
                        {(!filter().batch.is_empty() && !p.capped && p.total as usize <= p.items.len()).then(|| {
                            let ids = p.items.iter().map(|a| a.id.to_string()).collect::<Vec<_>>().join(",");
                            view! {
                                <IfCan role=Role::Awarder>
                                    <p><a class="btn" href=format!("/shares/new?awards={ids}")>{lang.t("把这批勋章分享到钉钉群", "Share this batch to DingTalk groups")}</a></p>
                                </IfCan>
                            }
                        })}
                        <AwardTable items=p.items/>
                        {crate::ui::pager_links(
                            lang,
                            page,
                            p.prev.as_deref().map(|c| page_href(page.saturating_sub(1).max(1), "before", c)),
                            p.next.as_deref().map(|c| page_href(page + 1, "after", c)),
                        )}
                    }.into_any()
                }
            })}
        </Suspense>
    }
}

#[component]
pub fn AwardTable(items: Vec<AwardItem>) -> impl IntoView {
    let lang = use_lang();
    view! {
        <table class="table awards-table">
            <thead><tr>
                <th scope="col">{lang.t("勋章", "Medal")}</th>
                <th scope="col">{lang.t("获奖人", "Recipient")}</th>
                <th scope="col">{lang.t("部门", "Department")}</th>
                <th scope="col">{lang.t("理由", "Reason")}</th>
                <th scope="col">{lang.t("颁发时间", "Awarded")}</th>
                <th scope="col">{lang.t("颁发人", "By")}</th>
                <th scope="col">{lang.t("状态", "Status")}</th>
            </tr></thead>
            <tbody>
                {items.into_iter().map(|a| view! {
                    <tr class=if a.status == AwardStatus::Active { "" } else { "inactive" }>
                        <td class="medal-cell">
                            <img class=format!("medal-icon-sm ring-{}", a.tier.as_str()) src=a.icon_url.clone() alt="" width="28" height="28" loading="lazy"/>
                            <a href=format!("/awards/{}", a.id)>{a.medal_name.clone()}</a>
                        </td>
                        <td><a href=format!("/staff/{}", a.staff_id)>{a.staff_name.clone()}</a></td>
                        <td>{a.department.clone()}</td>
                        <td class="reason-cell">{a.reason.clone()}</td>
                        <td>{fmt_time(a.awarded_at)}</td>
                        <td>{a.awarded_by.clone()}</td>
                        <td>{status_tag(lang, a.status)}</td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
    }
}
