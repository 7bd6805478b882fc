//! The internal app: access token, group messages as the app's robot, user lookup, attendance
//! results (考勤), groups it makes and messages by chatid, and the organisation honour (组织荣誉)
//! APIs.

pub mod attendance;
mod cards;
mod chat;
mod direct;
mod honours;
mod media;
mod transport;

pub use attendance::{
    AttendancePage, AttendanceQuery, AttendanceRecord, AttendanceWindow, CheckType, Pace,
    TimeResult,
};
pub use cards::{
    CardDelivered, CardSpace, TemplateCard, MAX_CARD_KEY_BYTES, MAX_CARD_RECEIVERS,
    MAX_CARD_VALUE_BYTES,
};
pub use chat::{
    ChatCreated, NewChat, MAX_CHAT_MEMBERS, MAX_CHAT_MEMBERS_PER_CALL, MAX_CHAT_NAME_CHARS,
    MAX_SCENE_GROUP_MEMBERS,
};
pub use direct::{DirectReport, MAX_NOTICE_USERS, MAX_OTO_USERS};
pub use honours::{
    has_emoji, GrantReport, Honour, HonourGrant, NewHonour, HONOUR_BG_COLOURS, MAX_GRANT_GROUPS,
    MAX_GRANT_REASON_CHARS, MAX_GRANT_RECIPIENTS, MAX_HONOUR_DESC_CHARS, MAX_HONOUR_NAME_CHARS,
};
pub use media::MAX_IMAGE_BYTES;

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use serde_json::{json, Value};

use crate::error::{Error, ErrorKind, Result};
use crate::message::{AppMessage, MAX_APP_MSG_PARAM_BYTES};
use crate::robot::ClientConfig;

/// The `msgKey` and the `msgParam` text of an app-robot message, within DingTalk's limit.
pub(crate) fn key_and_param(msg: &AppMessage) -> Result<(String, String)> {
    let (key, param) = msg
        .to_key_and_param()
        .map_err(|why| Error::new(ErrorKind::InvalidMessage, why))?;
    let param = param.to_string();
    if param.len() > MAX_APP_MSG_PARAM_BYTES {
        return Err(Error::new(
            ErrorKind::MessageTooLong,
            format!(
                "msgParam is {} bytes, the limit is {MAX_APP_MSG_PARAM_BYTES}",
                param.len()
            ),
        ));
    }
    Ok((key, param))
}

/// Header carrying the token on v1.0 calls.
pub const TOKEN_HEADER: &str = "x-acs-dingtalk-access-token";

/// appKey + appSecret. `Debug` hides the secret.
#[derive(Clone, PartialEq, Eq)]
pub struct AppCredentials {
    pub app_key: String,
    pub app_secret: String,
}

impl AppCredentials {
    pub fn new(app_key: impl Into<String>, app_secret: impl Into<String>) -> Self {
        AppCredentials {
            app_key: app_key.into(),
            app_secret: app_secret.into(),
        }
    }
}

impl std::fmt::Debug for AppCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppCredentials")
            .field("app_key", &self.app_key)
            .field("app_secret", &"***")
            .finish()
    }
}

#[derive(Clone)]
struct CachedToken {
    token: String,
    refresh_at: Instant,
}

struct Inner {
    http: reqwest::Client,
    cfg: ClientConfig,
    creds: AppCredentials,
    cache: Mutex<Option<CachedToken>>,
    /// Single flight for token fetches; remembers the last failure so callers that waited for
    /// a fetch that failed share its error instead of each trying again.
    refresh: tokio::sync::Mutex<Option<(Instant, Error)>>,
    token_fetches: AtomicU64,
    grant_locks: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
}

/// Client of one internal app. Cheap to clone; all clones share the token cache.
#[derive(Clone)]
pub struct AppClient {
    inner: Arc<Inner>,
}

impl AppClient {
    pub fn new(cfg: ClientConfig, creds: AppCredentials) -> Result<Self> {
        let http = cfg.http_client()?;
        Ok(Self::with_http_client(cfg, creds, http))
    }

    /// With the caller's own `reqwest::Client` (its timeouts then apply, not `cfg`'s).
    pub fn with_http_client(
        cfg: ClientConfig,
        creds: AppCredentials,
        http: reqwest::Client,
    ) -> Self {
        AppClient {
            inner: Arc::new(Inner {
                http,
                cfg,
                creds,
                cache: Mutex::new(None),
                refresh: tokio::sync::Mutex::new(None),
                token_fetches: AtomicU64::new(0),
                grant_locks: Mutex::new(HashMap::new()),
            }),
        }
    }

    pub fn app_key(&self) -> &str {
        &self.inner.creds.app_key
    }

    /// How many token requests this client made (for tests and metrics).
    pub fn token_fetches(&self) -> u64 {
        self.inner.token_fetches.load(Ordering::Relaxed)
    }

    /// Sends `msg` into a group as the app's robot; returns DingTalk's `processQueryKey`.
    pub async fn send_group_message(
        &self,
        robot_code: &str,
        open_conversation_id: &str,
        msg: &AppMessage,
    ) -> Result<String> {
        let (key, param) = key_and_param(msg)?;
        let body = json!({
            "robotCode": robot_code,
            "openConversationId": open_conversation_id,
            "msgKey": key,
            "msgParam": param,
        });
        let v = self
            .v1(
                reqwest::Method::POST,
                "v1.0/robot/groupMessages/send",
                Some(&body),
            )
            .await?;
        Ok(v.get("processQueryKey")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned())
    }

    /// The userId of the current employee with this mobile.
    pub async fn user_id_by_mobile(&self, mobile: &str) -> Result<String> {
        let v = self
            .oapi("topapi/v2/user/getbymobile", &json!({ "mobile": mobile }))
            .await?;
        v.pointer("/result/userid")
            .and_then(Value::as_str)
            .map(str::to_owned)
            .ok_or_else(|| Error::new(ErrorKind::ServerError, "answer lacks result.userid"))
    }
}
