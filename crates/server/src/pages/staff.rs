//! The staff directory: list with search, status filter and paging; detail; create and edit;
//! deactivate and reactivate; CSV import (upload → preview → confirm → result) and export.

use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos::web_sys::{FormData, HtmlFormElement, SubmitEvent};
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use medal_core::{Lang, Role};

use crate::api::{
    get_staff, get_userid_overview, list_staff, pending_staff_import, preview_staff_import,
    CancelStaffImport, CancelUseridLookup, CommitStaffImport, DeactivateStaff, ImportOutcome,
    LookupUserId, ReactivateStaff, SaveStaff, StaffDetail, StaffFilter, StartUseridLookup,
    UseridJob,
};
use crate::components::{
    can, fmt_time, id_param, loading, url_encode, use_flash, Banner, FieldErrors, FormError, IfCan,
};
use crate::error::AppError;
use crate::i18n::use_lang;

fn dash(s: Option<String>) -> String {
    s.filter(|s| !s.is_empty()).unwrap_or_else(|| "—".into())
}

fn status_tag(lang: Lang, active: bool) -> impl IntoView {
    if active {
        view! { <span class="tag">{lang.t("在职", "Active")}</span> }.into_any()
    } else {
        view! { <span class="tag tag-muted">{lang.t("已停用", "Deactivated")}</span> }.into_any()
    }
}

