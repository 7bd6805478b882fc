//! The medal catalogue: list with search and filters, detail, create and edit.

use crate::error::AppError;
use crate::i18n::use_lang;
use crate::medals::get_medal;
use crate::medals::list_medals;
use crate::medals::ArchiveMedal;
use crate::medals::MedalFilter;
use crate::medals::MedalSummary;
use crate::medals::RestoreMedal;
use crate::ui::can;
use crate::ui::fmt_time;
use crate::ui::id_param;
use crate::ui::loading;
use crate::ui::Banner;
use crate::ui::FormError;
use crate::ui::IfCan;
use crate::ui::TierBadge;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use medal_core::{MedalKind, Role, Tier, Validity};

#[component]
pub fn MedalGrid(medals: Vec<MedalSummary>) -> impl IntoView {
    let lang = use_lang();
    if medals.is_empty() {
        return view! { <p class="empty">{lang.t("没有符合条件的勋章。", "No medals match.")}</p> }
            .into_any();
    }
    view! {
        <ul class="medal-grid">
            {medals.into_iter().map(|m| view! {
                <li class=if m.archived { "medal-tile archived" } else { "medal-tile" }>
                    <a href=format!("/medals/{}", m.id)>
                        <img class=format!("medal-icon ring-{}", m.tier.as_str()) src=m.icon_url.clone() alt="" width="72" height="72" loading="lazy"/>
                        <span class="medal-name">{m.name.clone()}</span>
                        <span class="medal-meta">
                            <TierBadge tier=m.tier/>
                            {m.archived.then(|| view! { <span class="tag tag-muted">{lang.t("已归档", "Archived")}</span> })}
                        </span>
                        <span class="medal-count">{match lang {
                            medal_core::Lang::Zh => format!("已颁发 {} 次", m.award_count),
                            medal_core::Lang::En => format!("{} awarded", m.award_count),
                        }}</span>
                    </a>
                </li>
            }).collect_view()}
        </ul>
    }
    .into_any()
}

#[component]
pub fn MedalList() -> impl IntoView {
    let lang = use_lang();
    let query = use_query_map();
    let filter = move || {
        let q = query.read();
        MedalFilter {
            q: q.get("q").unwrap_or_default(),
            tier: q.get("tier").unwrap_or_default(),
            kind: q.get("kind").unwrap_or_default(),
            status: q.get("status").unwrap_or_default(),
        }
    };
    let medals = Resource::new(filter, list_medals);
    let selected = move |key: &'static str, v: &'static str| {
        move || query.read().get(key).unwrap_or_default() == v
    };
    view! {
        <Title text=lang.t("勋章", "Medals")/>
        <div class="page-head">
            <h1>{lang.t("勋章", "Medals")}</h1>
            <IfCan role=Role::Admin>
                <a class="btn btn-primary" href="/medals/new">{lang.t("＋ 新建勋章", "+ New medal")}</a>
            </IfCan>
        </div>
        <form class="filters" method="get" action="/medals" role="search">
            <div class="field field-grow">
                <label for="q">{lang.t("搜索名称", "Search by name")}</label>
                <input id="q" name="q" type="search" placeholder=lang.t("例如：月度之星", "e.g. Star of the month")
                    value=move || query.read().get("q").unwrap_or_default()/>
            </div>
            <div class="field">
                <label for="tier">{lang.t("等级", "Tier")}</label>
                <select id="tier" name="tier">
                    <option value="" selected=selected("tier", "")>{lang.t("全部", "All")}</option>
                    {Tier::ALL.into_iter().map(|t| view! {
                        <option value=t.as_str() selected=selected("tier", t.as_str())>{t.label(lang)}</option>
                    }).collect_view()}
                </select>
            </div>
            <div class="field">
                <label for="kind">{lang.t("颁发方式", "Awarded")}</label>
                <select id="kind" name="kind">
                    <option value="" selected=selected("kind", "")>{lang.t("全部", "All")}</option>
                    {MedalKind::ALL.into_iter().map(|k| view! {
                        <option value=k.as_str() selected=selected("kind", k.as_str())>{k.label(lang)}</option>
                    }).collect_view()}
                </select>
            </div>
            <div class="field">
                <label for="status">{lang.t("状态", "Status")}</label>
                <select id="status" name="status">
                    <option value="active" selected=selected("status", "active")>{lang.t("有效", "Active")}</option>
                    <option value="archived" selected=selected("status", "archived")>{lang.t("已归档", "Archived")}</option>
                    <option value="all" selected=selected("status", "all")>{lang.t("全部", "All")}</option>
                </select>
            </div>
            <button type="submit" class="btn">{lang.t("筛选", "Filter")}</button>
        </form>
        <Suspense fallback=move || loading(lang)>
            {move || medals.get().map(|r| match r {
                Ok(list) => view! { <MedalGrid medals=list/> }.into_any(),
                Err(e) => view! { <Banner kind="error" text=e.summary(lang)/> }.into_any(),
            })}
        </Suspense>
    }
}

