//! The admins page (owners): who may sign in, with which role, when they last did; add an admin,
//! change a role, disable / enable, reset a password. Every form is a plain post that comes back
//! here; a password the server generated is shown once, from the flash.

use crate::admins::list_admins;
use crate::admins::types::PASSWORD_FLASH;
use crate::admins::AdminItem;
use crate::admins::CreateAdmin;
use crate::admins::DisableAdmin;
use crate::admins::EnableAdmin;
use crate::admins::ResetAdminPassword;
use crate::admins::SetAdminRole;
use crate::error::AppError;
use crate::i18n::use_lang;
use crate::ui::fmt_time;
use crate::ui::loading;
use crate::ui::use_flash;
use crate::ui::Banner;
use crate::ui::ConfirmSubmit;
use crate::ui::FieldErrors;
use leptos::prelude::*;
use leptos_meta::Title;
use medal_core::{Lang, Role};

#[component]
pub fn AdminsPage() -> impl IntoView {
    let lang = use_lang();
    let admins = Resource::new(|| (), |_| list_admins());
    view! {
        <Title text=lang.t("管理员", "Admins")/>
        <div class="page-head"><h1>{lang.t("管理员", "Admins")}</h1></div>
        <Suspense fallback=move || loading(lang)>
            {move || admins.get().map(|r| match r {
                Err(AppError::Forbidden) => view! { <crate::ui::Forbidden/> }.into_any(),
                Err(e) => view! { <Banner kind="error" text=e.summary(lang)/> }.into_any(),
                Ok(list) => view! {
                    <PasswordOnce/>
                    <AdminTable list/>
                    <h2>{lang.t("添加管理员", "Add an admin")}</h2>
                    <NewAdmin/>
                    <RolesHelp/>
                }.into_any(),
            })}
        </Suspense>
    }
}

/// The password the last post generated, shown this once (it is in no page after this one).
#[component]
fn PasswordOnce() -> impl IntoView {
    let lang = use_lang();
    let flash = use_flash();
    flash.for_form(PASSWORD_FLASH).map(|f| {
        let password = f.values.get("password").cloned().unwrap_or_default();
        let notice = f.notice.map(|m| m.get(lang).to_string()).unwrap_or_default();
        view! {
            <div class="banner banner-ok password-once" role="status">
                <p>{notice}</p>
                {(!password.is_empty()).then(|| view! {
                    <p><code class="password">{password}</code></p>
                    <p class="hint">{lang.t(
                        "请现在复制并安全地交给对方；离开此页后无法再查看。",
                        "Copy it now and pass it on safely; it cannot be seen again once you leave this page.",
                    )}</p>
                })}
            </div>
        }
    })
}

fn role_options(lang: Lang, current: &str) -> impl IntoView {
    Role::ALL
        .into_iter()
        .map(|r| {
            let sel = r.as_str() == current;
            view! { <option value=r.as_str() selected=sel>{r.label(lang)}</option> }
        })
        .collect_view()
}