#[component]
pub fn StaffList() -> impl IntoView {
    let lang = use_lang();
    let query = use_query_map();
    let filter = move || {
        let q = query.read();
        StaffFilter {
            q: q.get("q").unwrap_or_default(),
            status: q.get("status").unwrap_or_default(),
            page: q.get("page").unwrap_or_default(),
        }
    };
    let staff = Resource::new(filter, list_staff);
    let selected = move |v: &'static str| {
        move || {
            let s = query.read().get("status").unwrap_or_default();
            s == v || (v == "active" && s.is_empty())
        }
    };
    // A link to another page of the same filter.
    let page_href = move |page: u32| {
        let f = filter();
        format!(
            "/staff?q={}&status={}&page={page}",
            url_encode(&f.q),
            url_encode(&f.status)
        )
    };
    let export_href = move || {
        let f = filter();
        format!(
            "/staff/export.csv?q={}&status={}",
            url_encode(&f.q),
            url_encode(&f.status)
        )
    };
    view! {
        <Title text=lang.t("员工", "Staff")/>
        <div class="page-head">
            <h1>{lang.t("员工", "Staff")}</h1>
            <div class="actions">
                <a class="btn" rel="external" href=export_href>{lang.t("导出 CSV", "Export CSV")}</a>
                <IfCan role=Role::Admin>
                    <a class="btn" href="/staff/userids">{lang.t("查询钉钉 userId", "Look up DingTalk userIds")}</a>
                    <a class="btn" href="/staff/import">{lang.t("导入 CSV", "Import CSV")}</a>
                    <a class="btn btn-primary" href="/staff/new">{lang.t("＋ 新增员工", "+ New person")}</a>
                </IfCan>
            </div>
        </div>
        <form class="filters" method="get" action="/staff" role="search">
            <div class="field field-grow">
                <label for="q">{lang.t("搜索姓名、手机号、部门或工号", "Search name, mobile, department or external id")}</label>
                <input id="q" name="q" type="search" placeholder=lang.t("例如：张三 或 138", "e.g. Zhang or 138")
                    value=move || query.read().get("q").unwrap_or_default()/>
            </div>
            <div class="field">
                <label for="status">{lang.t("状态", "Status")}</label>
                <select id="status" name="status">
                    <option value="active" selected=selected("active")>{lang.t("在职", "Active")}</option>
                    <option value="inactive" selected=selected("inactive")>{lang.t("已停用", "Deactivated")}</option>
                    <option value="all" selected=selected("all")>{lang.t("全部", "All")}</option>
                </select>
            </div>
            <button type="submit" class="btn">{lang.t("筛选", "Filter")}</button>
        </form>
        <Suspense fallback=move || loading(lang)>
            {move || staff.get().map(|r| match r {
                Err(e) => view! { <Banner kind="error" text=e.summary(lang)/> }.into_any(),
                Ok(p) if p.items.is_empty() && p.page == 1 => view! {
                    <p class="empty">{lang.t("没有符合条件的员工。", "No staff match.")}</p>
                }.into_any(),
                Ok(p) => {
                    let page = p.page;
                    view! {
                        <table class="table staff-table">
                            <thead><tr>
                                <th scope="col">{lang.t("姓名", "Name")}</th>
                                <th scope="col">{lang.t("手机号", "Mobile")}</th>
                                <th scope="col">{lang.t("部门", "Department")}</th>
                                <th scope="col">{lang.t("工号", "External id")}</th>
                                <th scope="col">{lang.t("状态", "Status")}</th>
                            </tr></thead>
                            <tbody>
                                {p.items.into_iter().map(|s| view! {
                                    <tr class=if s.active { "" } else { "inactive" }>
                                        <td><a href=format!("/staff/{}", s.id)>{s.name.clone()}</a></td>
                                        <td>{dash(s.mobile.clone())}</td>
                                        <td>{dash(Some(s.department.clone()))}</td>
                                        <td>{dash(s.external_id.clone())}</td>
                                        <td>{status_tag(lang, s.active)}</td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                        {crate::components::pager(lang, page, p.has_next, page_href)}
                    }.into_any()
                }
            })}
        </Suspense>
    }
}

#[component]
pub fn StaffDetailPage() -> impl IntoView {
    let lang = use_lang();
    let id = id_param();
    let flash = use_flash();
    let deactivate = ServerAction::<DeactivateStaff>::new();
    let reactivate = ServerAction::<ReactivateStaff>::new();
    let lookup = ServerAction::<LookupUserId>::new();
    let person = Resource::new(
        move || {
            (
                id.get(),
                deactivate.version().get(),
                reactivate.version().get(),
                lookup.version().get(),
            )
        },
        |(id, ..)| get_staff(id),
    );
    let is_admin = can(Role::Admin);
    let action_error = Signal::derive(move || {
        let shown = [
            deactivate.value().get().map(|r| r.err()),
            reactivate.value().get().map(|r| r.err()),
            lookup.value().get().map(|r| r.err()),
        ];
        if shown.iter().all(Option::is_none) {
            // No call from this page yet: a plain form post may have left its error.
            return ["staff-active", "staff-userid"]
                .into_iter()
                .find_map(|f| flash.for_form(f).and_then(|f| f.error));
        }
        shown.into_iter().flatten().flatten().next()
    });
    let found = move || match lookup.value().get() {
        Some(Ok(uid)) => Some(view! {
            <div class="banner banner-success" role="status">
                {lang.t("已从钉钉查到 userId：", "DingTalk userId found: ")}<code>{uid}</code>
            </div>
        }),
        _ => None,
    };
    view! {
        <Suspense fallback=move || loading(lang)>
            {move || person.get().map(|r| match r {
                Err(AppError::NotFound) => view! { <crate::components::NotFound/> }.into_any(),
                Err(e) => view! { <Banner kind="error" text=e.summary(lang)/> }.into_any(),
                Ok(s) => {
                    let admin = is_admin.get();
                    view! {
                        <Title text=s.name.clone()/>
                        <nav class="crumbs"><a href="/staff">{lang.t("员工", "Staff")}</a>" / "<span>{s.name.clone()}</span></nav>
                        <FormError error=action_error/>
                        {found}
                        <section class="card">
                            <div class="page-head">
                                <h1>{s.name.clone()}" "{status_tag(lang, s.active)}</h1>
                                {admin.then(|| view! {
                                    <div class="actions">
                                        <a class="btn" href=format!("/staff/{}/edit", s.id)>{lang.t("编辑", "Edit")}</a>
                                        {if s.active {
                                            view! {
                                                <ActionForm action=deactivate attr:class="inline-form">
                                                    <input type="hidden" name="id" value=s.id/>
                                                    <button type="submit" class="btn btn-danger-ghost">{lang.t("停用", "Deactivate")}</button>
                                                </ActionForm>
                                            }.into_any()
                                        } else {
                                            view! {
                                                <ActionForm action=reactivate attr:class="inline-form">
                                                    <input type="hidden" name="id" value=s.id/>
                                                    <button type="submit" class="btn">{lang.t("重新启用", "Reactivate")}</button>
                                                </ActionForm>
                                            }.into_any()
                                        }}
                                    </div>
                                })}
                            </div>
                            {(!s.active).then(|| view! {
                                <p class="hint">{lang.t("已停用的员工不能再获得勋章，已获得的勋章保留。", "Deactivated staff cannot receive new medals; their awards are kept.")}</p>
                            })}
                            <dl class="facts">
                                <dt>{lang.t("手机号", "Mobile")}</dt><dd>{dash(s.mobile.clone())}</dd>
                                <dt>{lang.t("部门", "Department")}</dt><dd>{dash(Some(s.department.clone()))}</dd>
                                <dt>{lang.t("工号", "External id")}</dt><dd>{dash(s.external_id.clone())}</dd>
                                <dt>{lang.t("钉钉 userId", "DingTalk userId")}</dt>
                                <dd class="userid-fact">
                                    <span class="userid-value">{dash(s.dingtalk_user_id.clone())}</span>
                                    {(admin && s.mobile.as_deref().is_some_and(|m| !m.is_empty())).then(|| {
                                        let again = s.dingtalk_user_id.as_deref().is_some_and(|u| !u.is_empty());
                                        view! {
                                            <ActionForm action=lookup attr:class="inline-form">
                                                <input type="hidden" name="id" value=s.id/>
                                                <button type="submit" class="btn btn-small">{if again {
                                                    lang.t("按手机号重新查询", "Look up again by mobile")
                                                } else {
                                                    lang.t("按手机号查询", "Look up by mobile")
                                                }}</button>
                                            </ActionForm>
                                        }
                                    })}
                                    {lookup_note(lang, &s)}
                                </dd>
                                <dt>{lang.t("创建时间", "Created")}</dt><dd>{fmt_time(s.created_at)}</dd>
                                <dt>{lang.t("更新时间", "Updated")}</dt><dd>{fmt_time(s.updated_at)}</dd>
                            </dl>
                        </section>
                        <crate::pages::awards::MedalWallSection staff_id=s.id/>
                    }.into_any()
                }
            })}
        </Suspense>
    }
}

/// What the last lookup by mobile said, under the userId.
fn lookup_note(lang: Lang, s: &StaffDetail) -> Option<impl IntoView> {
    let at = s.userid_lookup_at?;
    Some(match &s.userid_lookup_error {
        Some(why) => view! {
            <p class="hint lookup-miss">
                {match lang {
                    Lang::Zh => format!("{} 查询未找到：", fmt_time(at)),
                    Lang::En => format!("Looked up {}, not found: ", fmt_time(at)),
                }}
                {why.get(lang).to_string()}
            </p>
        }
        .into_any(),
        None => view! {
            <p class="hint">{match lang {
                Lang::Zh => format!("{} 从钉钉查到", fmt_time(at)),
                Lang::En => format!("Found in DingTalk {}", fmt_time(at)),
            }}</p>
        }
        .into_any(),
    })
}

#[component]
pub fn StaffNew() -> impl IntoView {
    let lang = use_lang();
    view! {
        <Title text=lang.t("新增员工", "New person")/>
        <nav class="crumbs"><a href="/staff">{lang.t("员工", "Staff")}</a>" / "<span>{lang.t("新增", "New")}</span></nav>
        <div class="page-head"><h1>{lang.t("新增员工", "New person")}</h1></div>
        <StaffForm person=None/>
    }
}

#[component]
pub fn StaffEdit() -> impl IntoView {
    let lang = use_lang();
    let id = id_param();
    let person = Resource::new(move || id.get(), get_staff);
    view! {
        <Title text=lang.t("编辑员工", "Edit person")/>
        <Suspense fallback=move || loading(lang)>
            {move || person.get().map(|r| match r {
                Ok(s) => view! {
                    <nav class="crumbs"><a href="/staff">{lang.t("员工", "Staff")}</a>" / "
                        <a href=format!("/staff/{}", s.id)>{s.name.clone()}</a>" / "<span>{lang.t("编辑", "Edit")}</span></nav>
                    <div class="page-head"><h1>{lang.t("编辑员工", "Edit person")}</h1></div>
                    <StaffForm person=Some(s)/>
                }.into_any(),
                Err(AppError::NotFound) => view! { <crate::components::NotFound/> }.into_any(),
                Err(e) => view! { <Banner kind="error" text=e.summary(lang)/> }.into_any(),
            })}
        </Suspense>
    }
}

/// The create/edit form: a plain form post without JavaScript (errors come back through the
/// flash, with the values typed), the `SaveStaff` action with it.
#[component]
fn StaffForm(person: Option<StaffDetail>) -> impl IntoView {
    let lang = use_lang();
    let flash = use_flash();
    let save = ServerAction::<SaveStaff>::new();
    let flashed = flash.for_form("staff");
    // Field messages: from the action (JavaScript) or the flash (plain post). The banner above
    // the form is only for the action: the layout shows the flash's.
    let error: Signal<Option<AppError>> = Signal::derive(move || match save.value().get() {
        Some(Err(e)) => Some(e),
        Some(Ok(_)) => None,
        None => flash.for_form("staff").and_then(|f| f.error),
    });
    let banner: Signal<Option<AppError>> =
        Signal::derive(move || save.value().get().and_then(|r| r.err()));
    let values = flashed.map(|f| f.values).unwrap_or_default();
    let p = person.clone();
    let val = move |key: &str, current: Option<String>| {
        values.get(key).cloned().or(current).unwrap_or_default()
    };
    let name = val("name", p.as_ref().map(|s| s.name.clone()));
    let mobile = val("mobile", p.as_ref().and_then(|s| s.mobile.clone()));
    let department = val("department", p.as_ref().map(|s| s.department.clone()));
    let external_id = val(
        "external_id",
        p.as_ref().and_then(|s| s.external_id.clone()),
    );
    let user_id = val(
        "dingtalk_user_id",
        p.as_ref().and_then(|s| s.dingtalk_user_id.clone()),
    );
    let editing = p.is_some();
    let cancel = p
        .as_ref()
        .map(|s| format!("/staff/{}", s.id))
        .unwrap_or_else(|| "/staff".into());
    view! {
        <ActionForm action=save attr:class="form card staff-form" attr:novalidate=true>
            <FormError error=banner/>
            {p.as_ref().map(|s| view! { <input type="hidden" name="id" value=s.id/> })}
            <div class="field">
                <label for="name">{lang.t("姓名", "Name")}</label>
                <input id="name" name="name" type="text" maxlength="50" required value=name/>
                <FieldErrors field="name" error=error/>
            </div>
            <div class="field-row">
                <div class="field">
                    <label for="mobile">{lang.t("手机号", "Mobile")}</label>
                    <input id="mobile" name="mobile" type="tel" inputmode="tel" value=mobile
                        placeholder=lang.t("例如：138 0013 8000", "e.g. 138 0013 8000")/>
                    <p class="hint">{lang.t("选填；中国大陆 11 位手机号", "Optional; 11-digit mainland China number")}</p>
                    <FieldErrors field="mobile" error=error/>
                </div>
                <div class="field">
                    <label for="department">{lang.t("部门", "Department")}</label>
                    <input id="department" name="department" type="text" maxlength="100" value=department/>
                    <FieldErrors field="department" error=error/>
                </div>
            </div>
            <div class="field-row">
                <div class="field">
                    <label for="external_id">{lang.t("工号", "External id")}</label>
                    <input id="external_id" name="external_id" type="text" maxlength="64" value=external_id/>
                    <FieldErrors field="external_id" error=error/>
                </div>
                <div class="field">
                    <label for="dingtalk_user_id">{lang.t("钉钉 userId", "DingTalk userId")}</label>
                    <input id="dingtalk_user_id" name="dingtalk_user_id" type="text" maxlength="64" value=user_id/>
                    <FieldErrors field="dingtalk_user_id" error=error/>
                </div>
            </div>
            <div class="form-actions">
                <a class="btn btn-ghost" href=cancel>{lang.t("取消", "Cancel")}</a>
                <button type="submit" class="btn btn-primary" disabled=move || save.pending().get()>
                    {move || if save.pending().get() { lang.t("正在保存…", "Saving…") } else if editing { lang.t("保存修改", "Save changes") } else { lang.t("创建员工", "Create person") }}
                </button>
            </div>
        </ActionForm>
    }
}

/// The import: upload a file (multipart; plain post or the action), see the preview of the file
/// kept on the server (counts and the rows with errors by line number), then confirm or cancel.
#[component]
pub fn StaffImport() -> impl IntoView {
    let lang = use_lang();
    let flash = use_flash();
    let query = use_query_map();
    let upload = Action::new_local(|data: &FormData| preview_staff_import(data.clone().into()));
    let commit = ServerAction::<CommitStaffImport>::new();
    let cancel = ServerAction::<CancelStaffImport>::new();
    let pending = Resource::new(
        move || {
            (
                upload.version().get(),
                commit.version().get(),
                cancel.version().get(),
            )
        },
        |_| pending_staff_import(),
    );
    let upload_error: Signal<Option<AppError>> =
        Signal::derive(move || match upload.value().get() {
            Some(Err(e)) => Some(e),
            Some(Ok(_)) => None,
            None => flash.for_form("staff-import").and_then(|f| f.error),
        });
    let upload_banner: Signal<Option<AppError>> =
        Signal::derive(move || upload.value().get().and_then(|r| r.err()));
    let step_error: Signal<Option<AppError>> = Signal::derive(move || {
        [
            commit.value().get().map(|r| r.map(|_| ())),
            cancel.value().get(),
        ]
        .into_iter()
        .flatten()
        .find_map(|r| r.err())
    });
    // The result: from the action (JavaScript), else from the query the plain post was sent to.
    let result = move || -> Option<ImportOutcome> {
        if let Some(Ok(o)) = commit.value().get() {
            return Some(o);
        }
        let q = query.read();
        q.get("done")?;
        let n = |k: &str| q.get(k).and_then(|v| v.parse().ok()).unwrap_or(0);
        Some(ImportOutcome {
            created: n("created"),
            updated: n("updated"),
            unchanged: n("unchanged"),
            skipped: n("skipped"),
        })
    };
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        use leptos::wasm_bindgen::JsCast;
        let Some(form) = ev
            .target()
            .and_then(|t| t.dyn_into::<HtmlFormElement>().ok())
        else {
            return;
        };
        if let Ok(data) = FormData::new_with_form(&form) {
            commit.clear();
            upload.dispatch_local(data);
        }
    };
    view! {
        <Title text=lang.t("导入员工", "Import staff")/>
        <nav class="crumbs"><a href="/staff">{lang.t("员工", "Staff")}</a>" / "<span>{lang.t("导入", "Import")}</span></nav>
        <div class="page-head"><h1>{lang.t("导入员工", "Import staff")}</h1></div>
        <FormError error=step_error/>
        {move || result().map(|o| view! {
            <div class="banner banner-success" role="status">
                {match lang {
                    Lang::Zh => format!("导入完成：新增 {} 人，更新 {} 人，未变 {} 人，跳过有错误的 {} 行。", o.created, o.updated, o.unchanged, o.skipped),
                    Lang::En => format!("Import done: {} new, {} updated, {} unchanged, {} rows with errors skipped.", o.created, o.updated, o.unchanged, o.skipped),
                }}
                " "<a href="/staff">{lang.t("查看员工列表", "See the staff list")}</a>
            </div>
        })}
        <form class="form card" method="post" action=crate::api::PreviewStaffImport::url()
            enctype="multipart/form-data" on:submit=on_submit novalidate>
            <h2>{lang.t("1. 上传 CSV 文件", "1. Upload a CSV file")}</h2>
            <FormError error=upload_banner/>
            <div class="field">
                <label for="file">{lang.t("CSV 文件", "CSV file")}</label>
                <input id="file" name="file" type="file" accept=".csv,text/csv"/>
                <p class="hint">{lang.t(
                    "第 1 行为表头：姓名（必填）、手机号、部门、工号、钉钉ID，中英文均可（name, mobile, department, external_id, userId）。UTF-8 或 GBK 编码。按工号匹配已有员工，没有工号时按手机号；每行须有工号或手机号。",
                    "Line 1 is the header: name (required), mobile, department, external_id, userId — in Chinese or English. UTF-8 or GBK. Existing staff are matched by external id, else by mobile; each row needs one of them.",
                )}</p>
                <FieldErrors field="file" error=upload_error/>
            </div>
            <div class="form-actions">
                <button type="submit" class="btn btn-primary" disabled=move || upload.pending().get()>
                    {move || if upload.pending().get() { lang.t("正在读取…", "Reading…") } else { lang.t("上传并预览", "Upload and preview") }}
                </button>
            </div>
        </form>
        <Suspense fallback=move || loading(lang)>
            {move || pending.get().map(|r| match r {
                Err(e) => view! { <Banner kind="error" text=e.summary(lang)/> }.into_any(),
                Ok(None) => ().into_any(),
                Ok(Some(p)) => {
                    let importable = p.new + p.updated;
                    let error_count = p.errors.len();
                    view! {
                        <section class="card import-preview" aria-live="polite">
                            <h2>{lang.t("2. 预览", "2. Preview")}</h2>
                            <p class="muted">{format!("{} · {}", p.file_name, p.encoding)}</p>
                            <dl class="facts import-counts">
                                <dt>{lang.t("新增", "New")}</dt><dd data-count="new">{p.new}</dd>
                                <dt>{lang.t("更新", "Updated")}</dt><dd data-count="updated">{p.updated}</dd>
                                <dt>{lang.t("未变", "Unchanged")}</dt><dd data-count="unchanged">{p.unchanged}</dd>
                                <dt>{lang.t("有错误", "Errors")}</dt><dd data-count="errors">{error_count}</dd>
                            </dl>
                            {(error_count > 0).then(|| view! {
                                <p>{lang.t("以下行有错误，不会被导入。可以只导入其余有效的行，或修改文件后重新上传。",
                                    "The rows below have errors and will not be imported. Import the valid rows, or fix the file and upload it again.")}</p>
                                <table class="table import-errors">
                                    <thead><tr>
                                        <th scope="col">{lang.t("行号", "Line")}</th>
                                        <th scope="col">{lang.t("原因", "Reason")}</th>
                                    </tr></thead>
                                    <tbody>
                                        {p.errors.iter().take(500).map(|e| view! {
                                            <tr>
                                                <td>{e.line}</td>
                                                <td>{e.messages.iter().map(|m| m.get(lang).to_string()).collect::<Vec<_>>().join("；")}</td>
                                            </tr>
                                        }).collect_view()}
                                    </tbody>
                                </table>
                                {(error_count > 500).then(|| view! { <p class="muted">{lang.t("只列出前 500 行错误。", "Only the first 500 rows with errors are listed.")}</p> })}
                            })}
                            <div class="form-actions">
                                <ActionForm action=cancel attr:class="inline-form">
                                    <button type="submit" class="btn btn-ghost">{lang.t("取消", "Cancel")}</button>
                                </ActionForm>
                                <ActionForm action=commit attr:class="inline-form">
                                    <input type="hidden" name="token" value=p.token.clone()/>
                                    <button type="submit" class="btn btn-primary" disabled=move || importable == 0 || commit.pending().get()>
                                        {match lang {
                                            Lang::Zh => format!("3. 确认导入 {importable} 条"),
                                            Lang::En => format!("3. Import {importable} rows"),
                                        }}
                                    </button>
                                </ActionForm>
                            </div>
                        </section>
                    }.into_any()
                }
            })}
        </Suspense>
    }
}

// ---------------------------------------------------------------- DingTalk userIds by mobile

fn job_state(lang: Lang, state: &str) -> &'static str {
    match state {
        "running" => lang.t("进行中", "Running"),
        "done" => lang.t("已完成", "Finished"),
        "stopped" => lang.t("已停止", "Stopped"),
        "cancelled" => lang.t("已取消", "Cancelled"),
        _ => lang.t("已中断（服务器曾停止）", "Interrupted (the server stopped)"),
    }
}

