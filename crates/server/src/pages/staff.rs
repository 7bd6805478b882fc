//! The staff directory: list with search, status filter and paging; detail; create and edit;
//! deactivate and reactivate; CSV import (upload → preview → confirm → result) and export.

use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos::web_sys::{FormData, HtmlFormElement, SubmitEvent};
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use medal_core::{Lang, Role};

use crate::api::{
    get_staff, list_staff, pending_staff_import, preview_staff_import, CancelStaffImport,
    CommitStaffImport, DeactivateStaff, ImportOutcome, ReactivateStaff, SaveStaff, StaffDetail,
    StaffFilter,
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
    let deactivate = ServerAction::<DeactivateStaff>::new();
    let reactivate = ServerAction::<ReactivateStaff>::new();
    let person = Resource::new(
        move || {
            (
                id.get(),
                deactivate.version().get(),
                reactivate.version().get(),
            )
        },
        |(id, _, _)| get_staff(id),
    );
    let is_admin = can(Role::Admin);
    let action_error = Signal::derive(move || {
        [deactivate.value().get(), reactivate.value().get()]
            .into_iter()
            .flatten()
            .find_map(|r| r.err())
    });
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
                                <dt>{lang.t("钉钉 userId", "DingTalk userId")}</dt><dd>{dash(s.dingtalk_user_id.clone())}</dd>
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
