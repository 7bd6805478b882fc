//! The overview page: totals, awards per month (an SVG chart drawn on the server), top medals,
//! recent awards and recent medals.

use crate::awards::award_stats;
use crate::awards::list_page::status_tag;
use crate::awards::public_page::MonthChart;
use crate::dashboard::dashboard_stats;
use crate::i18n::use_lang;
use crate::medals::page::MedalGrid;
use crate::ui::fmt_time;
use crate::ui::loading;
use crate::ui::Banner;
use crate::ui::IfCan;
use crate::ui::TierBadge;
use leptos::prelude::*;
use leptos_meta::Title;
use medal_core::{Lang, Role};

#[component]
pub fn Dashboard() -> impl IntoView {
    let lang = use_lang();
    let stats = Resource::new(|| (), |_| dashboard_stats());
    let awards = Resource::new(|| (), |_| award_stats());
    view! {
        <Title text=lang.t("概览", "Overview")/>
        <div class="page-head">
            <h1>{lang.t("概览", "Overview")}</h1>
            <div class="actions">
                <IfCan role=Role::Awarder>
                    <a class="btn btn-primary" href="/awards/new">{lang.t("＋ 颁发勋章", "+ Award a medal")}</a>
                </IfCan>
                <IfCan role=Role::Admin>
                    <a class="btn" href="/medals/new">{lang.t("＋ 新建勋章", "+ New medal")}</a>
                </IfCan>
            </div>
        </div>
        <Suspense fallback=move || loading(lang)>
            {move || Some(match (stats.get()?, awards.get()?) {
                (Ok(s), Ok(a)) => view! {
                    <div class="stats">
                        <div class="stat"><span class="stat-value" data-stat="awards">{s.awards}</span><span class="stat-label">{lang.t("有效颁奖", "Awards in force")}</span></div>
                        <div class="stat"><span class="stat-value" data-stat="month">{a.awards_this_month}</span><span class="stat-label">{lang.t("本月颁发", "This month")}</span></div>
                        <div class="stat"><span class="stat-value">{a.people_awarded}</span><span class="stat-label">{lang.t("获奖人数", "People awarded")}</span></div>
                        <div class="stat"><span class="stat-value">{s.active_medals}</span><span class="stat-label">{lang.t("有效勋章", "Active medals")}</span></div>
                        <div class="stat"><span class="stat-value">{s.staff}</span><span class="stat-label">{lang.t("在职员工", "Active staff")}</span></div>
                    </div>
                    <div class="dash-grid">
                        <section class="card">
                            <div class="card-head"><h2>{lang.t("每月颁发数（近 12 个月）", "Awards per month (last 12)")}</h2></div>
                            <MonthChart months=a.per_month/>
                        </section>
                        <section class="card">
                            <div class="card-head">
                                <h2>{lang.t("最受欢迎的勋章", "Top medals")}</h2>
                                <a href="/leaderboard">{lang.t("排行榜 →", "Leaderboard →")}</a>
                            </div>
                            {if a.top_medals.is_empty() {
                                view! { <p class="empty">{lang.t("还没有颁发过勋章。", "No medals awarded yet.")}</p> }.into_any()
                            } else {
                                view! {
                                    <ol class="top-list">
                                        {a.top_medals.into_iter().map(|t| view! {
                                            <li>
                                                <img class=format!("medal-icon-sm ring-{}", t.medal.tier.as_str()) src=t.medal.icon_url.clone() alt="" width="28" height="28"/>
                                                <a href=format!("/medals/{}", t.medal.id)>{t.medal.name.clone()}</a>
                                                <TierBadge tier=t.medal.tier/>
                                                <span class="num">{match lang { Lang::Zh => format!("{} 次", t.awards), Lang::En => format!("× {}", t.awards) }}</span>
                                            </li>
                                        }).collect_view()}
                                    </ol>
                                }.into_any()
                            }}
                        </section>
                    </div>
                    <section class="card">
                        <div class="card-head">
                            <h2>{lang.t("最近颁奖", "Recent awards")}</h2>
                            <a href="/awards">{lang.t("全部颁奖记录 →", "All awards →")}</a>
                        </div>
                        {if a.recent.is_empty() {
                            view! { <p class="empty">{lang.t("还没有颁发过勋章。", "No medals awarded yet.")}</p> }.into_any()
                        } else {
                            view! {
                                <ul class="recent-list">
                                    {a.recent.into_iter().map(|r| view! {
                                        <li>
                                            <img class=format!("medal-icon-sm ring-{}", r.tier.as_str()) src=r.icon_url.clone() alt="" width="28" height="28"/>
                                            <a href=format!("/staff/{}", r.staff_id)>{r.staff_name.clone()}</a>
                                            <span>{lang.t(" 获得 ", " received ")}</span>
                                            <a href=format!("/awards/{}", r.id)>{r.medal_name.clone()}</a>
                                            {(r.status != medal_core::AwardStatus::Active).then(|| status_tag(lang, r.status))}
                                            <span class="muted">{fmt_time(r.awarded_at)}</span>
                                        </li>
                                    }).collect_view()}
                                </ul>
                            }.into_any()
                        }}
                    </section>
                    <section class="card">
                        <div class="card-head">
                            <h2>{lang.t("最近的勋章", "Recent medals")}</h2>
                            <a href="/medals">{lang.t("全部勋章 →", "All medals →")}</a>
                        </div>
                        <MedalGrid medals=s.recent_medals/>
                    </section>
                }.into_any(),
                (Err(e), _) | (_, Err(e)) => view! { <Banner kind="error" text=e.summary(lang)/> }.into_any(),
            })}
        </Suspense>
    }
}