#[component]
fn UseridJobCard(job: UseridJob, cancel: ServerAction<CancelUseridLookup>) -> impl IntoView {
    let lang = use_lang();
    let running = job.state == "running";
    let total = job.total.max(job.done);
    let pct = |n: i64| if total > 0 { n * 100 / total } else { 100 };
    view! {
        <section class="card userid-job">
            <h2>{lang.t("最近一次批量查询", "Latest bulk lookup")}" "
                <span class=if running { "tag" } else { "tag tag-muted" }>{job_state(lang, &job.state)}</span></h2>
            <p class="hint">{match lang {
                Lang::Zh => format!("{} 由 {} 开始", fmt_time(job.started_at), job.started_by),
                Lang::En => format!("Started {} by {}", fmt_time(job.started_at), job.started_by),
            }}{job.finished_at.map(|t| match lang {
                Lang::Zh => format!("，{} 结束", fmt_time(t)),
                Lang::En => format!(", ended {}", fmt_time(t)),
            })}</p>
            <div class="share-progress" role="progressbar" aria-valuemin="0" aria-valuemax=total aria-valuenow=job.done>
                <crate::components::StackBar parts=vec![("bar-sent", pct(job.found)), ("bar-failed", pct(job.not_found))]/>
                <p class="progress-text">{match lang {
                    Lang::Zh => format!("已查询 {} / {}：查到 {}，未找到 {}（{}%）", job.done, total, job.found, job.not_found, pct(job.done)),
                    Lang::En => format!("Asked {} of {}: found {}, not found {} ({}%)", job.done, total, job.found, job.not_found, pct(job.done)),
                }}</p>
            </div>
            {job.error.map(|e| view! { <Banner kind="error" text=e.get(lang).to_string()/> })}
            {running.then(|| view! {
                <noscript><meta http-equiv="refresh" content="3"/></noscript>
                <p class="hint">{lang.t("查询在后台进行，可以离开本页；本页会自动刷新。", "The lookup runs in the background; you may leave this page. It refreshes itself.")}" "
                    <a href="" class="reload-link">{lang.t("立即刷新", "Reload now")}</a></p>
                <IfCan role=Role::Admin>
                    <ActionForm action=cancel attr:class="inline-form">
                        <button type="submit" class="btn btn-danger-ghost">{lang.t("取消查询", "Cancel the lookup")}</button>
                    </ActionForm>
                </IfCan>
            })}
        </section>
    }
}

