//! The events CSV upload on `/rules`: upload a file (a plain multipart post), see the preview of
//! the file kept on the server (counts, the first lines as they will be applied, every bad line
//! by its line number), then confirm or cancel.

use crate::error::AppError;
use crate::i18n::use_lang;
use crate::rules::types::{EventImportOutcome, EventImportPreview};
use crate::rules::{pending_events_csv, CancelEventsCsv, CommitEventsCsv, PreviewEventsCsv};
use crate::ui::loading;
use crate::ui::use_flash;
use crate::ui::Banner;
use crate::ui::FieldErrors;
use crate::ui::FormError;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_router::hooks::use_query_map;
use medal_core::Lang;

/// Bad lines listed at most.
const ERRORS_SHOWN: usize = 500;

fn outcome_text(lang: Lang, o: &EventImportOutcome) -> String {
    match lang {
        Lang::Zh => format!(
            "事件已导入：接受 {} 条，重复（之前已导入）{} 条，颁发勋章 {} 枚，跳过有错误的 {} 行。",
            o.accepted, o.duplicates, o.awarded, o.skipped
        ),
        Lang::En => format!(
            "Events applied: {} accepted, {} duplicates (applied before), {} medals awarded, {} lines with errors skipped.",
            o.accepted, o.duplicates, o.awarded, o.skipped
        ),
    }
}

#[component]
pub fn EventsUpload() -> impl IntoView {
    let lang = use_lang();
    let flash = use_flash();
    let query = use_query_map();
    let commit = ServerAction::<CommitEventsCsv>::new();
    let cancel = ServerAction::<CancelEventsCsv>::new();
    let pending = Resource::new(
        move || (commit.version().get(), cancel.version().get()),
        |_| pending_events_csv(),
    );
    let upload_error: Signal<Option<AppError>> =
        Signal::derive(move || flash.for_form("events-csv").and_then(|f| f.error));
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
    let result = move || -> Option<EventImportOutcome> {
        if let Some(Ok(o)) = commit.value().get() {
            return Some(o);
        }
        let q = query.read();
        q.get("events_done")?;
        let n = |k: &str| q.get(k).and_then(|v| v.parse().ok()).unwrap_or(0);
        Some(EventImportOutcome {
            accepted: n("accepted"),
            duplicates: n("duplicates"),
            awarded: n("awarded"),
            skipped: n("skipped"),
        })
    };
    view! {
        <h2 id="events-csv">{lang.t("上传事件 CSV", "Upload events (CSV)")}</h2>
        <FormError error=step_error/>
        {move || result().map(|o| view! {
            <div class="banner banner-success events-done" role="status">{outcome_text(lang, &o)}</div>
        })}
        <form class="form card" method="post" action=PreviewEventsCsv::url()
            enctype="multipart/form-data" novalidate>
            <div class="field">
                <label for="events-file">{lang.t("CSV 文件", "CSV file")}</label>
                <input id="events-file" name="file" type="file" accept=".csv,text/csv"/>
                <p class="hint">{lang.t(
                    "第 1 行为表头，中英文均可：工号（external_id）、手机号（mobile）或钉钉ID（userId）三选一；指标（metric）；日期（date，YYYY-MM-DD）；数值（value，当天的读数，替换）或增量（increment，累加，须填幂等键）；幂等键（idempotency_key）。UTF-8 或 GBK 编码，最多 10000 行、4 MB。同一文件重复上传不会重复计数。",
                    "Line 1 is the header, in Chinese or English: one of external_id (工号), mobile or userId; metric; date (YYYY-MM-DD); value (the day's reading, replaces) or increment (adds; needs an idempotency_key); idempotency_key. UTF-8 or GBK, at most 10,000 lines and 4 MB. Uploading the same file again counts nothing twice.",
                )}</p>
                <FieldErrors field="file" error=upload_error/>
            </div>
            <div class="form-actions">
                <button type="submit" class="btn btn-primary">{lang.t("上传并预览", "Upload and preview")}</button>
            </div>
        </form>
        <Suspense fallback=move || loading(lang)>
            {move || pending.get().map(|r| match r {
                Err(e) => view! { <Banner kind="error" text=e.summary(lang)/> }.into_any(),
                Ok(None) => ().into_any(),
                Ok(Some(p)) => view! { <EventsPreview p=p commit=commit cancel=cancel/> }.into_any(),
            })}
        </Suspense>
    }
}

