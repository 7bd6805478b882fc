//! DingTalk's organisation honours on the medal page (published, or the form to publish: name,
//! description, colour, who sends the grants) and an award's sync state on the award page.
//! Plain forms: they work without JavaScript.

use crate::error::AppError;
use crate::i18n::use_lang;
use crate::medals::{award_honour, medal_honour, PublishHonour};
use crate::ui::{can, fmt_time, use_flash, Banner, FieldErrors, FormError};
use leptos::prelude::*;
use medal_core::Role;

#[component]
pub fn MedalHonourSection(medal: i64) -> impl IntoView {
    let lang = use_lang();
    let flash = use_flash();
    let publish = ServerAction::<PublishHonour>::new();
    let view_r = Resource::new(
        move || publish.version().get(),
        move |_| medal_honour(medal),
    );
    let values = flash
        .for_form("honour")
        .map(|f| f.values)
        .unwrap_or_default();
    let error: Signal<Option<AppError>> = Signal::derive(move || match publish.value().get() {
        Some(Err(e)) => Some(e),
        Some(Ok(_)) => None,
        None => flash.for_form("honour").and_then(|f| f.error),
    });
    let banner: Signal<Option<AppError>> =
        Signal::derive(move || publish.value().get().and_then(|r| r.err()));
    let admin = can(Role::Admin);
    let chosen_notify: Vec<String> = values
        .get("notify")
        .map(|v| v.lines().map(str::to_string).collect())
        .unwrap_or_default();
    view! {
        <section class="card honour-section">
            <h2>{lang.t("钉钉组织荣誉", "DingTalk organisation honours")}</h2>
            <Suspense fallback=|| ()>
                {move || view_r.get().map(|r| match r {
                    Err(e) => view! { <Banner kind="error" text=e.summary(lang)/> }.into_any(),
                    Ok(h) => match h.honor_id.clone() {
                        Some(id) => view! {
                            <p class="honour-published">{lang.t("已发布到钉钉组织荣誉", "Published to DingTalk's honours")}
                                " · " <code>{id}</code>
                                {h.published_at.map(|t| format!(" · {}", fmt_time(t)))}</p>
                            <p class="hint">{lang.t("此后颁发的这枚勋章会同步授予钉钉荣誉（每次最多 10 人），撤销时收回；同步情况见各颁奖记录。钉钉会审核新荣誉（约 5 个工作日）。",
                                "Awards of this medal from now on are granted in DingTalk too (10 people a call) and recalled when revoked; each award shows how it stands. DingTalk reviews new honours (about 5 working days).")}</p>
                        }.into_any(),
                        None if !admin.get() => view! { <p class="muted">{lang.t("尚未发布。", "Not published.")}</p> }.into_any(),
                        None => {
                            let val = |k: &str, d: &str| values.get(k).cloned().unwrap_or_else(|| d.to_string());
                            let (name, desc, colour, sender) = (val("name", &h.name), val("description", &h.description), val("bg_color", ""), val("sender", ""));
                            let chosen = chosen_notify.clone();
                            let groups = h.groups.clone();
                            view! {
                                <ActionForm action=publish attr:class="form honour-form" attr:novalidate=true>
                                    <FormError error=banner/>
                                    <input type="hidden" name="id" value=medal/>
                                    <p class="hint">{lang.t("发布时按勋章图标生成 900×900 的荣誉图片和 240×240 的头像挂件，上传后在钉钉创建荣誉。",
                                        "Publishing makes a 900×900 honour image and a 240×240 avatar pendant from the medal's icon, uploads them and creates the honour in DingTalk.")}</p>
                                    <div class="field-row">
                                        <div class="field">
                                            <label for="honour-name">{lang.t("荣誉名称（最多 10 字）", "Honour name (10 characters at most)")}</label>
                                            <input id="honour-name" name="form[name]" type="text" value=name/>
                                            <FieldErrors field="name" error=error/>
                                        </div>
                                        <div class="field">
                                            <label for="honour-desc">{lang.t("荣誉描述（最多 30 字）", "Description (30 characters at most)")}</label>
                                            <input id="honour-desc" name="form[description]" type="text" value=desc/>
                                            <FieldErrors field="description" error=error/>
                                        </div>
                                    </div>
                                    <div class="field-row">
                                        <div class="field">
                                            <label for="honour-colour">{lang.t("背景色", "Background colour")}</label>
                                            <select id="honour-colour" name="form[bg_color]">
                                                {h.colours.iter().map(|c| {
                                                    let sel = *c == colour;
                                                    view! { <option value=c.clone() selected=sel>{c.clone()}</option> }
                                                }).collect_view()}
                                            </select>
                                            <FieldErrors field="bg_color" error=error/>
                                        </div>
                                        <div class="field">
                                            <label for="honour-sender">{lang.t("颁发人（管理员的手机号、userId 或工号）", "Granted by (an admin's mobile, userId or external id)")}</label>
                                            <input id="honour-sender" name="form[sender]" type="text" autocomplete="off" value=sender/>
                                            <FieldErrors field="sender" error=error/>
                                        </div>
                                    </div>
                                    {(!h.groups.is_empty()).then(move || {
                                        view! {
                                            <fieldset class="field">
                                                <legend>{lang.t("授予时通知这些群（可选，最多 5 个；颁发人须在群中）", "Notify these groups on each grant (optional, at most 5; the sender must be in them)")}</legend>
                                                {groups.iter().map(|(cid, n)| {
                                                    let on = chosen.contains(cid);
                                                    view! { <label class="check"><input type="checkbox" name="form[notify][]" value=cid.clone() checked=on/>" "{n.clone()}</label> }
                                                }).collect_view()}
                                                <FieldErrors field="notify" error=error/>
                                            </fieldset>
                                        }
                                    })}
                                    <div class="form-actions">
                                        <button type="submit" class="btn btn-primary">{lang.t("发布到钉钉组织荣誉", "Publish to DingTalk's honours")}</button>
                                    </div>
                                </ActionForm>
                            }.into_any()
                        }
                    },
                })}
            </Suspense>
        </section>
    }
}

/// An award in DingTalk's honours: granted, waiting, recalled, or why not.
#[component]
pub fn AwardHonourSync(award: i64) -> impl IntoView {
    let lang = use_lang();
    let sync = Resource::new(|| (), move |_| award_honour(award));
    view! {
        <Suspense fallback=|| ()>
            {move || sync.get().and_then(|r| r.ok()).flatten().map(|s| {
                let what = match (s.recall, s.status.as_str()) {
                    (false, "sent") => lang.t("已在钉钉组织荣誉中授予", "Granted in DingTalk's honours"),
                    (true, "sent") => lang.t("已在钉钉组织荣誉中收回", "Recalled in DingTalk's honours"),
                    (false, "failed" | "gave_up") => lang.t("授予钉钉组织荣誉失败", "Granting in DingTalk's honours failed"),
                    (true, "failed" | "gave_up") => lang.t("收回钉钉组织荣誉失败", "Recalling in DingTalk's honours failed"),
                    (false, _) => lang.t("正在授予钉钉组织荣誉", "Being granted in DingTalk's honours"),
                    (true, _) => lang.t("正在收回钉钉组织荣誉", "Being recalled in DingTalk's honours"),
                };
                view! {
                    <p class=format!("honour-sync honour-{}", s.status)>{what}
                        {s.error.map(|e| format!("：{}", e.get(lang)))}
                        " " <a href=format!("/shares/{}", s.share)>{lang.t("查看", "Details")}</a></p>
                }
            })}
        </Suspense>
    }
}
