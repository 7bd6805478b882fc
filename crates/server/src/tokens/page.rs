//! The API tokens page (admins): tokens with their scopes and last use, make one (shown once,
//! from the flash), revoke one. Plain posts that come back here.

use crate::error::AppError;
use crate::i18n::use_lang;
use crate::tokens::list_tokens;
use crate::tokens::types::{Scope, TokenItem, TOKEN_FLASH};
use crate::tokens::CreateToken;
use crate::tokens::RevokeToken;
use crate::ui::fmt_time;
use crate::ui::loading;
use crate::ui::use_flash;
use crate::ui::Banner;
use crate::ui::ConfirmSubmit;
use crate::ui::FieldErrors;
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn TokensPage() -> impl IntoView {
    let lang = use_lang();
    let tokens = Resource::new(|| (), |_| list_tokens());
    view! {
        <Title text=lang.t("API 令牌", "API tokens")/>
        <div class="page-head">
            <h1>{lang.t("API 令牌", "API tokens")}</h1>
            <a class="btn btn-ghost" href="/api-docs">{lang.t("API 文档", "API reference")}</a>
        </div>
        <p class="hint">{lang.t(
            "其他系统（项目管理、CRM、HR 系统）用令牌调用 REST API（/api/v1）：上报事件、颁发勋章、同步员工。请求头写 Authorization: Bearer <令牌>。",
            "Other systems (project tools, CRMs, HR systems) call the REST API (/api/v1) with a token: send events, give medals, keep staff in step. Send Authorization: Bearer <token>.",
        )}</p>
        <Suspense fallback=move || loading(lang)>
            {move || tokens.get().map(|r| match r {
                Err(AppError::Forbidden) => view! { <crate::ui::Forbidden/> }.into_any(),
                Err(e) => view! { <Banner kind="error" text=e.summary(lang)/> }.into_any(),
                Ok(list) => view! {
                    <TokenOnce/>
                    <TokenTable list/>
                    <h2>{lang.t("新建令牌", "New token")}</h2>
                    <NewToken/>
                }.into_any(),
            })}
        </Suspense>
    }
}

/// The token the last post made, shown this once.
#[component]
fn TokenOnce() -> impl IntoView {
    let lang = use_lang();
    let flash = use_flash();
    flash.for_form(TOKEN_FLASH).map(|f| {
        let token = f.values.get("token").cloned().unwrap_or_default();
        let notice = f.notice.map(|m| m.get(lang).to_string()).unwrap_or_default();
        view! {
            <div class="banner banner-ok password-once" role="status">
                <p>{notice}</p>
                <p><code class="password token-once">{token}</code></p>
                <p class="hint">{lang.t(
                    "请现在复制并保存到调用方的密钥配置里；离开此页后无法再查看，丢失只能撤销后重建。",
                    "Copy it now into the caller's secret settings; it cannot be seen again once you leave this page — if lost, revoke it and make another.",
                )}</p>
            </div>
        }
    })
}

fn scope_tags(scopes: &[Scope], lang: medal_core::Lang) -> impl IntoView {
    scopes
        .iter()
        .map(|s| view! { <span class="tag" title=s.explain(lang)>{s.label(lang)}</span>" " })
        .collect_view()
}

#[component]
fn TokenTable(list: Vec<TokenItem>) -> impl IntoView {
    let lang = use_lang();
    let revoke = ServerAction::<RevokeToken>::new();
    if list.is_empty() {
        return view! { <p class="empty">{lang.t("还没有令牌。", "No tokens yet.")}</p> }
            .into_any();
    }
    view! {
        <table class="table tokens-table">
            <thead><tr>
                <th scope="col">{lang.t("名称", "Name")}</th>
                <th scope="col">{lang.t("令牌开头", "Starts with")}</th>
                <th scope="col">{lang.t("权限范围", "Scopes")}</th>
                <th scope="col">{lang.t("创建", "Made")}</th>
                <th scope="col">{lang.t("最近使用", "Last used")}</th>
                <th scope="col">{lang.t("操作", "Actions")}</th>
            </tr></thead>
            <tbody>
                {list.into_iter().map(|t| {
                    let id = t.id;
                    let revoked = t.revoked_at.is_some();
                    view! {
                        <tr class=if revoked { "inactive" } else { "" } data-token=t.name.clone()>
                            <td>{t.name.clone()}</td>
                            <td><code>{format!("{}…", t.prefix)}</code></td>
                            <td>{scope_tags(&t.scopes, lang)}</td>
                            <td>{fmt_time(t.created_at)}" · "{t.created_by.clone()}</td>
                            <td>{t.last_used_at.map(fmt_time).unwrap_or_else(|| lang.t("从未使用", "Never").into())}</td>
                            <td class="actions">{match t.revoked_at {
                                Some(at) => view! {
                                    <span class="tag tag-muted">{lang.t("已撤销", "Revoked")}" "{fmt_time(at)}</span>
                                }.into_any(),
                                None => view! {
                                    <ActionForm action=revoke attr:class="inline-form">
                                        <input type="hidden" name="id" value=id/>
                                        <ConfirmSubmit class="btn btn-danger-ghost".to_string() label=lang.t("撤销", "Revoke").to_string()
                                            question=lang.t("撤销此令牌？用它的系统将立即无法调用 API。", "Revoke this token? Systems using it can no longer call the API.").to_string()/>
                                    </ActionForm>
                                }.into_any(),
                            }}</td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}

#[component]
fn NewToken() -> impl IntoView {
    let lang = use_lang();
    let flash = use_flash();
    let create = ServerAction::<CreateToken>::new();
    let values = flash
        .for_form("token-new")
        .map(|f| f.values)
        .unwrap_or_default();
    let error: Signal<Option<AppError>> =
        Signal::derive(move || flash.for_form("token-new").and_then(|f| f.error));
    let name = values.get("name").cloned().unwrap_or_default();
    let picked: Vec<String> = values
        .get("scopes")
        .map(|s| s.split(',').map(str::to_string).collect())
        .unwrap_or_else(|| vec!["read".to_string()]);
    view! {
        <ActionForm action=create attr:class="form card token-form" attr:novalidate=true>
            <div class="field">
                <label for="token-name">{lang.t("名称", "Name")}</label>
                <input id="token-name" name="name" type="text" maxlength="50" required autocomplete="off" value=name
                    placeholder=lang.t("例如：项目管理系统", "e.g. project tool")/>
                <FieldErrors field="name" error=error/>
            </div>
            <fieldset class="field">
                <legend>{lang.t("权限范围", "Scopes")}</legend>
                {Scope::ALL.into_iter().map(|s| {
                    let on = picked.iter().any(|p| p == s.as_str());
                    view! {
                        <label class="check">
                            <input type="checkbox" name="scopes[]" value=s.as_str() checked=on/>
                            " "<strong>{s.label(lang)}</strong>" ("<code>{s.as_str()}</code>")："{s.explain(lang)}
                        </label>
                    }
                }).collect_view()}
                <p class="hint">{lang.t(
                    "令牌能做的不会超过创建者当前的角色；创建者被停用后令牌失效。",
                    "A token never does more than its maker's current role allows; it stops working when its maker is disabled.",
                )}</p>
                <FieldErrors field="scopes" error=error/>
            </fieldset>
            <div class="form-actions">
                <button type="submit" class="btn btn-primary">{lang.t("创建令牌", "Make token")}</button>
            </div>
        </ActionForm>
    }
}
