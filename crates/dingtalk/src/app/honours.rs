//! Organisation honours (组织荣誉): the request and answer types and the [`AppClient`] calls
//! that create, list, grant and revoke them.

use std::time::{Duration, SystemTime};

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::AppClient;
use crate::error::{Error, ErrorKind, Result};

/// Most recipients per grant call.
pub const MAX_GRANT_RECIPIENTS: usize = 10;
/// Most groups notified by one grant.
pub const MAX_GRANT_GROUPS: usize = 5;
/// Most characters of an honour's name.
pub const MAX_HONOUR_NAME_CHARS: usize = 10;
/// Most characters of an honour's description.
pub const MAX_HONOUR_DESC_CHARS: usize = 30;
/// Most characters of a grant's citation.
pub const MAX_GRANT_REASON_CHARS: usize = 100;
/// The background colours an honour may have.
pub const HONOUR_BG_COLOURS: &[&str] = &[
    "#FFFBB4", "#FFE7BC", "#FFDAF4", "#DAF6A8", "#E4D7FF", "#BFDFFF", "#B9F2D6",
];

/// Whether `s` has an emoji (DingTalk refuses them in honour names and descriptions).
pub fn has_emoji(s: &str) -> bool {
    s.chars()
        .any(|c| matches!(c as u32, 0x1F000..=0x1FAFF | 0x2600..=0x27BF | 0xFE0F))
}

/// Medal template for [`AppClient::create_honour`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewHonour {
    /// ≤ 10 characters.
    #[serde(rename = "medalName")]
    pub name: String,
    /// ≤ 30 characters.
    #[serde(rename = "medalDesc")]
    pub description: String,
    /// Media id of the 900×900 PNG medal image (≤ 1 MB).
    #[serde(rename = "medalMediaId")]
    pub medal_media_id: String,
    /// Media id of the 240×240 avatar pendant.
    #[serde(rename = "avatarFrameMediaId")]
    pub avatar_frame_media_id: String,
    /// One of DingTalk's 7 background colours.
    #[serde(rename = "defaultBgColor")]
    pub bg_color: String,
    /// The creating user.
    #[serde(rename = "userId")]
    pub creator_user_id: String,
}

/// An honour that can be granted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Honour {
    #[serde(rename = "honorId")]
    pub honor_id: String,
    #[serde(rename = "honorName")]
    pub name: String,
    #[serde(rename = "honorDesc", default)]
    pub description: String,
    #[serde(rename = "honorImgUrl", default)]
    pub image_url: String,
    #[serde(rename = "honorPendantImgUrl", default)]
    pub pendant_url: String,
}

/// A grant request; [`AppClient::grant_honour`] splits it into calls of ≤ 10 recipients.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HonourGrant {
    pub honor_id: String,
    pub sender_user_id: String,
    /// Display name of the granter.
    pub granter_name: String,
    /// ≤ 100 characters.
    pub reason: String,
    pub receiver_user_ids: Vec<String>,
    /// 1–366 days; `None` for no expiry.
    pub expire_days: Option<u32>,
    /// ≤ 5 groups the sender belongs to.
    pub notify_conversation_ids: Vec<String>,
    pub notify_single: bool,
}

/// Outcome of a (possibly chunked) grant.
#[derive(Debug, Clone, Default)]
pub struct GrantReport {
    pub succeeded: Vec<String>,
    pub failed: Vec<String>,
    /// Chunks whose call failed, with the error (recipients not granted).
    pub errors: Vec<(Vec<String>, Error)>,
}

impl GrantReport {
    pub fn is_complete(&self) -> bool {
        self.failed.is_empty() && self.errors.is_empty()
    }
}

impl AppClient {
    /// Creates a medal template (reviewed by DingTalk); returns its `honorId`.
    pub async fn create_honour(&self, honour: &NewHonour) -> Result<String> {
        let invalid = |why: String| Error::new(ErrorKind::InvalidParameter, why);
        if honour.name.trim().is_empty() || honour.name.chars().count() > MAX_HONOUR_NAME_CHARS {
            return Err(invalid(format!(
                "the honour name must have 1 to {MAX_HONOUR_NAME_CHARS} characters"
            )));
        }
        if honour.description.chars().count() > MAX_HONOUR_DESC_CHARS {
            return Err(invalid(format!(
                "the honour description has at most {MAX_HONOUR_DESC_CHARS} characters"
            )));
        }
        if has_emoji(&honour.name) || has_emoji(&honour.description) {
            return Err(invalid(
                "honour names and descriptions cannot have emoji".into(),
            ));
        }
        if !HONOUR_BG_COLOURS.contains(&honour.bg_color.as_str()) {
            return Err(invalid(format!(
                "the background colour is one of {}",
                HONOUR_BG_COLOURS.join(" ")
            )));
        }
        if honour.medal_media_id.is_empty() || honour.avatar_frame_media_id.is_empty() {
            return Err(invalid(
                "the medal image and the pendant are both needed".into(),
            ));
        }
        let body = serde_json::to_value(honour)
            .map_err(|e| Error::new(ErrorKind::InvalidMessage, e.to_string()))?;
        let v = self
            .v1(
                reqwest::Method::POST,
                "v1.0/orgCulture/honors/templates",
                Some(&body),
            )
            .await?;
        v.pointer("/result/honorId")
            .and_then(Value::as_str)
            .map(str::to_owned)
            .ok_or_else(|| Error::new(ErrorKind::ServerError, "answer lacks result.honorId"))
    }

