//! Sign-in and first-start setup.

use crate::error::AppError;
use crate::i18n::use_lang;
use crate::session::CompleteSetup;
use crate::session::Login;
use crate::ui::use_flash;
use crate::ui::FieldErrors;
use crate::ui::FormError;
use crate::ui::LangSwitch;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

#[component]
pub fn LoginPage() -> impl IntoView {
    let lang = use_lang();
    let login = ServerAction::<Login>::new();
    let flash = use_flash();
    let query = use_query_map();
    let next = move || query.read().get("next").unwrap_or_else(|| "/".into());
    let error = Signal::derive(move || match login.value().get() {
        Some(Err(e)) => Some(e),
        Some(Ok(())) => None,
        None => flash.for_form("login").and_then(|f| f.error),
    });
    let typed = move || {
        flash
            .for_form("login")
            .and_then(|f| f.values.get("username").cloned())
            .unwrap_or_default()
    };
    view! {
        <Title text=lang.t("登录", "Sign in")/>
        <div class="auth-page">
            <div class="auth-card">
                <div class="auth-head">
                    <img src="/favicon.svg" alt="" width="48" height="48"/>
                    <h1>{lang.t("勋章馆", "Medal Hall")}</h1>
                    <p class="muted">{lang.t("登录以管理勋章与颁奖", "Sign in to manage medals and awards")}</p>
                </div>
                <Suspense fallback=|| ()>
                    <FormError error=error/>
                    <ActionForm action=login attr:class="form" attr:novalidate=true>
                        <input type="hidden" name="next" value=next/>
                        <div class="field">
                            <label for="username">{lang.t("用户名", "Username")}</label>
                            <input id="username" name="username" type="text" autocomplete="username" required
                                autofocus value=typed/>
                            <FieldErrors field="username" error=error/>
                        </div>
                        <div class="field">
                            <label for="password">{lang.t("密码", "Password")}</label>
                            <input id="password" name="password" type="password" autocomplete="current-password" required/>
                            <FieldErrors field="password" error=error/>
                        </div>
                        <button type="submit" class="btn btn-primary btn-block" disabled=move || login.pending().get()>
                            {move || if login.pending().get() { lang.t("正在登录…", "Signing in…") } else { lang.t("登录", "Sign in") }}
                        </button>
                    </ActionForm>
                </Suspense>
                <div class="auth-foot"><LangSwitch/></div>
            </div>
        </div>
    }
}

#[component]
pub fn SetupPage() -> impl IntoView {
    let lang = use_lang();
    let setup = ServerAction::<CompleteSetup>::new();
    let flash = use_flash();
    let query = use_query_map();
    let token = move || query.read().get("token").unwrap_or_default();
    let error: Signal<Option<AppError>> = Signal::derive(move || match setup.value().get() {
        Some(Err(e)) => Some(e),
        Some(Ok(())) => None,
        None => flash.for_form("setup").and_then(|f| f.error),
    });
    let typed = move || {
        flash
            .for_form("setup")
            .and_then(|f| f.values.get("username").cloned())
            .unwrap_or_default()
    };
    view! {
        <Title text=lang.t("初始设置", "First-time setup")/>
        <div class="auth-page">
            <div class="auth-card">
                <div class="auth-head">
                    <img src="/favicon.svg" alt="" width="48" height="48"/>
                    <h1>{lang.t("创建所有者账号", "Create the owner account")}</h1>
                    <p class="muted">{lang.t("这个一次性链接只能使用一次。", "This one-time link works once.")}</p>
                </div>
                <Suspense fallback=|| ()>
                    <FormError error=error/>
                    <ActionForm action=setup attr:class="form">
                        <input type="hidden" name="token" value=token/>
                        <div class="field">
                            <label for="username">{lang.t("用户名", "Username")}</label>
                            <input id="username" name="username" type="text" autocomplete="username" required value=typed/>
                            <FieldErrors field="username" error=error/>
                        </div>
                        <div class="field">
                            <label for="password">{lang.t("密码", "Password")}</label>
                            <input id="password" name="password" type="password" autocomplete="new-password" required minlength="10"/>
                            <p class="hint">{lang.t("至少 10 个字符", "At least 10 characters")}</p>
                            <FieldErrors field="password" error=error/>
                        </div>
                        <button type="submit" class="btn btn-primary btn-block">{lang.t("创建并登录", "Create and sign in")}</button>
                    </ActionForm>
                </Suspense>
            </div>
        </div>
    }
}
