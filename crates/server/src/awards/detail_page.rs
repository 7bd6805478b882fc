//! One award (revoke, share, public link) and a person's medal wall.

use crate::awards::get_award;
use crate::awards::list_page::status_tag;
use crate::awards::medal_wall;
use crate::awards::AwardItem;
use crate::awards::RevokeAward;
use crate::error::AppError;
use crate::i18n::use_lang;
use crate::ui::fmt_date as date;
use crate::ui::fmt_time;
use crate::ui::id_param;
use crate::ui::loading;
use crate::ui::use_flash;
use crate::ui::Banner;
use crate::ui::FieldErrors;
use crate::ui::FormError;
use crate::ui::IfCan;
use crate::ui::TierBadge;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use medal_core::{AwardStatus, Role};

#[component]
pub fn AwardDetailPage() -> impl IntoView {
    let lang = use_lang();
    let id = id_param();
    let query = use_query_map();
    let flash = use_flash();
    let revoke = ServerAction::<RevokeAward>::new();
    let award = Resource::new(
        move || (id.get(), revoke.version().get()),
        |(id, _)| get_award(id),
    );
    let error: Signal<Option<AppError>> = Signal::derive(move || match revoke.value().get() {
        Some(Err(e)) => Some(e),
        Some(Ok(_)) => None,
        None => flash.for_form("revoke").and_then(|f| f.error),
    });
    let banner: Signal<Option<AppError>> =
        Signal::derive(move || revoke.value().get().and_then(|r| r.err()));
    let given = move || query.read().get("given").is_some();
    view! {
        <Suspense fallback=move || loading(lang)>
            {move || award.get().map(|r| match r {
                Err(AppError::NotFound) => view! { <crate::ui::NotFound/> }.into_any(),
                Err(e) => view! { <Banner kind="error" text=e.summary(lang)/> }.into_any(),
                Ok(a) => {
                    let public = format!("/a/{}", a.public_token);
                    let title = format!("{} · {}", a.medal_name, a.staff_name);
                    view! {
                        <Title text=title/>
                        <nav class="crumbs"><a href="/awards">{lang.t("颁奖记录", "Awards")}</a>" / "<span>{a.medal_name.clone()}</span></nav>
                        {given().then(|| view! { <div class="banner banner-success" role="status">{lang.t("勋章已颁发。", "The medal was awarded.")}</div> })}
                        <crate::shares::told_page::ToldBanner/>
                        <FormError error=banner/>
                        <section class="card award-card">
                            <div class="award-head">
                                <img class=format!("medal-icon ring-{}", a.tier.as_str()) src=a.icon_url.clone() alt="" width="96" height="96"/>
                                <div>
                                    <h1>{a.medal_name.clone()}" "<TierBadge tier=a.tier/>" "{status_tag(lang, a.status)}</h1>
                                    <p class="lead"><a href=format!("/staff/{}", a.staff_id)>{a.staff_name.clone()}</a>" · "{a.department.clone()}</p>
                                </div>
                            </div>
                            <dl class="facts">
                                <dt>{lang.t("理由", "Reason")}</dt><dd class="reason">{a.reason.clone()}</dd>
                                <dt>{lang.t("颁发时间", "Awarded")}</dt><dd>{fmt_time(a.awarded_at)}</dd>
                                <dt>{lang.t("有效期至", "Valid until")}</dt><dd>{a.expires_at.map(fmt_time).unwrap_or_else(|| lang.t("长期有效", "No expiry").to_string())}</dd>
                                <dt>{lang.t("颁发人", "Awarded by")}</dt><dd>{match a.rule_id {
                                    Some(r) => view! { <span><a href=format!("/rules/{r}")>{a.awarded_by.clone()}</a>" · "{lang.t("自动颁发", "given automatically")}</span> }.into_any(),
                                    None => a.awarded_by.clone().into_any(),
                                }}</dd>
                                {a.revoked_at.map(|t| view! {
                                    <dt>{lang.t("撤销时间", "Revoked")}</dt><dd>{fmt_time(t)}" · "{a.revoked_by.clone().unwrap_or_default()}</dd>
                                    <dt>{lang.t("撤销理由", "Revoke reason")}</dt><dd class="reason">{a.revoke_reason.clone().unwrap_or_default()}</dd>
                                })}
                                <dt>{lang.t("公开页面", "Public page")}</dt><dd><a href=public.clone() rel="external" target="_blank">{public.clone()}</a></dd>
                            </dl>
                            <crate::medals::honour_page::AwardHonourSync award=a.id/>
                            <IfCan role=Role::Awarder>
                                <div class="actions">
                                    <a class="btn" href=format!("/shares/new?awards={}", a.id)>{lang.t("分享到钉钉群", "Share to DingTalk groups")}</a>
                                </div>
                            </IfCan>
                        </section>
                        {(a.revoked_at.is_none()).then(|| view! {
                            <IfCan role=Role::Awarder>
                                <ActionForm action=revoke attr:class="form card revoke-form" attr:novalidate=true>
                                    <h2>{lang.t("撤销这枚勋章", "Revoke this award")}</h2>
                                    <input type="hidden" name="id" value=a.id/>
                                    <div class="field">
                                        <label for="revoke-reason">{lang.t("撤销理由", "Reason for revoking")}</label>
                                        <textarea id="revoke-reason" name="reason" rows="2" maxlength="500"></textarea>
                                        <p class="hint">{lang.t("撤销后记录保留，各处都显示为“已撤销”。", "The record is kept and shows as revoked everywhere.")}</p>
                                        <FieldErrors field="reason" error=error/>
                                    </div>
                                    <div class="form-actions">
                                        <crate::ui::ConfirmSubmit class="btn btn-danger".to_string() label=lang.t("撤销", "Revoke").to_string()
                                            question=lang.t("撤销这枚勋章？记录会保留，并在各处显示为“已撤销”。", "Revoke this award? The record is kept and shows as revoked everywhere.").to_string()/>
                                    </div>
                                </ActionForm>
                            </IfCan>
                        })}
                    }.into_any()
                }
            })}
        </Suspense>
    }
}