    /// All honours the organisation can grant (follows `nextToken`).
    pub async fn list_honours(&self) -> Result<Vec<Honour>> {
        let mut out = Vec::new();
        let mut next = String::from("0");
        for _ in 0..1000 {
            let path = format!(
                "v1.0/orgCulture/organizations/honors?nextToken={}&maxResults=20",
                crate::sign::urlencode(&next)
            );
            let v = self.v1(reqwest::Method::GET, &path, None).await?;
            let page: Vec<Honour> = v
                .pointer("/result/openHonors")
                .cloned()
                .map(serde_json::from_value)
                .transpose()
                .map_err(|e| Error::new(ErrorKind::ServerError, format!("honour list: {e}")))?
                .unwrap_or_default();
            out.extend(page);
            match v.pointer("/result/nextToken").and_then(Value::as_str) {
                Some(t) if !t.is_empty() && t != next => next = t.to_owned(),
                _ => break,
            }
        }
        Ok(out)
    }

    /// Grants an honour in chunks of ≤ 10 recipients. Grants from one sender never run
    /// concurrently within this process (DingTalk forbids it); chunks that fail are reported
    /// in [`GrantReport::errors`] and the others still go out.
    pub async fn grant_honour(&self, grant: &HonourGrant) -> Result<GrantReport> {
        let invalid = |why: String| Error::new(ErrorKind::InvalidParameter, why);
        if grant.receiver_user_ids.is_empty() {
            return Err(invalid("no recipients".into()));
        }
        if grant.reason.chars().count() > 100 {
            return Err(invalid("the citation has at most 100 characters".into()));
        }
        if let Some(d) = grant.expire_days {
            if !(1..=366).contains(&d) {
                return Err(invalid("the expiry must be 1 to 366 days".into()));
            }
        }
        if grant.notify_conversation_ids.len() > MAX_GRANT_GROUPS {
            return Err(invalid(format!(
                "at most {MAX_GRANT_GROUPS} groups can be notified"
            )));
        }
        let lock = {
            let mut locks = self
                .inner
                .grant_locks
                .lock()
                .unwrap_or_else(|p| p.into_inner());
            locks
                .entry(grant.sender_user_id.clone())
                .or_default()
                .clone()
        };
        let _one_at_a_time = lock.lock().await;
        let expiration = grant.expire_days.map(|d| {
            let t = SystemTime::now() + Duration::from_secs(u64::from(d) * 86_400);
            t.duration_since(SystemTime::UNIX_EPOCH)
                .map(|d| d.as_millis() as i64)
                .unwrap_or(0)
        });
        let path = format!(
            "v1.0/orgCulture/honors/{}/grant",
            crate::sign::urlencode(&grant.honor_id)
        );
        let mut report = GrantReport::default();
        for chunk in grant.receiver_user_ids.chunks(MAX_GRANT_RECIPIENTS) {
            let mut body = json!({
                "senderUserId": grant.sender_user_id,
                "grantReason": grant.reason,
                "granterName": grant.granter_name,
                "noticeSingle": grant.notify_single,
                "noticeAnnouncer": false,
                "openConversationIds": grant.notify_conversation_ids,
                "receiverUserIds": chunk,
            });
            if let Some(ms) = expiration {
                body["expirationTime"] = json!(ms);
            }
            match self.v1(reqwest::Method::POST, &path, Some(&body)).await {
                Ok(v) => {
                    let list = |p: &str| -> Vec<String> {
                        v.pointer(p)
                            .and_then(Value::as_array)
                            .map(|a| {
                                a.iter()
                                    .filter_map(Value::as_str)
                                    .map(str::to_owned)
                                    .collect()
                            })
                            .unwrap_or_default()
                    };
                    report.succeeded.extend(list("/result/successUserIds"));
                    report.failed.extend(list("/result/failedUserIds"));
                }
                Err(e) => report.errors.push((chunk.to_vec(), e)),
            }
        }
        Ok(report)
    }

    /// Takes a granted honour back from a user.
    pub async fn revoke_honour(&self, honor_id: &str, user_id: &str) -> Result<()> {
        let path = format!(
            "v1.0/orgCulture/honors/{}/recall",
            crate::sign::urlencode(honor_id)
        );
        self.v1(
            reqwest::Method::POST,
            &path,
            Some(&json!({ "userId": user_id })),
        )
        .await?;
        Ok(())
    }

    /// The honour ids a user currently holds.
    pub async fn user_honours(&self, user_id: &str) -> Result<Vec<String>> {
        let path = format!(
            "v1.0/orgCulture/honors/users/{}?nextToken=0&maxResults=100",
            crate::sign::urlencode(user_id)
        );
        let v = self.v1(reqwest::Method::GET, &path, None).await?;
        Ok(v.pointer("/result/honors")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|h| h.get("honorId").and_then(Value::as_str))
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default())
    }
}
