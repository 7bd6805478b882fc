//! Settings: the organisation's name, the public base URL for card links, and the internal app's
//! DingTalk credentials. Owners change them; admins see them read-only. The AppSecret is shown
//! masked; an empty field keeps it.

use crate::error::AppError;
use crate::i18n::use_lang;
use crate::settings::get_settings;
use crate::settings::SaveSettings;
use crate::settings::SettingsView;
use crate::ui::can;
use crate::ui::loading;
use crate::ui::use_flash;
use crate::ui::Banner;
use crate::ui::FieldErrors;
use crate::ui::FormError;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use medal_core::Role;

#[component]
pub fn SettingsPage() -> impl IntoView {
    let lang = use_lang();
    let settings = Resource::new(|| (), |_| get_settings());
    let query = use_query_map();
    let owner = can(Role::Owner);
    view! {
        <Title text=lang.t("设置", "Settings")/>
        <div class="page-head">
            <h1>{lang.t("设置", "Settings")}</h1>
            <a class="btn btn-ghost" href="/tokens">{lang.t("API 令牌", "API tokens")}</a>
        </div>
        {move || (query.read().get("saved").as_deref() == Some("1")).then(|| view! {
            <Banner kind="ok" text=lang.t("设置已保存。", "Settings saved.")/>
        })}
        <Suspense fallback=move || loading(lang)>
            {move || settings.get().map(|r| match r {
                Ok(s) if owner.get() => view! { <SettingsEditor s/> }.into_any(),
                Ok(s) => view! { <SettingsReadOnly s/> }.into_any(),
                Err(e) => view! { <Banner kind="error" text=e.summary(lang)/> }.into_any(),
            })}
        </Suspense>
        <crate::shares::guard_page::ShareGuardSettings/>
        <crate::cards::page::CardTemplatesSection/>
    }
}

/// The settings as an admin sees them: to read (owners change them).
#[component]
fn SettingsReadOnly(s: SettingsView) -> impl IntoView {
    let lang = use_lang();
    let or_dash = |v: &str| {
        if v.is_empty() {
            "—".to_string()
        } else {
            v.to_string()
        }
    };
    view! {
        <section class="card settings-read">
            <p class="hint">{lang.t("只有所有者可以修改设置。", "Only owners can change the settings.")}</p>
            <dl class="facts">
                <dt>{lang.t("组织名称", "Organisation name")}</dt><dd>{or_dash(&s.org_name)}</dd>
                <dt>{lang.t("公开访问地址", "Public base URL")}</dt>
                <dd>{if s.public_base_url.is_empty() { s.default_public_url.clone() } else { s.public_base_url.clone() }}</dd>
                <dt>"AppKey"</dt><dd><code>{or_dash(&s.app_key)}</code></dd>
                <dt>"AppSecret"</dt><dd><code>{s.app_secret_masked.clone().unwrap_or_else(|| lang.t("未设置", "Not set").into())}</code></dd>
                <dt>"RobotCode"</dt><dd><code>{or_dash(&s.robot_code)}</code></dd>
                <dt>{lang.t("群模板 ID", "Scene-group template")}</dt><dd><code>{or_dash(&s.scene_group_template)}</code></dd>
                <dt>"AgentId"</dt><dd><code>{or_dash(&s.agent_id)}</code></dd>
            </dl>
        </section>
    }
}

