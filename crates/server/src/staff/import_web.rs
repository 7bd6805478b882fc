//! The import from the web form (preview, then confirm) and the CLI.

use crate::error::AppError;
use crate::infra::audit::record;
use crate::infra::internal;
use crate::infra::multipart;
use crate::infra::now_ms;
use crate::infra::Db;
use crate::session::AdminInfo;
use crate::staff::csv::decode;
use crate::staff::csv::file_error;
use crate::staff::import::apply;
use crate::staff::import::outcome;
use crate::staff::import::outcome_json;
use crate::staff::import::plan_for;
use crate::staff::import::Plan;
use crate::staff::ImportOutcome;
use crate::staff::ImportPreview;
use crate::staff::ImportRowError;
use crate::with_db;
use leptos::server_fn::codec::MultipartData;
use medal_core::Msg;
use tower_sessions::Session;

/// The largest import file the web form takes (the request body limit is 4 MB); the CLI has none.
pub const MAX_IMPORT_BYTES: usize = 4 * 1024 * 1024 - 64 * 1024;

const SESSION_IMPORT: &str = "staff_import_token";

const KEEP_IMPORT_MS: i64 = 24 * 3600 * 1000;

async fn read_upload(data: MultipartData) -> Result<(String, Vec<u8>), AppError> {
    let form = multipart::read(data, &["file"], MAX_IMPORT_BYTES).await?;
    match form.file("file") {
        Some(f) if f.too_big => Err(file_error(
            "文件太大（网页导入最多 4 MB）；更大的文件请用命令 medals staff import。",
            "The file is too big (4 MB at most here); use `medals staff import` for larger files.",
        )),
        Some(f) => {
            let name = if f.file_name.is_empty() {
                "staff.csv"
            } else {
                f.file_name.as_str()
            };
            Ok((name.to_string(), f.bytes.clone()))
        }
        None if form.files_named("file") => Err(file_error(
            "上传的文件是空的。",
            "The uploaded file is empty.",
        )),
        None => Err(file_error(
            "请选择要导入的 CSV 文件。",
            "Choose a CSV file to import.",
        )),
    }
}

fn preview_of(token: &str, file_name: &str, encoding: &str, plan: Plan) -> ImportPreview {
    ImportPreview {
        token: token.to_string(),
        file_name: file_name.to_string(),
        encoding: encoding.to_string(),
        new: plan.new,
        updated: plan.updated,
        unchanged: plan.unchanged,
        errors: plan.errors,
    }
}

/// Step 1: reads and checks the upload, keeps it, and returns the preview.
pub async fn preview_from_form(
    db: &Db,
    admin: &AdminInfo,
    session: &Session,
    data: MultipartData,
) -> Result<ImportPreview, AppError> {
    let (file_name, bytes) = read_upload(data).await?;
    let (text, encoding) = decode(&bytes);
    let plan = plan_for(db, &text).await?;
    let token = uuid::Uuid::new_v4().simple().to_string();
    let now = now_ms();
    let file_name: String = file_name.chars().take(200).collect();
    with_db!(db, p => sqlx::query("DELETE FROM staff_imports WHERE created_at < $1 OR admin_id = $2")
        .bind(now - KEEP_IMPORT_MS).bind(admin.id).execute(p).await.map(|_| ()))
    .map_err(AppError::from)?;
    with_db!(db, p => sqlx::query(
        "INSERT INTO staff_imports (token, admin_id, file_name, encoding, content, created_at) VALUES ($1, $2, $3, $4, $5, $6)")
        .bind(&token).bind(admin.id).bind(&file_name).bind(encoding).bind(&text).bind(now)
        .execute(p).await.map(|_| ()))
    .map_err(AppError::from)?;
    session
        .insert(SESSION_IMPORT, token.clone())
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
    let Some(token) = session
        .get::<String>(SESSION_IMPORT)
        .await
        .map_err(internal)?
    else {
        return Ok(None);
    };
    with_db!(db, p => sqlx::query_as::<_, Kept>(
        "SELECT token, file_name, encoding, content FROM staff_imports WHERE token = $1 AND admin_id = $2")
        .bind(&token).bind(admin.id).fetch_optional(p).await)
    .map_err(AppError::from)
}

/// The preview of the upload this session keeps, computed against the table as it is now.
pub async fn pending_preview(
    db: &Db,
    admin: &AdminInfo,
    session: &Session,
) -> Result<Option<ImportPreview>, AppError> {
    let Some(k) = kept(db, admin, session).await? else {
        return Ok(None);
    };
    let plan = plan_for(db, &k.content).await?;
    Ok(Some(preview_of(&k.token, &k.file_name, &k.encoding, plan)))
}

/// Step 2: imports the valid rows of the kept upload, if `token` still names it.
pub async fn commit_pending(
    db: &Db,
    admin: &AdminInfo,
    session: &Session,
    token: &str,
) -> Result<ImportOutcome, AppError> {
    let k = kept(db, admin, session)
        .await?
        .filter(|k| k.token == token)
        .ok_or_else(|| {
            AppError::Conflict(Msg::new(
                "这次导入已完成或已过期，请重新上传文件。",
                "This import is done or expired; upload the file again.",
            ))
        })?;
    let plan = plan_for(db, &k.content).await?;
    apply(db, &plan).await?;
    let o = outcome(&plan);
    with_db!(db, p => sqlx::query("DELETE FROM staff_imports WHERE token = $1")
        .bind(&k.token).execute(p).await.map(|_| ()))
    .map_err(AppError::from)?;
    session
        .remove::<String>(SESSION_IMPORT)
        .await
        .map_err(internal)?;
    record(
        db,
        Some(admin.id),
        &admin.username,
        "staff.import",
        "staff",
        None,
        None,
        Some(outcome_json(&k.file_name, &o)),
    )
    .await?;
    Ok(o)
}

/// Forgets the kept upload.
pub async fn cancel_pending(db: &Db, admin: &AdminInfo, session: &Session) -> Result<(), AppError> {
    with_db!(db, p => sqlx::query("DELETE FROM staff_imports WHERE admin_id = $1")
        .bind(admin.id).execute(p).await.map(|_| ()))
    .map_err(AppError::from)?;
    session
        .remove::<String>(SESSION_IMPORT)
        .await
        .map_err(internal)?;
    Ok(())
}

/// What `medals staff import` did.
pub struct CliImport {
    pub encoding: &'static str,
    pub outcome: ImportOutcome,
    pub errors: Vec<ImportRowError>,
}

/// `medals staff import FILE.csv`: the same rules as the web import, without the preview step.
/// Valid rows are imported (in one transaction); rows with errors are returned for printing.
pub async fn import_file(db: &Db, bytes: &[u8], file_name: &str) -> Result<CliImport, AppError> {
    let (text, encoding) = decode(bytes);
    let plan = plan_for(db, &text).await?;
    apply(db, &plan).await?;
    let o = outcome(&plan);
    record(
        db,
        None,
        "cli",
        "staff.import",
        "staff",
        None,
        None,
        Some(outcome_json(file_name, &o)),
    )
    .await?;
    Ok(CliImport {
        encoding,
        outcome: o,
        errors: plan.errors,
    })
}
