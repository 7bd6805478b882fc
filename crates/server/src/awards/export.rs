//! The filtered awards as CSV.

use crate::awards::db::fetch_all_as;
use crate::awards::db::where_clause;
use crate::awards::db::AwardRow;
use crate::awards::db::SELECT;
use crate::awards::stats::public_base;
use crate::awards::AwardFilter;
use crate::error::AppError;
use crate::infra::now_ms;
use crate::infra::AppState;
use crate::infra::Db;
use crate::session::auth::require_session;
use crate::with_db;
use axum::extract::{Query, State};
use axum::response::Response;
use medal_core::{Lang, Role};
use tower_sessions::Session;

/// The filtered awards as CSV (UTF-8 with BOM), newest first, all pages up to `cap` rows (then a
/// last row says it was cut).
pub async fn export(
    db: &Db,
    f: &AwardFilter,
    lang: Lang,
    base: &str,
    cap: usize,
) -> Result<Vec<u8>, AppError> {
    let now = now_ms();
    let (cond, params) = where_clause(f, db, now)?;
    let sql = format!(
        "{SELECT} WHERE {cond} ORDER BY a.awarded_at DESC, a.id DESC LIMIT {}",
        cap + 1
    );
    let mut rows = fetch_all_as!(db, AwardRow, &sql, params)?;
    let cut = rows.len() > cap;
    rows.truncate(cap);
    let mut w = crate::infra::csv::CsvExport::default();
    w.row([
        lang.t("勋章", "Medal"),
        lang.t("等级", "Tier"),
        lang.t("姓名", "Name"),
        lang.t("部门", "Department"),
        lang.t("理由", "Reason"),
        lang.t("颁发时间", "Awarded at"),
        lang.t("到期时间", "Expires at"),
        lang.t("颁发人", "Awarded by"),
        lang.t("状态", "Status"),
        lang.t("撤销理由", "Revoke reason"),
        lang.t("公开链接", "Public link"),
    ])?;
    for r in &rows {
        let a = r.item(now);
        w.row([
            a.medal_name.as_str(),
            a.tier.label(lang),
            a.staff_name.as_str(),
            a.department.as_str(),
            a.reason.as_str(),
            &crate::ui::fmt_time(a.awarded_at),
            &a.expires_at.map(crate::ui::fmt_time).unwrap_or_default(),
            a.awarded_by.as_str(),
            a.status.label(lang),
            a.revoke_reason.as_deref().unwrap_or(""),
            &format!("{base}/a/{}", a.public_token),
        ])?;
    }
    if cut {
        let note = crate::infra::csv::cut_note(lang, cap);
        w.row([note.as_str(), "", "", "", "", "", "", "", "", "", ""])?;
    }
    w.finish()
}

/// `GET /awards/export.csv?<filter>`: viewers and up.
pub async fn export_csv(
    State(st): State<AppState>,
    session: Session,
    headers: axum::http::HeaderMap,
    Query(f): Query<AwardFilter>,
) -> Response {
    let lang = crate::i18n::lang_from_headers(&headers);
    let r = async {
        require_session(&st.db, &session, Role::Viewer).await?;
        let _slot = crate::infra::bulk_slot(&st)?;
        let base = public_base(&st.db, &st.config).await?;
        export(&st.db, &f, lang, &base, crate::infra::csv::EXPORT_CAP).await
    }
    .await;
    crate::infra::csv::csv_download(r, "awards.csv", "/awards", lang)
}
