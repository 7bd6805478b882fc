//! The events CSV upload on `/rules`: preview, then confirm. Between the two the decoded file is
//! kept in `event_imports`, named by a token in the uploader's session (as the staff import does);
//! confirming checks it again against the staff as they are then and ingests the good lines.

use crate::error::AppError;
use crate::infra::multipart;
use crate::infra::{internal, now_ms, AppState, Db};
use crate::rules::events::ingest_events;
use crate::rules::events_csv::{file_error, plan_for, Plan};
use crate::rules::types::{EventImportOutcome, EventImportPreview};
use crate::session::AdminInfo;
use crate::with_db;
use leptos::server_fn::codec::MultipartData;
use medal_core::csv::decode;
use medal_core::Msg;
use tower_sessions::Session;

/// The largest events file the form takes (the request body limit is 4 MB).
pub const MAX_EVENTS_BYTES: usize = 4 * 1024 * 1024 - 64 * 1024;

const SESSION_KEY: &str = "event_import_token";

const KEEP_MS: i64 = 24 * 3600 * 1000;

async fn read_upload(data: MultipartData) -> Result<(String, Vec<u8>), AppError> {
    let form = multipart::read(data, &["file"], MAX_EVENTS_BYTES).await?;
    match form.file("file") {
        Some(f) if f.too_big => Err(file_error(
            "文件太大（最多 4 MB），请分成几个文件上传。",
            "The file is too big (4 MB at most); upload it in parts.",
        )),
        Some(f) => {
            let name = if f.file_name.is_empty() {
                "events.csv"
            } else {
                f.file_name.as_str()
            };
            Ok((name.chars().take(200).collect(), f.bytes.clone()))
        }
        None if form.files_named("file") => Err(file_error(
            "上传的文件是空的。",
            "The uploaded file is empty.",
        )),
        None => Err(file_error(
            "请选择要上传的 CSV 文件。",
            "Choose a CSV file to upload.",
        )),
    }
}

fn preview_of(token: &str, file_name: &str, encoding: &str, plan: Plan) -> EventImportPreview {
    EventImportPreview {
        token: token.to_string(),
        file_name: file_name.to_string(),
        encoding: encoding.to_string(),
        lines: plan.lines,
        good: plan.good,
        duplicates: plan.duplicates,
        first: plan.first,
        errors: plan.errors,
    }
}

/// Step 1: reads and checks the upload, keeps it, and returns the preview. No fact is written.
pub async fn preview_from_form(
    db: &Db,
    admin: &AdminInfo,
    session: &Session,
    data: MultipartData,
) -> Result<EventImportPreview, AppError> {
    let (file_name, bytes) = read_upload(data).await?;
    let (text, encoding) = decode(&bytes);
    let plan = plan_for(db, &text).await?;
    let token = uuid::Uuid::new_v4().simple().to_string();
    let now = now_ms();
    with_db!(db, p => sqlx::query("DELETE FROM event_imports WHERE created_at < $1 OR admin_id = $2")
        .bind(now - KEEP_MS).bind(admin.id).execute(p).await.map(|_| ()))
    .map_err(AppError::from)?;
    with_db!(db, p => sqlx::query(
        "INSERT INTO event_imports (token, admin_id, file_name, encoding, content, created_at) VALUES ($1, $2, $3, $4, $5, $6)")
        .bind(&token).bind(admin.id).bind(&file_name).bind(encoding).bind(&text).bind(now)
        .execute(p).await.map(|_| ()))
    .map_err(AppError::from)?;
    session
        .insert(SESSION_KEY, token.clone())
        .await
        .map_err(internal)?;
    Ok(preview_of(&token, &file_name, encoding, plan))
}

#[derive(sqlx::FromRow)]
struct Kept {
    token: String,
    file_name: String,
    encoding: String,
    content: String,
}

async fn kept(db: &Db, admin: &AdminInfo, session: &Session) -> Result<Option<Kept>, AppError> {
    let Some(token) = session.get::<String>(SESSION_KEY).await.map_err(internal)? else {
        return Ok(None);
    };
    with_db!(db, p => sqlx::query_as::<_, Kept>(
        "SELECT token, file_name, encoding, content FROM event_imports WHERE token = $1 AND admin_id = $2")
        .bind(&token).bind(admin.id).fetch_optional(p).await)
    .map_err(AppError::from)
}

/// The preview of the upload this session keeps, checked against the staff as they are now.
pub async fn pending_preview(
    db: &Db,
    admin: &AdminInfo,
    session: &Session,
) -> Result<Option<EventImportPreview>, AppError> {
    let Some(k) = kept(db, admin, session).await? else {
        return Ok(None);
    };
    let plan = plan_for(db, &k.content).await?;
    Ok(Some(preview_of(&k.token, &k.file_name, &k.encoding, plan)))
}

/// Step 2: ingests the good lines of the kept upload, if `token` still names it; the rules on the
/// metrics touched are evaluated by the ingest.
pub async fn commit_pending(
    st: &AppState,
    admin: &AdminInfo,
    session: &Session,
    token: &str,
) -> Result<EventImportOutcome, AppError> {
    let db = &st.db;
    let k = kept(db, admin, session)
        .await?
        .filter(|k| k.token == token)
        .ok_or_else(|| {
            AppError::Conflict(Msg::new(
                "这次上传已完成或已过期，请重新上传文件。",
                "This upload is done or expired; upload the file again.",
            ))
        })?;
    let plan = plan_for(db, &k.content).await?;
    let done = ingest_events(st, plan.events).await?;
    let o = EventImportOutcome {
        accepted: done.accepted,
        duplicates: done.duplicates,
        awarded: done.awarded,
        skipped: plan.unreadable + done.errors.len() as u64,
    };
    with_db!(db, p => sqlx::query("DELETE FROM event_imports WHERE token = $1")
        .bind(&k.token).execute(p).await.map(|_| ()))
    .map_err(AppError::from)?;
    session
        .remove::<String>(SESSION_KEY)
        .await
        .map_err(internal)?;
    crate::infra::audit::audit(
        db,
        admin,
        "rules.events_import",
        "events",
        0,
        None,
        Some(serde_json::json!({
            "file": k.file_name, "accepted": o.accepted, "duplicates": o.duplicates,
            "awarded": o.awarded, "skipped": o.skipped,
        })),
    )
    .await?;
    Ok(o)
}

/// Forgets the kept upload.
pub async fn cancel_pending(db: &Db, admin: &AdminInfo, session: &Session) -> Result<(), AppError> {
    with_db!(db, p => sqlx::query("DELETE FROM event_imports WHERE admin_id = $1")
        .bind(admin.id).execute(p).await.map(|_| ()))
    .map_err(AppError::from)?;
    session
        .remove::<String>(SESSION_KEY)
        .await
        .map_err(internal)?;
    Ok(())
}
