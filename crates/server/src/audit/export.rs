//! `GET /audit.csv?<filter>`: the filtered audit log as CSV, newest first, at most
//! [`CSV_CAP`] rows (a last row says so when the log has more). Owners and admins.

use crate::audit::db::each;
use crate::audit::labels::{action_label, object_label, side_text};
use crate::audit::AuditFilter;
use crate::audit::CSV_CAP;
use crate::error::AppError;
use crate::infra::AppState;
use crate::infra::Db;
use crate::session::auth::require_session;
use axum::extract::{Query, State};
use axum::response::Response;
use medal_core::{Lang, Role};
use tower_sessions::Session;

pub async fn export(db: &Db, f: &AuditFilter, lang: Lang, cap: usize) -> Result<Vec<u8>, AppError> {
    let mut w = crate::infra::csv::CsvExport::default();
    w.row([
        lang.t("编号", "Id"),
        lang.t("时间（北京时间）", "Time (China)"),
        lang.t("操作人", "Actor"),
        lang.t("操作", "Action"),
        lang.t("动作代码", "Action code"),
        lang.t("对象类型", "Object type"),
        lang.t("对象编号", "Object id"),
        lang.t("变更前", "Before"),
        lang.t("变更后", "After"),
    ])?;
    // one row past the cap tells whether the file was cut; it is not written
    let mut written = 0;
    let n = each(db, f, cap + 1, |r| {
        written += 1;
        if written > cap {
            return Ok(());
        }
        let e = r.entry();
        w.row([
            e.id.to_string().as_str(),
            &medal_core::time::fmt_time(e.at),
            &e.actor,
            &action_label(lang, &e.action),
            &e.action,
            &object_label(lang, &e.object_type),
            e.object_id.as_deref().unwrap_or(""),
            &side_text(&e.changes, true),
            &side_text(&e.changes, false),
        ])
    })
    .await?;
    if n > cap {
        let note = crate::infra::csv::cut_note(lang, cap);
        // as many cells as the header (the file stays one table)
        w.row([note.as_str(), "", "", "", "", "", "", "", ""])?;
    }
    w.finish()
}

/// `GET /audit.csv?<filter>`: owners and admins.
pub async fn export_csv(
    State(st): State<AppState>,
    session: Session,
    headers: axum::http::HeaderMap,
    Query(f): Query<AuditFilter>,
) -> Response {
    let lang = crate::i18n::lang_from_headers(&headers);
    let r = async {
        require_session(&st.db, &session, Role::Admin).await?;
        let _slot = crate::infra::bulk_slot(&st)?;
        export(&st.db, &f, lang, CSV_CAP).await
    }
    .await;
    crate::infra::csv::csv_download(r, "audit.csv", "/audit", lang)
}
