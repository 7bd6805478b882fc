//! The public award page, the leaderboard and the dashboard chart.

use crate::awards::leaderboard;
use crate::awards::list_page::status_tag;
use crate::awards::public_award;
use crate::awards::MonthCount;
use crate::error::AppError;
use crate::i18n::use_lang;
use crate::ui::fmt_date as date;
use crate::ui::loading;
use crate::ui::Banner;
use crate::ui::TierBadge;
use leptos::prelude::*;
use leptos_meta::{Meta, Title};
use leptos_router::hooks::use_query_map;
use medal_core::{AwardStatus, Lang, Period, Tier};

/// `/a/{token}`: the award as anyone with the link sees it — no login, nothing private.
#[component]
pub fn PublicAwardPage() -> impl IntoView {
    let lang = use_lang();
    let params = leptos_router::hooks::use_params_map();
    let token = move || params.read().get("token").unwrap_or_default();
    let award = Resource::new(token, public_award);
    view! {
        <div class="public-page">
            <Suspense fallback=move || loading(lang)>
                {move || award.get().map(|r| match r {
                    Err(AppError::NotFound) => view! { <crate::ui::NotFound/> }.into_any(),
                    Err(e) => view! { <Banner kind="error" text=e.summary(lang)/> }.into_any(),
                    Ok(a) => {
                        let revoked = a.status == AwardStatus::Revoked;
                        let title = match lang {
                            Lang::Zh => format!("{} 获得「{}」勋章", a.recipient, a.medal_name),
                            Lang::En => format!("{} received the “{}” medal", a.recipient, a.medal_name),
                        };
                        let desc = if revoked { lang.t("此勋章已撤销。", "This award was revoked.").to_string() } else { a.reason.clone() };
                        view! {
                            <Title text=title.clone()/>
                            <Meta name="description" content=desc.clone()/>
                            <Meta property="og:type" content="website"/>
                            <Meta property="og:title" content=title.clone()/>
                            <Meta property="og:description" content=desc/>
                            <Meta property="og:image" content=a.icon_url.clone()/>
                            <Meta property="og:url" content=a.url.clone()/>
                            <Meta property="og:site_name" content=a.organisation.clone()/>
                            <Meta name="robots" content="noindex"/>
                            <article class=if revoked { "public-card revoked" } else { "public-card" }>
                                <p class="org">{a.organisation.clone()}</p>
                                {revoked.then(|| view! {
                                    <div class="banner banner-error" role="alert">
                                        {lang.t("这枚勋章已被撤销。", "This award has been revoked.")}
                                        {a.revoked_at.map(|t| format!(" ({})", date(t)))}
                                    </div>
                                })}
                                <img class=format!("medal-icon-lg ring-{}", a.tier.as_str()) src=a.icon_url.clone() alt=a.medal_name.clone() width="160" height="160"/>
                                <h1>{a.medal_name.clone()}</h1>
                                {(a.tier != Tier::None).then(|| view! { <p><TierBadge tier=a.tier/></p> })}
                                <p class="recipient">
                                    {lang.t("授予", "Awarded to")}" "<strong>{a.recipient.clone()}</strong>
                                    {(!a.department.is_empty()).then(|| format!(" · {}", a.department))}
                                </p>
                                <blockquote class="reason">{a.reason.clone()}</blockquote>
                                <p class="muted">
                                    {date(a.awarded_at)}
                                    {a.expires_at.map(|e| match lang { Lang::Zh => format!(" · 有效期至 {}", date(e)), Lang::En => format!(" · valid until {}", date(e)) })}
                                    {(a.status == AwardStatus::Expired).then(|| view! { " " {status_tag(lang, a.status)} })}
                                </p>
                                {(!a.medal_description.is_empty()).then(|| view! { <p class="medal-desc">{a.medal_description.clone()}</p> })}
                            </article>
                        }.into_any()
                    }
                })}
            </Suspense>
        </div>
    }
}

