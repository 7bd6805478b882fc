//! The staff list as CSV.

use crate::error::AppError;
use crate::infra::AppState;
use crate::infra::Db;
use crate::session::auth::require_session;
use crate::staff::db::where_clause;
use crate::staff::db::StaffRow;
use crate::staff::db::SELECT;
use crate::staff::StaffFilter;
use crate::with_db;
use axum::extract::{Query, State};
use axum::response::Response;
use medal_core::Role;
use tower_sessions::Session;

/// The filtered list as CSV (UTF-8 with a BOM, so spreadsheet programs read Chinese right), with
/// the same headers the import reads.
pub async fn export(db: &Db, f: &StaffFilter) -> Result<Vec<u8>, AppError> {
    let (cond, [a, b, c]) = where_clause(f, db);
    let sql = format!("{SELECT} WHERE {cond} ORDER BY name, id");
    let rows = with_db!(db, p => sqlx::query_as::<_, StaffRow>(&sql)
        .bind(&a).bind(&b).bind(&c).fetch_all(p).await)
    .map_err(AppError::from)?;
    let mut w = crate::infra::csv::CsvExport::default();
    w.row(["姓名", "手机号", "部门", "工号", "钉钉ID", "状态"])?;
    for r in &rows {
        w.row([
            r.name.as_str(),
            r.mobile.as_deref().unwrap_or(""),
            r.department.as_str(),
            r.external_id.as_deref().unwrap_or(""),
            r.dingtalk_user_id.as_deref().unwrap_or(""),
            if r.active { "在职" } else { "停用" },
        ])?;
    }
    w.finish()
}

/// `GET /staff/export.csv?q=&status=`: viewers and up.
pub async fn export_csv(
    State(st): State<AppState>,
    session: Session,
    Query(f): Query<StaffFilter>,
) -> Response {
    let r = async {
        require_session(&st.db, &session, Role::Viewer).await?;
        let _slot = crate::infra::bulk_slot(&st)?;
        export(&st.db, &f).await
    }
    .await;
    crate::infra::csv::csv_download(r, "staff.csv", "/staff", medal_core::Lang::Zh)
}