#[component]
fn AdminTable(list: Vec<AdminItem>) -> impl IntoView {
    let lang = use_lang();
    let role = ServerAction::<SetAdminRole>::new();
    let disable = ServerAction::<DisableAdmin>::new();
    let enable = ServerAction::<EnableAdmin>::new();
    let reset = ServerAction::<ResetAdminPassword>::new();
    view! {
        <table class="table admins-table">
            <thead><tr>
                <th scope="col">{lang.t("用户名", "Username")}</th>
                <th scope="col">{lang.t("显示名称", "Display name")}</th>
                <th scope="col">{lang.t("角色", "Role")}</th>
                <th scope="col">{lang.t("状态", "Status")}</th>
                <th scope="col">{lang.t("创建时间", "Created")}</th>
                <th scope="col">{lang.t("最近登录", "Last sign-in")}</th>
                <th scope="col">{lang.t("操作", "Actions")}</th>
            </tr></thead>
            <tbody>
                {list.into_iter().map(|a| {
                    let id = a.id;
                    view! {
                        <tr class=if a.disabled { "inactive" } else { "" } data-admin=a.username.clone()>
                            <td>{a.username.clone()}</td>
                            <td>{if a.display_name.is_empty() { "—".to_string() } else { a.display_name.clone() }}</td>
                            <td>
                                <ActionForm action=role attr:class="inline-form">
                                    <input type="hidden" name="id" value=id/>
                                    <label class="sr-only" for=format!("role-{id}")>{lang.t("角色", "Role")}</label>
                                    <select id=format!("role-{id}") name="role">{role_options(lang, a.role.as_str())}</select>
                                    " "<button type="submit" class="btn btn-ghost">{lang.t("更改", "Change")}</button>
                                </ActionForm>
                            </td>
                            <td>{if a.disabled {
                                view! { <span class="tag tag-muted">{lang.t("已停用", "Disabled")}</span> }.into_any()
                            } else {
                                view! { <span class="tag tag-ok">{lang.t("启用", "Active")}</span> }.into_any()
                            }}</td>
                            <td>{fmt_time(a.created_at)}</td>
                            <td>{a.last_login_at.map(fmt_time).unwrap_or_else(|| lang.t("从未登录", "Never").into())}</td>
                            <td class="actions">
                                {if a.disabled {
                                    view! { <ActionForm action=enable attr:class="inline-form">
                                        <input type="hidden" name="id" value=id/>
                                        <button type="submit" class="btn">{lang.t("启用", "Enable")}</button>
                                    </ActionForm> }.into_any()
                                } else {
                                    view! { <ActionForm action=disable attr:class="inline-form">
                                        <input type="hidden" name="id" value=id/>
                                        <ConfirmSubmit class="btn btn-danger-ghost".to_string() label=lang.t("停用", "Disable").to_string()
                                            question=lang.t("停用此管理员？对方将立即退出并无法登录。", "Disable this admin? They are signed out at once and cannot sign in.").to_string()/>
                                    </ActionForm> }.into_any()
                                }}
                                <ActionForm action=reset attr:class="inline-form">
                                    <input type="hidden" name="id" value=id/>
                                    <ConfirmSubmit class="btn btn-ghost".to_string() label=lang.t("重置密码", "Reset password").to_string()
                                        question=lang.t("生成新密码？旧密码立即失效，对方的所有登录会话都将结束。", "Generate a new password? The old one stops working and all their sessions end.").to_string()/>
                                </ActionForm>
                            </td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
}

#[component]
fn NewAdmin() -> impl IntoView {
    let lang = use_lang();
    let flash = use_flash();
    let create = ServerAction::<CreateAdmin>::new();
    let values = flash
        .for_form("admin-new")
        .map(|f| f.values)
        .unwrap_or_default();
    let error: Signal<Option<AppError>> = Signal::derive(move || match create.value().get() {
        Some(Err(e)) => Some(e),
        Some(Ok(_)) => None,
        None => flash.for_form("admin-new").and_then(|f| f.error),
    });
    let val = |k: &str| values.get(k).cloned().unwrap_or_default();
    let (username, display_name) = (val("username"), val("display_name"));
    let role = Some(val("role"))
        .filter(|r| !r.is_empty())
        .unwrap_or_else(|| "viewer".to_string());
    view! {
        <ActionForm action=create attr:class="form card admin-form" attr:novalidate=true>
            <div class="field-row">
                <div class="field">
                    <label for="username">{lang.t("用户名", "Username")}</label>
                    <input id="username" name="form[username]" type="text" maxlength="32" required autocomplete="off" value=username/>
                    <p class="hint">{lang.t("3–32 个字母、数字或 . _ -", "3–32 letters, digits or . _ -")}</p>
                    <FieldErrors field="username" error=error/>
                </div>
                <div class="field">
                    <label for="display_name">{lang.t("显示名称", "Display name")}</label>
                    <input id="display_name" name="form[display_name]" type="text" maxlength="50" value=display_name/>
                    <FieldErrors field="display_name" error=error/>
                </div>
                <div class="field">
                    <label for="role">{lang.t("角色", "Role")}</label>
                    <select id="role" name="form[role]">{role_options(lang, &role)}</select>
                    <FieldErrors field="role" error=error/>
                </div>
            </div>
            <div class="field">
                <label for="password">{lang.t("初始密码", "Initial password")}</label>
                <input id="password" name="form[password]" type="password" autocomplete="new-password"/>
                <p class="hint">{lang.t("留空则自动生成一个，只显示一次。至少 10 个字符。", "Leave empty to generate one, shown once. At least 10 characters.")}</p>
                <FieldErrors field="password" error=error/>
            </div>
            <div class="form-actions">
                <button type="submit" class="btn btn-primary">{lang.t("添加", "Add")}</button>
            </div>
        </ActionForm>
    }
}

#[component]
fn RolesHelp() -> impl IntoView {
    let lang = use_lang();
    view! {
        <section class="card hint roles-help">
            <h2>{lang.t("角色说明", "Roles")}</h2>
            <dl class="facts">
                <dt>{Role::Owner.label(lang)}</dt><dd>{lang.t("管理管理员与设置，并可做下面的一切。", "Manages admins and settings, and everything below.")}</dd>
                <dt>{Role::Admin.label(lang)}</dt><dd>{lang.t("管理勋章、员工、群组，查看审计日志。", "Manages medals, staff and groups; reads the audit log.")}</dd>
                <dt>{Role::Awarder.label(lang)}</dt><dd>{lang.t("颁发、撤销与分享勋章。", "Awards, revokes and shares medals.")}</dd>
                <dt>{Role::Viewer.label(lang)}</dt><dd>{lang.t("只读。", "Reads.")}</dd>
            </dl>
            <p>{lang.t("最后一位启用中的所有者不能被停用或降级。", "The last active owner cannot be disabled or demoted.")}</p>
        </section>
    }
}
