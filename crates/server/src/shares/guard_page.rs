//! The over-sharing guard on pages: its settings (on the settings page; owners change them) and
//! a group's messages today against the cap (on the group's page).

use crate::error::AppError;
use crate::i18n::use_lang;
use crate::shares::share_guard;
use crate::shares::GuardView;
use crate::shares::SaveShareGuard;
use crate::ui::can;
use crate::ui::fmt_time;
use crate::ui::use_flash;
use crate::ui::Banner;
use crate::ui::FieldErrors;
use crate::ui::FormError;
use leptos::prelude::*;
use medal_core::{Lang, Role};

fn quiet_text(lang: Lang, g: &GuardView) -> String {
    match (g.quiet_start.is_empty(), lang) {
        (true, Lang::Zh) => "未设置".to_string(),
        (true, Lang::En) => "None".to_string(),
        (false, _) => format!("{}–{}", g.quiet_start, g.quiet_end),
    }
}

fn cap_text(lang: Lang, cap: u32) -> String {
    match (cap, lang) {
        (0, Lang::Zh) => "不限".to_string(),
        (0, Lang::En) => "No cap".to_string(),
        (n, Lang::Zh) => format!("{n} 条"),
        (n, Lang::En) => format!("{n} messages"),
    }
}

/// The sharing limits on the settings page: a form for owners, the values for everyone else.
#[component]
pub fn ShareGuardSettings() -> impl IntoView {
    let lang = use_lang();
    let guard = Resource::new(|| (), |_| share_guard(None));
    let owner = can(Role::Owner);
    view! {
        <Suspense fallback=|| ()>
            {move || guard.get().map(|r| match r {
                Ok(g) if owner.get() => view! { <GuardEditor g/> }.into_any(),
                Ok(g) => view! {
                    <section class="card settings-read" id="share-guard">
                        <h2>{lang.t("分享频率", "Sharing limits")}</h2>
                        <dl class="facts">
                            <dt>{lang.t("每群每日上限", "Daily cap per group")}</dt><dd>{cap_text(lang, g.daily_cap)}</dd>
                            <dt>{lang.t("免打扰时段", "Quiet hours")}</dt><dd>{quiet_text(lang, &g)}</dd>
                        </dl>
                    </section>
                }.into_any(),
                Err(e) => view! { <Banner kind="error" text=e.summary(lang)/> }.into_any(),
            })}
        </Suspense>
    }
}

#[component]
fn GuardEditor(g: GuardView) -> impl IntoView {
    let lang = use_lang();
    let flash = use_flash();
    let save = ServerAction::<SaveShareGuard>::new();
    let values = flash
        .for_form("share-guard")
        .map(|f| f.values)
        .unwrap_or_default();
    let error: Signal<Option<AppError>> = Signal::derive(move || match save.value().get() {
        Some(Err(e)) => Some(e),
        Some(Ok(_)) => None,
        None => flash.for_form("share-guard").and_then(|f| f.error),
    });
    let val = |k: &str, cur: String| values.get(k).cloned().unwrap_or(cur);
    let cap = val("daily_cap", g.daily_cap.to_string());
    let start = val("quiet_start", g.quiet_start.clone());
    let end = val("quiet_end", g.quiet_end.clone());
    view! {
        <ActionForm action=save attr:class="form card settings-form" attr:id="share-guard" attr:novalidate=true>
            <h2>{lang.t("分享频率", "Sharing limits")}</h2>
            <p class="hint">{lang.t(
                "钉钉建议不要过于频繁地分享，也不要分享到无关的群。同一枚勋章再次分享到同一个群时，分享页会先请你确认。",
                "DingTalk advises against sharing too often or into unrelated groups. Sharing an award again into a group that has it asks for confirmation first.")}</p>
            <FormError error=error/>
            <input type="hidden" name="form[quiet_set]" value="true"/>
            <div class="field">
                <label for="daily_cap">{lang.t("每群每日上限（条，0 表示不限）", "Daily cap per group (messages, 0: none)")}</label>
                <input id="daily_cap" name="form[daily_cap]" type="number" min="0" max="1000" inputmode="numeric" value=cap/>
                <FieldErrors field="daily_cap" error=error/>
            </div>
            <div class="field-row">
                <div class="field">
                    <label for="quiet_start">{lang.t("免打扰开始", "Quiet hours from")}</label>
                    <input id="quiet_start" name="form[quiet_start]" type="time" value=start/>
                </div>
                <div class="field">
                    <label for="quiet_end">{lang.t("免打扰结束", "Quiet hours until")}</label>
                    <input id="quiet_end" name="form[quiet_end]" type="time" value=end/>
                </div>
            </div>
            <p class="hint">{lang.t(
                "北京时间。免打扰时段内的分享会排队等待，时段结束后自动发出；两项都留空则不设免打扰。",
                "China time. Shares made during quiet hours wait and go out when they end; leave both empty for none.")}</p>
            <FieldErrors field="quiet" error=error/>
            <div class="form-actions">
                <button type="submit" class="btn btn-primary">{lang.t("保存分享频率", "Save sharing limits")}</button>
            </div>
        </ActionForm>
    }
}

/// A group's messages today against the daily cap, and the quiet hours if it is quiet now.
#[component]
pub fn GroupShareToday(group: i64) -> impl IntoView {
    let lang = use_lang();
    let guard = Resource::new(move || group, |g| share_guard(Some(g)));
    view! {
        <Suspense fallback=|| ()>
            {move || guard.get().and_then(|r| r.ok()).map(|g| {
                let today = g.today.unwrap_or(0);
                let full = g.daily_cap > 0 && today >= i64::from(g.daily_cap);
                view! {
                    <dl class="facts share-today" data-today=today data-cap=g.daily_cap>
                        <dt>{lang.t("今日分享", "Shared today")}</dt>
                        <dd>{match (lang, g.daily_cap) {
                            (Lang::Zh, 0) => format!("{today} 条（不限）"),
                            (Lang::En, 0) => format!("{today} messages (no cap)"),
                            (Lang::Zh, cap) => format!("{today} / {cap} 条"),
                            (Lang::En, cap) => format!("{today} of {cap} messages"),
                        }}
                        {full.then(|| view! { " "<span class="tag tag-danger">{lang.t("今日已达上限", "Cap reached today")}</span> })}</dd>
                        <dt>{lang.t("免打扰时段", "Quiet hours")}</dt>
                        <dd>{quiet_text(lang, &g)}{g.quiet_until.map(|t| match lang {
                            Lang::Zh => format!("（现在免打扰，分享将于 {} 发出）", fmt_time(t)),
                            Lang::En => format!(" (quiet now: shares go out at {})", fmt_time(t)),
                        })}</dd>
                    </dl>
                }
            })}
        </Suspense>
    }
}