#[component]
pub fn Leaderboard() -> impl IntoView {
    let lang = use_lang();
    let query = use_query_map();
    let period = move || Period::parse(&query.read().get("period").unwrap_or_default());
    let rows = Resource::new(move || period().as_str().to_string(), leaderboard);
    view! {
        <Title text=lang.t("排行榜", "Leaderboard")/>
        <div class="page-head"><h1>{lang.t("排行榜", "Leaderboard")}</h1></div>
        <nav class="tabs" aria-label=lang.t("时间范围", "Period")>
            {Period::ALL.into_iter().map(|p| view! {
                <a href=format!("/leaderboard?period={}", p.as_str())
                    class=move || if period() == p { "tab active" } else { "tab" }
                    aria-current=move || (period() == p).then_some("page")>{p.label(lang)}</a>
            }).collect_view()}
        </nav>
        <Suspense fallback=move || loading(lang)>
            {move || rows.get().map(|r| match r {
                Err(e) => view! { <Banner kind="error" text=e.summary(lang)/> }.into_any(),
                Ok(rows) if rows.is_empty() => view! { <p class="empty">{lang.t("这段时间还没有人获得勋章。", "Nobody has received a medal in this period yet.")}</p> }.into_any(),
                Ok(rows) => view! {
                    <table class="table leaderboard">
                        <thead><tr>
                            <th scope="col">{lang.t("名次", "Rank")}</th>
                            <th scope="col">{lang.t("姓名", "Name")}</th>
                            <th scope="col">{lang.t("部门", "Department")}</th>
                            <th scope="col">{lang.t("勋章数", "Medals")}</th>
                            <th scope="col">{Tier::Gold.label(lang)}</th>
                            <th scope="col">{Tier::Silver.label(lang)}</th>
                            <th scope="col">{Tier::Bronze.label(lang)}</th>
                        </tr></thead>
                        <tbody>
                            {rows.into_iter().map(|r| view! {
                                <tr class=if r.rank <= 3 { format!("top top-{}", r.rank) } else { String::new() }>
                                    <td class="rank">{r.rank}</td>
                                    <td><a href=format!("/staff/{}", r.staff_id)>{r.name.clone()}</a></td>
                                    <td>{r.department.clone()}</td>
                                    <td class="num">{r.awards}</td>
                                    <td class="num">{r.gold}</td>
                                    <td class="num">{r.silver}</td>
                                    <td class="num">{r.bronze}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any(),
            })}
        </Suspense>
    }
}

/// Awards per month as an SVG bar chart, drawn on the server so it reads without JavaScript.
#[component]
pub fn MonthChart(months: Vec<MonthCount>) -> impl IntoView {
    let lang = use_lang();
    let (w, h, pad_l, pad_b, pad_t) = (640.0_f64, 220.0_f64, 36.0_f64, 28.0_f64, 16.0_f64);
    let max = months.iter().map(|m| m.awards).max().unwrap_or(0).max(1);
    // A round top for the scale: 1, 2, 5 × 10^k.
    let top = {
        let mut t = 1i64;
        loop {
            if let Some(s) = [1, 2, 5].iter().map(|k| k * t).find(|v| *v >= max) {
                break s;
            }
            t *= 10;
        }
    };
    let n = months.len().max(1) as f64;
    let slot = (w - pad_l) / n;
    let bar = slot * 0.6;
    let plot_h = h - pad_b - pad_t;
    let summary = months
        .iter()
        .map(|m| format!("{} {}", m.month, m.awards))
        .collect::<Vec<_>>()
        .join(", ");
    let label = format!("{}: {summary}", lang.t("每月颁发数", "Awards per month"));
    view! {
        <svg class="chart" viewBox=format!("0 0 {w} {h}") role="img" aria-label=label preserveAspectRatio="xMidYMid meet">
            <title>{lang.t("每月颁发数", "Awards per month")}</title>
            {[0.0, 0.5, 1.0].into_iter().map(|f| {
                let y = pad_t + plot_h * (1.0 - f);
                let v = (top as f64 * f).round() as i64;
                view! {
                    <line x1=pad_l x2=w y1=y y2=y class="grid"/>
                    <text x=pad_l - 6.0 y=y + 4.0 text-anchor="end" class="axis">{v}</text>
                }
            }).collect_view()}
            {months.iter().enumerate().map(|(i, m)| {
                let bh = plot_h * m.awards as f64 / top as f64;
                let x = pad_l + slot * i as f64 + (slot - bar) / 2.0;
                let y = pad_t + plot_h - bh;
                view! {
                    <g class="bar" data-month=m.month.clone() data-awards=m.awards>
                        <rect x=x y=y width=bar height=bh rx="3"><title>{format!("{}: {}", m.month, m.awards)}</title></rect>
                        {(m.awards > 0).then(|| view! { <text x=x + bar / 2.0 y=y - 4.0 text-anchor="middle" class="value">{m.awards}</text> })}
                        <text x=x + bar / 2.0 y=h - 8.0 text-anchor="middle" class="axis">{m.month[5..].to_string()}</text>
                    </g>
                }
            }).collect_view()}
        </svg>
    }
}