/// `/staff/userids`: look up everyone's DingTalk userId by mobile, with progress and misses.
#[component]
pub fn StaffUserids() -> impl IntoView {
    let lang = use_lang();
    let flash = use_flash();
    let start = ServerAction::<StartUseridLookup>::new();
    let cancel = ServerAction::<CancelUseridLookup>::new();
    let (tick, set_tick) = signal(0u32);
    let overview = Resource::new(
        move || (start.version().get(), cancel.version().get(), tick.get()),
        |_| get_userid_overview(),
    );
    // With JavaScript: refetch every second while a lookup runs.
    crate::components::refresh_while(
        set_tick,
        move || {
            overview
                .get_untracked()
                .and_then(|r| r.ok())
                .and_then(|o| o.job)
                .is_some_and(|j| j.state == "running")
        },
        std::time::Duration::from_secs(1),
    );
    let error = Signal::derive(move || match (start.value().get(), cancel.value().get()) {
        (None, None) => flash.for_form("userid-bulk").and_then(|f| f.error),
        (s, c) => s.and_then(|r| r.err()).or_else(|| c.and_then(|r| r.err())),
    });
    view! {
        <Title text=lang.t("查询钉钉 userId", "DingTalk userIds")/>
        <nav class="crumbs"><a href="/staff">{lang.t("员工", "Staff")}</a>" / "<span>{lang.t("钉钉 userId", "DingTalk userIds")}</span></nav>
        <div class="page-head"><h1>{lang.t("按手机号查询钉钉 userId", "Look up DingTalk userIds by mobile")}</h1></div>
        <p class="hint">{lang.t(
            "分享卡片时 @获奖人 需要其钉钉 userId。从 HR 表格导入的员工通常只有手机号：这里通过「设置」中的钉钉应用，按手机号向钉钉查询每位在职员工的 userId（每秒最多 15 次）。查到的会保存；查不到的列在下面，附钉钉的答复。",
            "@mentioning a winner on a card needs their DingTalk userId. Staff imported from HR files usually have only a mobile: this asks DingTalk, through the app set in Settings, for the userId of every active person by mobile (at most 15 calls a second). What is found is saved; who is not found is listed below with DingTalk's answer.",
        )}</p>
        <FormError error=error/>
        <Suspense fallback=move || loading(lang)>
            {move || overview.get().map(|r| match r {
                Err(e) => view! { <Banner kind="error" text=e.summary(lang)/> }.into_any(),
                Ok(o) => {
                    let running = o.job.as_ref().is_some_and(|j| j.state == "running");
                    let can_start = o.credentials_set && o.missing > 0 && !running;
                    view! {
                        {(!o.credentials_set).then(|| view! {
                            <div class="banner banner-warning" role="status">
                                {lang.t("尚未设置钉钉应用凭据（AppKey、AppSecret、RobotCode），无法查询。", "The DingTalk app credentials (AppKey, AppSecret, RobotCode) are not set, so nothing can be looked up. ")}
                                <a href="/settings">{lang.t("去设置", "Open Settings")}</a>
                            </div>
                        })}
                        <section class="card">
                            <dl class="facts">
                                <dt>{lang.t("待查询", "To look up")}</dt>
                                <dd class="userid-missing">{match lang {
                                    Lang::Zh => format!("{} 名在职员工有手机号、没有 userId", o.missing),
                                    Lang::En => format!("{} active people with a mobile and no userId", o.missing),
                                }}</dd>
                                <dt>{lang.t("无法查询", "Cannot be looked up")}</dt>
                                <dd>{match lang {
                                    Lang::Zh => format!("{} 名在职员工既没有手机号也没有 userId（请编辑补上）", o.without_mobile),
                                    Lang::En => format!("{} active people with neither a mobile nor a userId (edit them to add one)", o.without_mobile),
                                }}</dd>
                            </dl>
                            <IfCan role=Role::Admin>
                                <ActionForm action=start attr:class="inline-form userid-start">
                                    <button type="submit" class="btn btn-primary" disabled=!can_start>{match lang {
                                        Lang::Zh => format!("开始批量查询（{} 人）", o.missing),
                                        Lang::En => format!("Look up all ({} people)", o.missing),
                                    }}</button>
                                </ActionForm>
                            </IfCan>
                        </section>
                        {o.job.map(|job| view! { <UseridJobCard job cancel/> })}
                        {(!o.misses.is_empty()).then(|| view! {
                            <section class="card">
                                <h2>{match lang {
                                    Lang::Zh => format!("未找到的员工（{} 人）", o.misses_total),
                                    Lang::En => format!("Not found ({} people)", o.misses_total),
                                }}</h2>
                                {(o.misses_total > o.misses.len() as i64).then(|| view! {
                                    <p class="hint">{lang.t("只列出最近查询的 50 人。", "Only the 50 looked up most recently are listed.")}</p>
                                })}
                                <table class="table userid-misses">
                                    <thead><tr>
                                        <th scope="col">{lang.t("姓名", "Name")}</th>
                                        <th scope="col">{lang.t("部门", "Department")}</th>
                                        <th scope="col">{lang.t("手机号", "Mobile")}</th>
                                        <th scope="col">{lang.t("查询时间", "Looked up")}</th>
                                        <th scope="col">{lang.t("钉钉的答复", "DingTalk's answer")}</th>
                                    </tr></thead>
                                    <tbody>
                                        {o.misses.into_iter().map(|m| view! {
                                            <tr>
                                                <td><a href=format!("/staff/{}", m.staff_id)>{m.name}</a></td>
                                                <td>{dash(Some(m.department))}</td>
                                                <td>{m.mobile}</td>
                                                <td>{fmt_time(m.at)}</td>
                                                <td>{m.error.get(lang).to_string()}</td>
                                            </tr>
                                        }).collect_view()}
                                    </tbody>
                                </table>
                            </section>
                        })}
                    }.into_any()
                }
            })}
        </Suspense>
    }
}
