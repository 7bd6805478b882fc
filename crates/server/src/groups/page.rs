//! Groups (share targets): list with health (Viewer), add / edit / disable / test-send (Admin).

use crate::error::AppError;
use crate::groups::get_group;
use crate::groups::list_groups;
use crate::groups::DisableGroup;
use crate::groups::EnableGroup;
use crate::groups::GroupHealth;
use crate::groups::GroupSummary;
use crate::groups::SaveGroup;
use crate::groups::TestGroup;
use crate::i18n::use_lang;
use crate::ui::can;
use crate::ui::fmt_time;
use crate::ui::id_param;
use crate::ui::loading;
use crate::ui::use_flash;
use crate::ui::Banner;
use crate::ui::FieldErrors;
use crate::ui::FormError;
use crate::ui::IfCan;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use medal_core::{Lang, Role};

fn kind_label(lang: Lang, kind: &str) -> &'static str {
    match kind {
        "app" => lang.t("应用机器人", "App robot"),
        "chat" => lang.t("群 chatid（chat/send）", "Group chatid (chat/send)"),
        _ => lang.t("自定义机器人", "Custom robot"),
    }
}

/// "正常" / the last error explained / "未发送过".
#[component]
pub fn HealthTag(health: GroupHealth) -> impl IntoView {
    let lang = use_lang();
    match (&health.error, health.last_ok_at) {
        (Some(e), _) => view! { <span class="tag tag-error" title=e.get(lang).to_string()>{lang.t("异常", "Failing")}</span> }.into_any(),
        (None, Some(_)) => view! { <span class="tag tag-ok">{lang.t("正常", "OK")}</span> }.into_any(),
        (None, None) => view! { <span class="tag tag-muted">{lang.t("未发送过", "Never sent")}</span> }.into_any(),
    }
}

