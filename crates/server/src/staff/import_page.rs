//! The CSV import page: upload, preview, confirm.

use crate::error::AppError;
use crate::i18n::use_lang;
use crate::staff::pending_staff_import;
use crate::staff::CancelStaffImport;
use crate::staff::CommitStaffImport;
use crate::staff::ImportOutcome;
use crate::ui::loading;
use crate::ui::use_flash;
use crate::ui::Banner;
use crate::ui::FieldErrors;
use crate::ui::FormError;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use medal_core::Lang;

/// The import: upload a file (a plain multipart post), see the preview of the file
/// kept on the server (counts and the rows with errors by line number), then confirm or cancel.
#[component]
pub fn StaffImport() -> impl IntoView {
    let lang = use_lang();
    let flash = use_flash();
    let query = use_query_map();
    let commit = ServerAction::<CommitStaffImport>::new();
    let cancel = ServerAction::<CancelStaffImport>::new();
    let pending = Resource::new(
        move || (commit.version().get(), cancel.version().get()),
        |_| pending_staff_import(),
    );
    let upload_error: Signal<Option<AppError>> =
        Signal::derive(move || flash.for_form("staff-import").and_then(|f| f.error));
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
        <form class="form card" method="post" action=crate::staff::PreviewStaffImport::url()
            enctype="multipart/form-data" novalidate>
            <h2>{lang.t("1. 上传 CSV 文件", "1. Upload a CSV file")}</h2>
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
                <button type="submit" class="btn btn-primary">
                    {lang.t("上传并预览", "Upload and preview")}
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