#[component]
fn SettingsEditor(s: SettingsView) -> impl IntoView {
    let lang = use_lang();
    let flash = use_flash();
    let save = ServerAction::<SaveSettings>::new();
    let values = flash
        .for_form("settings")
        .map(|f| f.values)
        .unwrap_or_default();
    let error: Signal<Option<AppError>> = Signal::derive(move || match save.value().get() {
        Some(Err(e)) => Some(e),
        Some(Ok(_)) => None,
        None => flash.for_form("settings").and_then(|f| f.error),
    });
    let banner: Signal<Option<AppError>> =
        Signal::derive(move || save.value().get().and_then(|r| r.err()));
    let val = |k: &str, cur: &str| values.get(k).cloned().unwrap_or_else(|| cur.to_string());
    let org = val("org_name", &s.org_name);
    let base = val("public_base_url", &s.public_base_url);
    let key = val("app_key", &s.app_key);
    let code = val("robot_code", &s.robot_code);
    let template = val("scene_group_template", &s.scene_group_template);
    let agent = val("agent_id", &s.agent_id);
    let card_api = val("card_api", &s.card_api);
    let masked = s.app_secret_masked.clone();
    view! {
        <ActionForm action=save attr:class="form card settings-form" attr:novalidate=true>
            <FormError error=banner/>
            <input type="hidden" name="form[fields_set]" value="true"/>
            <h2>{lang.t("组织", "Organisation")}</h2>
            <div class="field">
                <label for="org_name">{lang.t("组织名称", "Organisation name")}</label>
                <input id="org_name" name="form[org_name]" type="text" maxlength="50" value=org/>
                <p class="hint">{lang.t("显示在分享卡片的末尾。", "Shown at the end of shared cards.")}</p>
                <FieldErrors field="org_name" error=error/>
            </div>
            <div class="field">
                <label for="public_base_url">{lang.t("公开访问地址", "Public base URL")}</label>
                <input id="public_base_url" name="form[public_base_url]" type="url" value=base placeholder=s.default_public_url.clone()/>
                <p class="hint">{lang.t("卡片中“查看详情”按钮与勋章图标使用此地址；留空则使用启动配置中的地址：", "The card's “查看详情” button and medal icons use this address; empty uses the configured one: ")}{s.default_public_url.clone()}</p>
                <FieldErrors field="public_base_url" error=error/>
            </div>
            <h2>{lang.t("钉钉企业内部应用", "DingTalk internal app")}</h2>
            <p class="hint">{lang.t("应用机器人群（按 openConversationId 发送）需要这些凭据；自定义机器人（Webhook）不需要。", "App-robot groups (sent by openConversationId) need these credentials; custom (webhook) robots do not.")}</p>
            <div class="field-row">
                <div class="field">
                    <label for="app_key">"AppKey"</label>
                    <input id="app_key" name="form[app_key]" type="text" autocomplete="off" value=key/>
                    <FieldErrors field="app_key" error=error/>
                </div>
                <div class="field">
                    <label for="robot_code">"RobotCode"</label>
                    <input id="robot_code" name="form[robot_code]" type="text" autocomplete="off" value=code/>
                    <FieldErrors field="robot_code" error=error/>
                </div>
            </div>
            <div class="field">
                <label for="app_secret">"AppSecret"</label>
                <input id="app_secret" name="form[app_secret]" type="password" autocomplete="new-password"
                    placeholder=masked.clone().unwrap_or_default()/>
                <p class="hint">{match &masked {
                    Some(m) => format!("{}{m}{}", lang.t("已保存：", "Saved: "), lang.t("。留空则保留原值。", ". Leave empty to keep it.")),
                    None => lang.t("尚未保存。", "Not saved yet.").to_string(),
                }}</p>
                {masked.is_some().then(|| view! {
                    <label class="check"><input type="checkbox" name="form[clear_app_secret]" value="true"/>" "{lang.t("删除已保存的 AppSecret", "Remove the saved AppSecret")}</label>
                })}
                <FieldErrors field="app_secret" error=error/>
            </div>
            <div class="field">
                <label for="scene_group_template">{lang.t("场景群模板 ID（群模板）", "Scene-group template id")}</label>
                <input id="scene_group_template" name="form[scene_group_template]" type="text" autocomplete="off" value=template/>
                <p class="hint">{lang.t("在钉钉开发者后台创建群模板并添加本应用的机器人。填写后，“在钉钉建群”使用场景群接口，机器人自动入群；留空则使用旧版 chat/create（仅 2022 年前接入的应用可用）。", "Create a group template in DingTalk's developer console with this app's robot. With it, “Create a DingTalk group” uses the scene-group API and the robot joins; empty uses the older chat/create (only for apps onboarded before 2022).")}</p>
                <FieldErrors field="scene_group_template" error=error/>
            </div>
            <div class="field">
                <label for="agent_id">{lang.t("AgentId（工作通知）", "AgentId (work notices)")}</label>
                <input id="agent_id" name="form[agent_id]" type="text" inputmode="numeric" autocomplete="off" value=agent/>
                <p class="hint">{lang.t("以工作通知告诉获奖者时需要；在钉钉开发者后台的应用详情中查看。", "Needed to tell winners by work notice; shown on the app's page in DingTalk's developer console.")}</p>
                <FieldErrors field="agent_id" error=error/>
            </div>
            <div class="field">
                <label for="card_api">{lang.t("互动卡片接口", "Card API")}</label>
                <select id="card_api" name="form[card_api]">
                    <option value="deliver" selected=card_api != "interactive">{lang.t("createAndDeliver（当前接口）", "createAndDeliver (current)")}</option>
                    <option value="interactive" selected=card_api == "interactive">{lang.t("interactiveCards/send（旧接口，仅早期接入的应用）", "interactiveCards/send (older, apps onboarded early only)")}</option>
                </select>
                <FieldErrors field="card_api" error=error/>
            </div>
            <div class="form-actions">
                <button type="submit" class="btn btn-primary">{lang.t("保存", "Save")}</button>
            </div>
        </ActionForm>
    }
}