#[component]
pub fn GroupList() -> impl IntoView {
    let lang = use_lang();
    let groups = Resource::new(|| (), |_| list_groups());
    view! {
        <Title text=lang.t("群组", "Groups")/>
        <div class="page-head">
            <h1>{lang.t("群组", "Groups")}</h1>
            <div class="actions">
                <IfCan role=Role::Admin>
                    <a class="btn" href="/groups/make">{lang.t("在钉钉建群", "Create a DingTalk group")}</a>
                    <a class="btn btn-primary" href="/groups/new">{lang.t("＋ 添加群", "+ Add group")}</a>
                </IfCan>
            </div>
        </div>
        <Suspense fallback=move || loading(lang)>
            {move || groups.get().map(|r| match r {
                Err(e) => view! { <Banner kind="error" text=e.summary(lang)/> }.into_any(),
                Ok(list) if list.is_empty() => view! {
                    <p class="empty">{lang.t("还没有群。添加一个群机器人后即可分享勋章。", "No groups yet. Add a group robot to share medals.")}</p>
                }.into_any(),
                Ok(list) => view! {
                    <table class="table groups-table">
                        <thead><tr>
                            <th scope="col">{lang.t("群名称", "Name")}</th>
                            <th scope="col">{lang.t("类型", "Kind")}</th>
                            <th scope="col">{lang.t("关键词", "Keywords")}</th>
                            <th scope="col">{lang.t("状态", "Health")}</th>
                            <th scope="col">{lang.t("最近成功", "Last success")}</th>
                        </tr></thead>
                        <tbody>
                            {list.into_iter().map(|g| view! {
                                <tr class=if g.disabled { "inactive" } else { "" }>
                                    <td><a href=format!("/groups/{}", g.id)>{g.name.clone()}</a>
                                        {g.disabled.then(|| view! { " "<span class="tag tag-muted">{lang.t("已停用", "Disabled")}</span> })}</td>
                                    <td>{kind_label(lang, &g.kind)}</td>
                                    <td>{if g.keywords.is_empty() { "—".to_string() } else { g.keywords.join("、") }}</td>
                                    <td><HealthTag health=g.health.clone()/></td>
                                    <td>{g.health.last_ok_at.map(fmt_time).unwrap_or_else(|| "—".into())}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any(),
            })}
        </Suspense>
    }
}

#[component]
pub fn GroupNew() -> impl IntoView {
    let lang = use_lang();
    view! {
        <Title text=lang.t("添加群", "Add group")/>
        <nav class="crumbs"><a href="/groups">{lang.t("群组", "Groups")}</a>" / "<span>{lang.t("添加", "Add")}</span></nav>
        <div class="page-head"><h1>{lang.t("添加群", "Add group")}</h1></div>
        <GroupEditor group=None/>
    }
}

#[component]
pub fn GroupDetailPage() -> impl IntoView {
    let lang = use_lang();
    let id = id_param();
    let query = use_query_map();
    let disable = ServerAction::<DisableGroup>::new();
    let enable = ServerAction::<EnableGroup>::new();
    let test = ServerAction::<TestGroup>::new();
    let group = Resource::new(
        move || {
            (
                id.get(),
                disable.version().get(),
                enable.version().get(),
                test.version().get(),
            )
        },
        |(id, ..)| get_group(id),
    );
    let is_admin = can(Role::Admin);
    view! {
        <Suspense fallback=move || loading(lang)>
            {move || group.get().map(|r| match r {
                Err(AppError::NotFound) => view! { <crate::ui::NotFound/> }.into_any(),
                Err(e) => view! { <Banner kind="error" text=e.summary(lang)/> }.into_any(),
                Ok(g) => {
                    let admin = is_admin.get();
                    let gid = g.id;
                    // The test result: from the action (JavaScript) or the query after a plain post.
                    let test_result = move || match test.value().get() {
                        Some(Ok(t)) => Some((t.ok, t.message.get(lang).to_string())),
                        Some(Err(e)) => Some((false, e.summary(lang))),
                        None => None,
                    };
                    let plain_test = query.read().get("test");
                    let health = g.health.clone();
                    view! {
                        <Title text=g.name.clone()/>
                        <nav class="crumbs"><a href="/groups">{lang.t("群组", "Groups")}</a>" / "<span>{g.name.clone()}</span></nav>
                        <crate::groups::make_page::MadeBanner/>
                        <section class="card">
                            <div class="page-head">
                                <h1>{g.name.clone()}" "<HealthTag health=g.health.clone()/>
                                    {g.disabled.then(|| view! { " "<span class="tag tag-muted">{lang.t("已停用", "Disabled")}</span> })}</h1>
                                {admin.then(|| view! {
                                    <div class="actions">
                                        <ActionForm action=test attr:class="inline-form">
                                            <input type="hidden" name="id" value=gid/>
                                            <button type="submit" class="btn">{lang.t("发送测试消息", "Send a test message")}</button>
                                        </ActionForm>
                                        {if g.disabled {
                                            view! { <ActionForm action=enable attr:class="inline-form">
                                                <input type="hidden" name="id" value=gid/>
                                                <button type="submit" class="btn">{lang.t("启用", "Enable")}</button>
                                            </ActionForm> }.into_any()
                                        } else {
                                            view! { <ActionForm action=disable attr:class="inline-form">
                                                <input type="hidden" name="id" value=gid/>
                                                <crate::ui::ConfirmSubmit class="btn btn-danger-ghost".to_string() label=lang.t("停用", "Disable").to_string()
                                                    question=lang.t("停用这个群？停用后不会再向它发送。", "Disable this group? Nothing more is sent to it.").to_string()/>
                                            </ActionForm> }.into_any()
                                        }}
                                    </div>
                                })}
                            </div>
                            {move || test_result().map(|(ok, text)| view! {
                                <div class=if ok { "banner banner-ok test-result" } else { "banner banner-error test-result" } role="status">{text}</div>
                            })}
                            {(test.value().get_untracked().is_none()).then(|| match plain_test.as_deref() {
                                Some("ok") => Some(view! { <div class="banner banner-ok test-result" role="status">{lang.t("测试消息已发送，请到群里查看。", "The test message was sent; look in the group.")}</div> }.into_any()),
                                Some(_) => Some(view! { <div class="banner banner-error test-result" role="status">
                                    {lang.t("测试消息发送失败：", "The test message failed: ")}{health.error.as_ref().map(|e| e.get(lang).to_string()).unwrap_or_default()}</div> }.into_any()),
                                None => None,
                            })}
                            <dl class="facts">
                                <dt>{lang.t("类型", "Kind")}</dt><dd>{kind_label(lang, &g.kind)}</dd>
                                {(g.kind == "webhook").then(|| view! {
                                    <dt>{lang.t("Webhook 令牌", "Webhook token")}</dt><dd><code>{g.token_masked.clone().unwrap_or_else(|| "—".into())}</code></dd>
                                    <dt>{lang.t("加签密钥", "Signing secret")}</dt><dd><code>{g.secret_masked.clone().unwrap_or_else(|| lang.t("未设置", "Not set").into())}</code></dd>
                                    <dt>{lang.t("关键词", "Keywords")}</dt><dd>{if g.keywords.is_empty() { "—".to_string() } else { g.keywords.join("、") }}</dd>
                                })}
                                {(g.kind == "app").then(|| view! {
                                    <dt>"openConversationId"</dt><dd><code>{g.open_conversation_id.clone().unwrap_or_default()}</code></dd>
                                })}
                                {(g.kind == "chat").then(|| view! {
                                    <dt>"chatid"</dt><dd><code>{g.chat_id.clone().unwrap_or_default()}</code></dd>
                                })}
                                {g.made_via.clone().map(|via| view! {
                                    <dt>{lang.t("在钉钉创建", "Made in DingTalk")}</dt>
                                    <dd class="made-via">{if via == "scenegroup" { lang.t("由勋章馆创建的场景群", "A scene group made by Medal Hall") } else { lang.t("由勋章馆创建（chat/create）", "Made by Medal Hall (chat/create)") }}
                                        {g.member_count.map(|n| format!(" · {n} {}", lang.t("人", "members")))}
                                        {g.owner_userid.clone().map(|o| format!(" · {} {o}", lang.t("群主", "owner")))}</dd>
                                })}
                                <dt>{lang.t("最近成功", "Last success")}</dt><dd>{g.health.last_ok_at.map(fmt_time).unwrap_or_else(|| "—".into())}</dd>
                                <dt>{lang.t("最近错误", "Last error")}</dt><dd>{match (&g.health.error, g.health.last_error_at) {
                                    (Some(e), Some(at)) => format!("{} — {}", fmt_time(at), e.get(lang)),
                                    _ => "—".to_string(),
                                }}</dd>
                            </dl>
                            <crate::shares::guard_page::GroupShareToday group=gid/>
                            <p><a href=format!("/shares?group={gid}")>{lang.t("查看此群的分享记录", "Shares to this group")}</a></p>
                        </section>
                        {admin.then(|| view! {
                            <h2>{lang.t("编辑", "Edit")}</h2>
                            <GroupEditor group=Some(g.clone())/>
                        })}
                    }.into_any()
                }
            })}
        </Suspense>
    }
}

#[component]
fn GroupEditor(group: Option<GroupSummary>) -> impl IntoView {
    let lang = use_lang();
    let flash = use_flash();
    let save = ServerAction::<SaveGroup>::new();
    let values = flash
        .for_form("group")
        .map(|f| f.values)
        .unwrap_or_default();
    let error: Signal<Option<AppError>> = Signal::derive(move || match save.value().get() {
        Some(Err(e)) => Some(e),
        Some(Ok(_)) => None,
        None => flash.for_form("group").and_then(|f| f.error),
    });
    let banner: Signal<Option<AppError>> =
        Signal::derive(move || save.value().get().and_then(|r| r.err()));
    let g = group.clone();
    let val = |k: &str, cur: Option<String>| values.get(k).cloned().or(cur).unwrap_or_default();
    let name = val("name", g.as_ref().map(|g| g.name.clone()));
    let kind = val("kind", g.as_ref().map(|g| g.kind.clone()));
    let kind = if kind.is_empty() {
        "webhook".to_string()
    } else {
        kind
    };
    let keywords = val("keywords", g.as_ref().map(|g| g.keywords.join(", ")));
    let cid = val(
        "open_conversation_id",
        g.as_ref().and_then(|g| g.open_conversation_id.clone()),
    );
    let chat_id = val("chat_id", g.as_ref().and_then(|g| g.chat_id.clone()));
    let editing = g.is_some();
    let token_hint = g.as_ref().and_then(|g| g.token_masked.clone());
    let secret_hint = g.as_ref().and_then(|g| g.secret_masked.clone());
    view! {
        <ActionForm action=save attr:class="form card group-form" attr:novalidate=true>
            <FormError error=banner/>
            {g.as_ref().map(|g| view! { <input type="hidden" name="form[id]" value=g.id/> })}
            <div class="field">
                <label for="name">{lang.t("群名称", "Name")}</label>
                <input id="name" name="form[name]" type="text" maxlength="50" required value=name/>
                <FieldErrors field="name" error=error/>
            </div>
            <fieldset class="field">
                <legend>{lang.t("机器人类型", "Robot kind")}</legend>
                <label class="check"><input type="radio" name="form[kind]" value="webhook" checked=kind == "webhook"/>" "{lang.t("自定义机器人（Webhook）", "Custom robot (webhook)")}</label>
                <label class="check"><input type="radio" name="form[kind]" value="app" checked=kind == "app"/>" "{lang.t("企业内部应用机器人（openConversationId）", "Internal app robot (openConversationId)")}</label>
                <label class="check"><input type="radio" name="form[kind]" value="chat" checked=kind == "chat"/>" "{lang.t("群 chatid（旧版 chat/send，2022 年前接入的应用）", "Group chatid (older chat/send, apps onboarded before 2022)")}</label>
                <FieldErrors field="kind" error=error/>
            </fieldset>
            // the fields of the kind not chosen are dimmed by the stylesheet (`:has`), no script needed
            <div class="kind-webhook">
                <div class="field">
                    <label for="webhook_url">{lang.t("Webhook 地址", "Webhook URL")}</label>
                    <input id="webhook_url" name="form[webhook_url]" type="text" autocomplete="off"
                        placeholder=token_hint.clone().map(|t| format!("{} {t}", lang.t("已保存：", "Saved:"))).unwrap_or_else(|| "https://oapi.dingtalk.com/robot/send?access_token=…".into())/>
                    <p class="hint">{if editing { lang.t("留空则保留已保存的地址。", "Leave empty to keep the saved one.") } else { lang.t("在群设置 → 智能群助手 → 机器人中复制完整地址。", "Copy the whole URL from the group's settings → 智能群助手 → the robot.") }}</p>
                    <FieldErrors field="webhook_url" error=error/>
                </div>
                <div class="field">
                    <label for="sign_secret">{lang.t("加签密钥（SEC 开头）", "Signing secret (starts with SEC)")}</label>
                    <input id="sign_secret" name="form[sign_secret]" type="password" autocomplete="new-password"
                        placeholder=secret_hint.clone().unwrap_or_default()/>
                    {secret_hint.is_some().then(|| view! {
                        <p class="hint">{lang.t("留空则保留已保存的密钥。", "Leave empty to keep the saved secret.")}</p>
                        <label class="check"><input type="checkbox" name="form[clear_sign_secret]" value="true"/>" "{lang.t("删除已保存的加签密钥", "Remove the saved secret")}</label>
                    })}
                    <FieldErrors field="sign_secret" error=error/>
                </div>
                <div class="field">
                    <label for="keywords">{lang.t("关键词（用逗号分隔）", "Keywords (comma separated)")}</label>
                    <input id="keywords" name="form[keywords]" type="text" value=keywords/>
                    <p class="hint">{lang.t("机器人设置了关键词时，卡片缺少关键词会自动加一行页脚。", "When the robot has keywords, a card without one gets a short footer.")}</p>
                    <FieldErrors field="keywords" error=error/>
                </div>
            </div>
            <div class="kind-app">
                <div class="field">
                    <label for="open_conversation_id">"openConversationId"</label>
                    <input id="open_conversation_id" name="form[open_conversation_id]" type="text" value=cid placeholder="cid…"/>
                    <FieldErrors field="open_conversation_id" error=error/>
                </div>
            </div>
            <div class="kind-chat">
                <div class="field">
                    <label for="chat_id">"chatid"</label>
                    <input id="chat_id" name="form[chat_id]" type="text" value=chat_id placeholder="chat…"/>
                    <p class="hint">{lang.t("消息以应用身份经 chat/send 发出，每条最多 2048 字节。", "Messages go as the app through chat/send, at most 2,048 bytes each.")}</p>
                    <FieldErrors field="chat_id" error=error/>
                </div>
            </div>
            <div class="form-actions">
                <button type="submit" class="btn btn-primary">{lang.t("保存", "Save")}</button>
                <a class="btn btn-ghost" href="/groups">{lang.t("取消", "Cancel")}</a>
            </div>
        </ActionForm>
    }
}