#[component]
pub fn MedalDetailPage() -> impl IntoView {
    let lang = use_lang();
    let id = id_param();
    let archive = ServerAction::<ArchiveMedal>::new();
    let restore = ServerAction::<RestoreMedal>::new();
    let medal = Resource::new(
        move || (id.get(), archive.version().get(), restore.version().get()),
        |(id, _, _)| get_medal(id),
    );
    let is_admin = can(Role::Admin);
    let action_error = Signal::derive(move || {
        [archive.value().get(), restore.value().get()]
            .into_iter()
            .flatten()
            .find_map(|r| r.err())
    });
    view! {
        <Suspense fallback=move || loading(lang)>
            {move || medal.get().map(|r| match r {
                Err(AppError::NotFound) => view! { <crate::ui::NotFound/> }.into_any(),
                Err(e) => view! { <Banner kind="error" text=e.summary(lang)/> }.into_any(),
                Ok(m) => {
                    let archived = m.archived_at.is_some();
                    let validity = Validity::from_days(m.validity_days.map(i64::from)).label(lang);
                    view! {
                        <Title text=m.name.clone()/>
                        <nav class="crumbs"><a href="/medals">{lang.t("勋章", "Medals")}</a>" / "<span>{m.name.clone()}</span></nav>
                        <FormError error=action_error/>
                        <section class="card medal-hero">
                            <img class=format!("medal-icon big ring-{}", m.tier.as_str()) src=m.icon_url.clone() alt=m.name.clone() width="128" height="128"/>
                            <div class="medal-hero-body">
                                <h1>{m.name.clone()}
                                    {archived.then(|| view! { <span class="tag tag-muted">{lang.t("已归档", "Archived")}</span> })}
                                </h1>
                                <p class="medal-meta"><TierBadge tier=m.tier/><span class="tag">{m.kind.label(lang)}</span></p>
                                <p class="description">{if m.description.is_empty() { lang.t("（没有描述）", "(no description)").to_string() } else { m.description.clone() }}</p>
                                {(!archived).then(|| view! {
                                    <IfCan role=Role::Awarder>
                                        <div class="actions">
                                            <a class="btn btn-primary" href=format!("/awards/new?medal={}", m.id)>{lang.t("颁发这枚勋章", "Award this medal")}</a>
                                            <a class="btn" href=format!("/awards?medal={}", m.id)>{lang.t("颁奖记录", "Awards")}</a>
                                        </div>
                                    </IfCan>
                                })}
                                {is_admin.get().then(|| view! {
                                    <div class="actions">
                                        <a class="btn" href=format!("/medals/{}/edit", m.id)>{lang.t("编辑", "Edit")}</a>
                                        {if archived {
                                            view! {
                                                <ActionForm action=restore attr:class="inline-form">
                                                    <input type="hidden" name="id" value=m.id/>
                                                    <button type="submit" class="btn">{lang.t("恢复", "Restore")}</button>
                                                </ActionForm>
                                            }.into_any()
                                        } else {
                                            view! {
                                                <ActionForm action=archive attr:class="inline-form">
                                                    <input type="hidden" name="id" value=m.id/>
                                                    <crate::ui::ConfirmSubmit class="btn btn-danger-ghost".to_string() label=lang.t("归档", "Archive").to_string()
                                                        question=lang.t("归档这枚勋章？归档后不能再颁发，已颁发的保留，随时可以恢复。", "Archive this medal? It can no longer be awarded; awards are kept, and it can be restored.").to_string()/>
                                                </ActionForm>
                                            }.into_any()
                                        }}
                                    </div>
                                })}
                            </div>
                        </section>
                        <section class="card">
                            <dl class="facts">
                                <dt>{lang.t("获得条件", "Criteria")}</dt>
                                <dd>{if m.criteria.is_empty() { "—".to_string() } else { m.criteria.clone() }}</dd>
                                <dt>{lang.t("有效期", "Validity")}</dt><dd>{validity}</dd>
                                <dt>{lang.t("可重复获得", "Repeatable")}</dt>
                                <dd>{if m.repeatable { lang.t("是", "Yes") } else { lang.t("否", "No") }}</dd>
                                <dt>{lang.t("已颁发", "Awarded")}</dt><dd>{m.award_count}</dd>
                                <dt>{lang.t("创建时间", "Created")}</dt><dd>{fmt_time(m.created_at)}</dd>
                                <dt>{lang.t("更新时间", "Updated")}</dt><dd>{fmt_time(m.updated_at)}</dd>
                                {m.archived_at.map(|t| view! { <dt>{lang.t("归档时间", "Archived")}</dt><dd>{fmt_time(t)}</dd> })}
                            </dl>
                        </section>
                        <crate::medals::honour_page::MedalHonourSection medal=m.id/>
                    }.into_any()
                }
            })}
        </Suspense>
    }
}