#[component]
fn EventsPreview(
    p: EventImportPreview,
    commit: ServerAction<CommitEventsCsv>,
    cancel: ServerAction<CancelEventsCsv>,
) -> impl IntoView {
    let lang = use_lang();
    let good = p.good;
    let error_count = p.errors.len();
    view! {
        <section class="card import-preview events-preview" aria-live="polite">
            <h3>{lang.t("预览", "Preview")}</h3>
            <p class="muted">{format!("{} · {}", p.file_name, p.encoding)}</p>
            <dl class="facts import-counts">
                <dt>{lang.t("数据行", "Lines")}</dt><dd data-count="lines">{p.lines}</dd>
                <dt>{lang.t("将导入", "To apply")}</dt><dd data-count="good">{good}</dd>
                <dt>{lang.t("其中已导入过（不会重复计数）", "Of which applied before (not counted again)")}</dt><dd data-count="duplicates">{p.duplicates}</dd>
                <dt>{lang.t("有错误", "Errors")}</dt><dd data-count="errors">{error_count}</dd>
            </dl>
            {(!p.first.is_empty()).then(|| view! {
                <p>{match lang {
                    Lang::Zh => format!("前 {} 行将这样导入：", p.first.len()),
                    Lang::En => format!("The first {} lines, as they will be applied:", p.first.len()),
                }}</p>
                <table class="table events-first">
                    <thead><tr>
                        <th scope="col">{lang.t("行号", "Line")}</th>
                        <th scope="col">{lang.t("员工", "Person")}</th>
                        <th scope="col">{lang.t("指标", "Metric")}</th>
                        <th scope="col">{lang.t("日期", "Date")}</th>
                        <th scope="col">{lang.t("数值（= 替换，± 增量）", "Change (= sets, ± adds)")}</th>
                        <th scope="col">{lang.t("幂等键", "Idempotency key")}</th>
                    </tr></thead>
                    <tbody>
                        {p.first.iter().map(|l| view! {
                            <tr>
                                <td>{l.line}</td>
                                <td>{format!("{}（{}）", l.name, l.who)}</td>
                                <td>{l.metric.clone()}</td>
                                <td>{l.date.clone()}</td>
                                <td>{l.change.clone()}</td>
                                <td>{l.key.clone().unwrap_or_default()}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            })}
            {(error_count > 0).then(|| view! {
                <p>{lang.t("以下行有错误，不会被导入。可以只导入其余有效的行，或修改文件后重新上传。",
                    "The lines below have errors and will not be applied. Apply the valid lines, or fix the file and upload it again.")}</p>
                <table class="table import-errors events-errors">
                    <thead><tr>
                        <th scope="col">{lang.t("行号", "Line")}</th>
                        <th scope="col">{lang.t("列", "Column")}</th>
                        <th scope="col">{lang.t("原因", "Reason")}</th>
                    </tr></thead>
                    <tbody>
                        {p.errors.iter().take(ERRORS_SHOWN).map(|e| view! {
                            <tr data-line=e.line>
                                <td>{e.line}</td>
                                <td>{e.field.clone()}</td>
                                <td>{e.message.get(lang).to_string()}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
                {(error_count > ERRORS_SHOWN).then(|| view! { <p class="muted">{lang.t("只列出前 500 行错误。", "Only the first 500 lines with errors are listed.")}</p> })}
            })}
            <div class="form-actions">
                <ActionForm action=cancel attr:class="inline-form">
                    <button type="submit" class="btn btn-ghost">{lang.t("取消", "Cancel")}</button>
                </ActionForm>
                <ActionForm action=commit attr:class="inline-form">
                    <input type="hidden" name="token" value=p.token.clone()/>
                    <button type="submit" class="btn btn-primary" disabled=move || good == 0 || commit.pending().get()>
                        {match lang {
                            Lang::Zh => format!("确认导入 {good} 行"),
                            Lang::En => format!("Apply {good} lines"),
                        }}
                    </button>
                </ActionForm>
            </div>
        </section>
    }
}
