//! The internal app: access token, group messages as the app's robot, user lookup, and the
//! organisation honour (组织荣誉) APIs.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::error::{Error, ErrorKind, Result};
use crate::message::{AppMessage, MAX_APP_MSG_PARAM_BYTES};
use crate::robot::{map_transport, ClientConfig};

/// Header carrying the token on v1.0 calls.
pub const TOKEN_HEADER: &str = "x-acs-dingtalk-access-token";
/// Most recipients per grant call.
pub const MAX_GRANT_RECIPIENTS: usize = 10;
/// Most groups notified by one grant.
pub const MAX_GRANT_GROUPS: usize = 5;

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

    fn cached(&self) -> Option<String> {
        let cache = self.inner.cache.lock().unwrap_or_else(|p| p.into_inner());
        cache
            .as_ref()
            .filter(|c| Instant::now() < c.refresh_at)
            .map(|c| c.token.clone())
    }

    /// The access token: cached, refreshed before expiry; concurrent callers share one fetch.
    pub async fn access_token(&self) -> Result<String> {
        if let Some(t) = self.cached() {
            return Ok(t);
        }
        let asked = Instant::now();
        let mut last_failure = self.inner.refresh.lock().await;
        if let Some(t) = self.cached() {
            return Ok(t);
        }
        if let Some((at, e)) = last_failure.as_ref() {
            if *at >= asked {
                return Err(e.clone());
            }
        }
        let (token, expire_in) = match self.fetch_token().await {
            Ok(t) => t,
            Err(e) => {
                *last_failure = Some((Instant::now(), e.clone()));
                return Err(e);
            }
        };
        *last_failure = None;
        let ttl = Duration::from_secs(expire_in);
        let margin = self.inner.cfg.token_refresh_margin.min(ttl / 2);
        *self.inner.cache.lock().unwrap_or_else(|p| p.into_inner()) = Some(CachedToken {
            token: token.clone(),
            refresh_at: Instant::now() + ttl - margin,
        });
        Ok(token)
    }

    /// Forgets the cached token if it is still `token` (so a newer one is not thrown away).
    pub fn invalidate_token(&self, token: &str) {
        let mut cache = self.inner.cache.lock().unwrap_or_else(|p| p.into_inner());
        if cache.as_ref().is_some_and(|c| c.token == token) {
            *cache = None;
        }
    }

    async fn fetch_token(&self) -> Result<(String, u64)> {
        self.inner.token_fetches.fetch_add(1, Ordering::Relaxed);
        #[derive(Deserialize)]
        struct TokenBody {
            #[serde(rename = "accessToken")]
            access_token: String,
            #[serde(rename = "expireIn")]
            expire_in: u64,
        }
        let body =
            json!({ "appKey": self.inner.creds.app_key, "appSecret": self.inner.creds.app_secret });
        let url = self.inner.cfg.api_url("v1.0/oauth2/accessToken");
        let v = self
            .v1_raw(reqwest::Method::POST, &url, None, Some(&body))
            .await?;
        let t: TokenBody = serde_json::from_value(v)
            .map_err(|e| Error::new(ErrorKind::ServerError, format!("token answer: {e}")))?;
        Ok((t.access_token, t.expire_in))
    }

    /// One v1.0 request; non-2xx answers become errors from their `code`.
    async fn v1_raw(
        &self,
        method: reqwest::Method,
        url: &str,
        token: Option<&str>,
        body: Option<&Value>,
    ) -> Result<Value> {
        let mut req = self.inner.http.request(method, url);
        if let Some(t) = token {
            req = req.header(TOKEN_HEADER, t);
        }
        if let Some(b) = body {
            req = req.json(b);
        }
        let resp = req.send().await.map_err(map_transport)?;
        let status = resp.status();
        let bytes = resp.bytes().await.map_err(map_transport)?;
        let v: Option<Value> = serde_json::from_slice(&bytes).ok();
        if status.is_success() {
            return v.ok_or_else(|| {
                Error::new(ErrorKind::ServerError, "answer is not JSON")
                    .with_status(status.as_u16())
            });
        }
        let code = v
            .as_ref()
            .and_then(|v| v.get("code"))
            .and_then(Value::as_str)
            .map(str::to_owned);
        match code {
            Some(code) => {
                let v = v.unwrap_or_default();
                let message = v.get("message").and_then(Value::as_str).unwrap_or("");
                let rid = v
                    .get("requestid")
                    .or_else(|| v.get("requestId"))
                    .and_then(Value::as_str)
                    .map(str::to_owned);
                let mut e = Error::from_api(status.as_u16(), code, message, rid);
                if e.kind() == ErrorKind::Throttled {
                    e = e.with_until(SystemTime::now() + Duration::from_secs(60));
                }
                Err(e)
            }
            None => Err(Error::new(
                if status.is_server_error() {
                    ErrorKind::ServerError
                } else {
                    ErrorKind::Unknown
                },
                format!(
                    "HTTP {status}: {}",
                    String::from_utf8_lossy(&bytes[..bytes.len().min(200)])
                ),
            )
            .with_status(status.as_u16())),
        }
    }

    /// A v1.0 call with the token; refetches the token once after `InvalidAuthentication`.
    async fn v1(&self, method: reqwest::Method, path: &str, body: Option<&Value>) -> Result<Value> {
        let url = self.inner.cfg.api_url(path);
        let token = self.access_token().await?;
        match self.v1_raw(method.clone(), &url, Some(&token), body).await {
            Err(e) if e.kind() == ErrorKind::InvalidAuthentication => {
                self.invalidate_token(&token);
                let token = self.access_token().await?;
                self.v1_raw(method, &url, Some(&token), body).await
            }
            other => other,
        }
    }

    /// An oapi call with `?access_token=`; refetches the token once if it is refused.
    async fn oapi(&self, path: &str, body: &Value) -> Result<Value> {
        let token = self.access_token().await?;
        match self.oapi_raw(path, &token, body).await {
            Err(e) if e.kind() == ErrorKind::InvalidAuthentication => {
                self.invalidate_token(&token);
                let token = self.access_token().await?;
                self.oapi_raw(path, &token, body).await
            }
            other => other,
        }
    }

    async fn oapi_raw(&self, path: &str, token: &str, body: &Value) -> Result<Value> {
        let url = format!(
            "{}?access_token={}",
            self.inner.cfg.oapi_url(path),
            crate::sign::urlencode(token)
        );
        let resp = self
            .inner
            .http
            .post(url)
            .json(body)
            .send()
            .await
            .map_err(map_transport)?;
        let status = resp.status();
        let bytes = resp.bytes().await.map_err(map_transport)?;
        let v: Value = serde_json::from_slice(&bytes).map_err(|_| {
            Error::new(
                ErrorKind::ServerError,
                format!("HTTP {status}: answer is not JSON"),
            )
            .with_status(status.as_u16())
        })?;
        let errcode = v.get("errcode").and_then(Value::as_i64).unwrap_or(-1);
        if errcode != 0 {
            let errmsg = v.get("errmsg").and_then(Value::as_str).unwrap_or("");
            return Err(Error::from_errcode(errcode, errmsg).with_status(status.as_u16()));
        }
        Ok(v)
    }

    /// Sends `msg` into a group as the app's robot; returns DingTalk's `processQueryKey`.
    pub async fn send_group_message(
        &self,
        robot_code: &str,
        open_conversation_id: &str,
        msg: &AppMessage,
    ) -> Result<String> {
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

    /// Creates a medal template (reviewed by DingTalk); returns its `honorId`.
    pub async fn create_honour(&self, honour: &NewHonour) -> Result<String> {
        let invalid = |why: String| Error::new(ErrorKind::InvalidParameter, why);
        if honour.name.trim().is_empty() || honour.name.chars().count() > 10 {
            return Err(invalid(
                "the honour name must have 1 to 10 characters".into(),
            ));
        }
        if honour.description.chars().count() > 30 {
            return Err(invalid(
                "the honour description has at most 30 characters".into(),
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
            "v1.0/orgCulture/users/{}/honors?nextToken=0&maxResults=100",
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