/// The person's medal wall, for [`MedalWallSection`]. Made by the page itself, outside the
/// reactive closure the section is drawn in: a resource made inside it is made again (and its
/// query run again) each time that closure re-runs, e.g. when the signed-in admin's role arrives.
pub fn wall_resource(staff_id: impl Fn() -> i64 + Send + Sync + 'static) -> WallResource {
    Resource::new(staff_id, medal_wall)
}

pub type WallResource = Resource<Result<crate::awards::WallData, AppError>>;

/// The medal wall on a person's page.
#[component]
pub fn MedalWallSection(staff_id: i64, wall: WallResource) -> impl IntoView {
    let lang = use_lang();
    view! {
        <section class="card medal-wall" aria-labelledby="wall-h">
            <div class="card-head">
                <h2 id="wall-h">{lang.t("勋章墙", "Medal wall")}</h2>
                <IfCan role=Role::Awarder>
                    <a class="btn" href=format!("/awards/new?staff={staff_id}")>{lang.t("＋ 颁发勋章", "+ Award a medal")}</a>
                </IfCan>
            </div>
            <Suspense fallback=move || loading(lang)>
                {move || wall.get().map(|r| match r {
                    Err(e) => view! { <Banner kind="error" text=e.summary(lang)/> }.into_any(),
                    Ok(w) => view! {
                        <ul class="tier-counts">
                            {w.tiers.iter().map(|(t, n)| view! {
                                <li class=format!("tier-count tier-{}", t.as_str()) data-tier=t.as_str()>
                                    <span class="n">{*n}</span><span>{t.label(lang)}</span>
                                </li>
                            }).collect_view()}
                        </ul>
                        {if w.current.is_empty() {
                            view! { <p class="empty">{lang.t("还没有有效的勋章。", "No current medals yet.")}</p> }.into_any()
                        } else {
                            view! { <WallGrid items=w.current/> }.into_any()
                        }}
                        {(!w.past.is_empty()).then(|| view! {
                            <h3>{lang.t("已撤销或已过期", "Revoked or expired")}</h3>
                            <WallGrid items=w.past/>
                        })}
                    }.into_any(),
                })}
            </Suspense>
        </section>
    }
}

#[component]
fn WallGrid(items: Vec<AwardItem>) -> impl IntoView {
    let lang = use_lang();
    view! {
        <ul class="medal-grid wall-grid">
            {items.into_iter().map(|a| view! {
                <li class=if a.status == AwardStatus::Active { "medal-tile" } else { "medal-tile archived" } data-award=a.id>
                    <a href=format!("/awards/{}", a.id)>
                        <img class=format!("medal-icon ring-{}", a.tier.as_str()) src=a.icon_url.clone() alt="" width="72" height="72" loading="lazy"/>
                        <span class="medal-name">{a.medal_name.clone()}</span>
                        <span class="medal-meta"><TierBadge tier=a.tier/>{(a.status != AwardStatus::Active).then(|| status_tag(lang, a.status))}</span>
                        <span class="medal-count">{date(a.awarded_at)}</span>
                    </a>
                </li>
            }).collect_view()}
        </ul>
    }
}
