//! The award form as posted (multipart).

use crate::awards::db::bad_filter;
use crate::awards::give::give;
use crate::awards::give::Batch;
use crate::awards::give::Recipient;
use crate::awards::recipients::recipients_from_csv;
use crate::awards::AwardOutcome;
use crate::error::AppError;
use crate::infra::multipart;
use crate::infra::Db;
use crate::session::AdminInfo;
use crate::with_db;
use leptos::server_fn::codec::MultipartData;
use medal_core::Msg;
use std::collections::BTreeMap;

/// The largest recipients CSV the form takes.
const MAX_CSV_BYTES: usize = 3 * 1024 * 1024;

/// The award form as posted.
#[derive(Default)]
pub struct Posted {
    pub values: BTreeMap<String, String>,
    pub staff: Vec<String>,
    pub departments: Vec<String>,
    pub file: Option<Vec<u8>>,
}

pub async fn read_form(data: MultipartData) -> Result<Posted, AppError> {
    let form = multipart::read(data, &["file"], MAX_CSV_BYTES).await?;
    let file = match form.file("file") {
        Some(f) if f.too_big => {
            return Err(AppError::field(
                "file",
                Msg::new(
                    "名单文件太大（最多 3 MB）。",
                    "The list is too big (3 MB at most).",
                ),
            ))
        }
        f => f.map(|f| f.bytes.clone()),
    };
    Ok(Posted {
        values: form.text_map(&["staff", "department"]),
        staff: form.values("staff"),
        departments: form.values("department"),
        file,
    })
}

/// Where the browser goes after awarding: the one award, or the batch.
pub fn after_award_url(o: &AwardOutcome) -> String {
    if let Some(id) = o.single_id {
        format!("/awards/{id}?given=1")
    } else {
        format!("/awards?batch={}&given={}", o.batch_id, o.awarded)
    }
}

/// The share form for a batch, when it is small enough to share in one go.
pub async fn share_url(db: &Db, batch_id: &str) -> Result<Option<String>, AppError> {
    let ids = with_db!(db, p => sqlx::query_scalar::<_, i64>(
        "SELECT id FROM awards WHERE batch_id = $1 ORDER BY id LIMIT $2")
        .bind(batch_id).bind(crate::shares::card::MAX_AWARDS as i64 + 1).fetch_all(p).await)
    .map_err(AppError::from)?;
    Ok((ids.len() <= crate::shares::card::MAX_AWARDS).then(|| {
        let list = ids
            .iter()
            .map(|i| i.to_string())
            .collect::<Vec<_>>()
            .join(",");
        format!("/shares/new?awards={list}")
    }))
}

pub async fn give_posted(
    db: &Db,
    admin: &AdminInfo,
    posted: &Posted,
) -> Result<AwardOutcome, AppError> {
    let v = |k: &str| posted.values.get(k).map(|s| s.trim()).unwrap_or("");
    let medal_id = v("medal_id").parse::<i64>().map_err(|_| {
        bad_filter(
            "medal_id",
            "请选择要颁发的勋章",
            "Choose the medal to award",
        )
    })?;
    let mut recipients = Vec::new();
    for s in &posted.staff {
        for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let id = part
                .parse::<i64>()
                .map_err(|e| AppError::Malformed(e.to_string()))?;
            recipients.push(Recipient {
                staff_id: id,
                reason: None,
            });
        }
    }
    for d in posted
        .departments
        .iter()
        .map(|d| d.trim())
        .filter(|d| !d.is_empty())
    {
        let ids = with_db!(db, p => sqlx::query_scalar::<_, i64>(
            "SELECT id FROM staff WHERE active = TRUE AND department = $1 ORDER BY id")
            .bind(d).fetch_all(p).await)
        .map_err(AppError::from)?;
        if ids.is_empty() {
            return Err(AppError::field(
                "department",
                Msg::new(
                    format!("部门「{d}」没有在职员工。"),
                    format!("Department “{d}” has no active staff."),
                ),
            ));
        }
        recipients.extend(ids.into_iter().map(|staff_id| Recipient {
            staff_id,
            reason: None,
        }));
    }
    if let Some(bytes) = &posted.file {
        let has_default = !v("reason").is_empty();
        recipients.extend(recipients_from_csv(db, bytes, has_default).await?);
    }
    give(
        db,
        admin,
        Batch {
            medal_id,
            reason: v("reason").to_string(),
            recipients,
            skip_holders: !v("skip_holders").is_empty(),
        },
    )
    .await
}

/// The form's "tell the winners" choice: none, or a channel of [`crate::shares::direct`].
pub fn tell_channel(posted: &Posted) -> Result<Option<String>, AppError> {
    let v = posted.values.get("tell").map(|s| s.trim()).unwrap_or("");
    if v.is_empty() {
        return Ok(None);
    }
    if crate::shares::direct::valid_channel(v) {
        Ok(Some(v.to_string()))
    } else {
        Err(AppError::field(
            "tell",
            Msg::new("请选择告诉获奖者的方式", "Choose how to tell the winners"),
        ))
    }
}

/// Queues the 1:1 messages for a batch just given; the query the next page shows them by
/// (`&told=N&untold=K&untold_names=…`). The awards stand whatever happens here: a failure is
/// logged and the page says nobody was told.
pub async fn tell_winners(
    st: &crate::infra::AppState,
    admin: &AdminInfo,
    o: &AwardOutcome,
    channel: &str,
) -> String {
    let told = match crate::awards::give::batch_award_ids(&st.db, &o.batch_id).await {
        Ok(ids) => crate::shares::direct::queue(st, Some(admin.id), &ids, channel).await,
        Err(e) => Err(e),
    };
    let told = told.unwrap_or_else(|e| {
        tracing::warn!(error = ?e, batch = o.batch_id, "telling the winners");
        Default::default()
    });
    let names: String = told
        .without_userid
        .iter()
        .take(10)
        .cloned()
        .collect::<Vec<_>>()
        .join("、");
    let names: String = url::form_urlencoded::byte_serialize(names.as_bytes()).collect();
    format!(
        "&told={}&untold={}&untold_names={names}",
        told.people,
        told.without_userid.len()
    )
}
