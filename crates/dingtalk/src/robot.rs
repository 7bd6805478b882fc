//! Client configuration and the custom robot (webhook) client.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use serde::Deserialize;

use crate::error::{Error, ErrorKind, Result};
use crate::limiter::RateLimiter;
use crate::message::{Message, MAX_WEBHOOK_BODY_BYTES};
use crate::sign;

/// DingTalk's real oapi host.
pub const REAL_OAPI_BASE: &str = "https://oapi.dingtalk.com";
/// DingTalk's real api host (v1.0 APIs).
pub const REAL_API_BASE: &str = "https://api.dingtalk.com";
/// Host of real webhook URLs.
pub const REAL_OAPI_HOST: &str = "oapi.dingtalk.com";

/// Where the clients send and how long they wait. Point both bases at the simulator
/// (e.g. `http://127.0.0.1:3000/sim`) in tests and demo mode.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// Base of `robot/send`, `gettoken`, `topapi/...` (no trailing slash needed).
    pub oapi_base: String,
    /// Base of `v1.0/...`.
    pub api_base: String,
    pub connect_timeout: Duration,
    /// Total time for one request, answer included.
    pub timeout: Duration,
    /// How long a robot stays blocked after a throttling answer (DingTalk: 10 minutes).
    pub robot_penalty: Duration,
    /// Refresh the app's access token this long before it expires.
    pub token_refresh_margin: Duration,
}

impl Default for ClientConfig {
    fn default() -> Self {
        ClientConfig {
            oapi_base: REAL_OAPI_BASE.into(),
            api_base: REAL_API_BASE.into(),
            connect_timeout: Duration::from_secs(5),
            timeout: Duration::from_secs(15),
            robot_penalty: crate::error::ROBOT_PENALTY,
            token_refresh_margin: Duration::from_secs(600),
        }
    }
}

impl ClientConfig {
    pub fn with_bases(oapi_base: impl Into<String>, api_base: impl Into<String>) -> Self {
        ClientConfig {
            oapi_base: oapi_base.into(),
            api_base: api_base.into(),
            ..Self::default()
        }
    }

    /// Both bases on one simulator base URL (e.g. `http://127.0.0.1:3000/sim`).
    pub fn simulator(base: impl Into<String>) -> Self {
        let base = base.into();
        Self::with_bases(base.clone(), base)
    }

    pub(crate) fn oapi_url(&self, path: &str) -> String {
        join(&self.oapi_base, path)
    }

    pub(crate) fn api_url(&self, path: &str) -> String {
        join(&self.api_base, path)
    }

    pub(crate) fn http_client(&self) -> Result<reqwest::Client> {
        reqwest::Client::builder()
            .connect_timeout(self.connect_timeout)
            .timeout(self.timeout)
            .user_agent(concat!("medal-hall-dingtalk/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| Error::new(ErrorKind::Unknown, format!("http client: {e}")))
    }
}

fn join(base: &str, path: &str) -> String {
    format!(
        "{}/{}",
        base.trim_end_matches('/'),
        path.trim_start_matches('/')
    )
}

/// Turns a `reqwest` failure into an error with the right retry class: nothing sent
/// (connect) is transient, anything after may have been delivered. The request URL (it carries
/// the webhook token and signature) is dropped from the text.
pub(crate) fn map_transport(e: reqwest::Error) -> Error {
    // Where it went, without the query (the token and signature are there).
    let target = e
        .url()
        .map(|u| format!(" to {}{}", u.origin().ascii_serialization(), u.path()));
    let e = e.without_url();
    // reqwest's own text says little ("error sending request"); the causes say what happened.
    let mut text = e.to_string();
    if let Some(t) = target {
        text.push_str(&t);
    }
    let mut source = std::error::Error::source(&e);
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    let kind = if e.is_connect() {
        ErrorKind::Connect
    } else if e.is_timeout() {
        ErrorKind::Timeout
    } else if e.is_builder() {
        ErrorKind::InvalidMessage
    } else {
        ErrorKind::ConnectionLost
    };
    Error::new(kind, text)
}

/// Takes the access token out of what an admin pasted: the whole webhook URL (the usual case)
/// or the bare token.
///
/// Accepted hosts: DingTalk's real `oapi.dingtalk.com` (always) and the host, port and path
/// prefix of `oapi_base` (so URLs of a simulator are accepted when the client points at it).
pub fn parse_webhook(pasted: &str, oapi_base: &str) -> Result<String> {
    let input = pasted.trim();
    let bad = |why: &str| Error::new(ErrorKind::InvalidWebhook, why.to_owned());
    if input.is_empty() {
        return Err(bad("empty webhook URL"));
    }
    if !input.contains("://") {
        // a bare token (hex in practice)
        if input
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            return Ok(input.to_owned());
        }
        return Err(bad("not a URL and not an access token"));
    }
    let url = url::Url::parse(input).map_err(|e| bad(&format!("not a valid URL: {e}")))?;
    if url.scheme() != "https" && url.scheme() != "http" {
        return Err(bad("the webhook URL must start with https://"));
    }
    let host = url.host_str().unwrap_or("").to_ascii_lowercase();
    let real = host == REAL_OAPI_HOST && url.path().trim_end_matches('/') == "/robot/send";
    let own = match url::Url::parse(oapi_base) {
        Ok(base) => {
            let prefix = base.path().trim_end_matches('/');
            base.host_str().map(str::to_ascii_lowercase).as_deref() == Some(host.as_str())
                && base.port_or_known_default() == url.port_or_known_default()
                && url.path().trim_end_matches('/') == format!("{prefix}/robot/send")
        }
        Err(_) => false,
    };
    if !real && !own {
        if host != REAL_OAPI_HOST && !own_host(oapi_base, &host) {
            return Err(bad(&format!(
                "host {host} is not DingTalk's ({REAL_OAPI_HOST}); paste the robot's webhook URL"
            )));
        }
        return Err(bad("the path is not /robot/send"));
    }
    let token = url
        .query_pairs()
        .find(|(k, _)| k == "access_token")
        .map(|(_, v)| v.trim().to_owned())
        .unwrap_or_default();
    if token.is_empty() {
        return Err(bad("the URL has no access_token"));
    }
    Ok(token)
}

fn own_host(oapi_base: &str, host: &str) -> bool {
    url::Url::parse(oapi_base)
        .ok()
        .and_then(|b| b.host_str().map(|h| h.eq_ignore_ascii_case(host)))
        .unwrap_or(false)
}

/// One custom robot: its token, optional 加签 secret, its keywords.
#[derive(Clone)]
pub struct Robot {
    access_token: String,
    secret: Option<String>,
    keywords: Vec<String>,
    rate_key: String,
}

impl std::fmt::Debug for Robot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Robot")
            .field("rate_key", &self.rate_key)
            .field("signed", &self.secret.is_some())
            .field("keywords", &self.keywords)
            .finish()
    }
}

impl Robot {
    /// From a bare access token. Empty secrets and keywords are ignored.
    pub fn new(access_token: impl Into<String>, secret: Option<&str>, keywords: &[String]) -> Self {
        let access_token = access_token.into();
        let rate_key = format!("robot:{}", short_hash(&access_token));
        Robot {
            access_token,
            secret: secret
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned),
            keywords: keywords
                .iter()
                .map(|k| k.trim().to_owned())
                .filter(|k| !k.is_empty())
                .collect(),
            rate_key,
        }
    }

    /// The key under which the limiter counts this robot's sends (default: `robot:` + a hash
    /// of the token, so tokens never land in a rate table).
    pub fn with_rate_key(mut self, key: impl Into<String>) -> Self {
        self.rate_key = key.into();
        self
    }

    pub fn access_token(&self) -> &str {
        &self.access_token
    }

    pub fn keywords(&self) -> &[String] {
        &self.keywords
    }

    pub fn is_signed(&self) -> bool {
        self.secret.is_some()
    }

    pub fn rate_key(&self) -> &str {
        &self.rate_key
    }
}

fn short_hash(s: &str) -> String {
    use sha2::Digest;
    let d = sha2::Sha256::digest(s.as_bytes());
    d.iter().take(8).map(|b| format!("{b:02x}")).collect()
}

/// A fresh idempotency key for `msgUuid`.
pub fn new_msg_uuid() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

/// What a successful send returns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sent {
    pub msg_uuid: String,
}

#[derive(Deserialize)]
struct ErrcodeBody {
    errcode: i64,
    #[serde(default)]
    errmsg: String,
}

/// Custom-robot client. Cheap to clone; share one per process.
#[derive(Clone)]
pub struct RobotClient {
    http: reqwest::Client,
    cfg: Arc<ClientConfig>,
    limiter: Option<RateLimiter>,
}

impl RobotClient {
    pub fn new(cfg: ClientConfig) -> Result<Self> {
        Ok(RobotClient {
            http: cfg.http_client()?,
            cfg: Arc::new(cfg),
            limiter: None,
        })
    }

    /// With the caller's own `reqwest::Client` (its timeouts then apply, not `cfg`'s).
    pub fn with_http_client(cfg: ClientConfig, http: reqwest::Client) -> Self {
        RobotClient {
            http,
            cfg: Arc::new(cfg),
            limiter: None,
        }
    }

    /// Counts every send against `limiter` (keyed by [`Robot::rate_key`]) and refuses with
    /// [`ErrorKind::LocalRateLimited`] rather than exceed it.
    pub fn with_limiter(mut self, limiter: RateLimiter) -> Self {
        self.limiter = Some(limiter);
        self
    }

    pub fn config(&self) -> &ClientConfig {
        &self.cfg
    }

    /// [`parse_webhook`] against this client's oapi base.
    pub fn parse_webhook(&self, pasted: &str) -> Result<String> {
        parse_webhook(pasted, &self.cfg.oapi_base)
    }

    /// A [`Robot`] from the webhook URL as pasted, its secret and keywords.
    pub fn robot(&self, pasted: &str, secret: Option<&str>, keywords: &[String]) -> Result<Robot> {
        Ok(Robot::new(self.parse_webhook(pasted)?, secret, keywords))
    }

    /// Sends with a fresh `msgUuid`. On an [`crate::RetryClass::OutcomeUnknown`] error, retry
    /// with [`RobotClient::send_with_uuid`] and the error's [`Error::msg_uuid`].
    pub async fn send(&self, robot: &Robot, msg: &Message) -> Result<Sent> {
        self.send_with_uuid(robot, msg, &new_msg_uuid()).await
    }

    /// Sends with the given `msgUuid` (DingTalk posts a message with a known `msgUuid` once).
    pub async fn send_with_uuid(
        &self,
        robot: &Robot,
        msg: &Message,
        msg_uuid: &str,
    ) -> Result<Sent> {
        self.send_inner(robot, msg, msg_uuid)
            .await
            .map_err(|e| e.with_msg_uuid(msg_uuid))
    }

    async fn send_inner(&self, robot: &Robot, msg: &Message, msg_uuid: &str) -> Result<Sent> {
        msg.validate()
            .map_err(|why| Error::new(ErrorKind::InvalidMessage, why))?;
        if !msg.contains_any_keyword(&robot.keywords) {
            return Err(Error::new(
                ErrorKind::KeywordMissing,
                format!(
                    "the message contains none of the robot's keywords: {}",
                    robot.keywords.join(", ")
                ),
            ));
        }
        let body = serde_json::to_vec(&msg.to_webhook_json(Some(msg_uuid)))
            .map_err(|e| Error::new(ErrorKind::InvalidMessage, e.to_string()))?;
        if body.len() > MAX_WEBHOOK_BODY_BYTES {
            return Err(Error::new(
                ErrorKind::MessageTooLong,
                format!(
                    "{} bytes, the limit is about {MAX_WEBHOOK_BODY_BYTES}",
                    body.len()
                ),
            ));
        }
        if let Some(limiter) = &self.limiter {
            limiter.check(&robot.rate_key).await?;
        }
        let mut url = format!(
            "{}?access_token={}",
            self.cfg.oapi_url("robot/send"),
            sign::urlencode(&robot.access_token)
        );
        if let Some(secret) = &robot.secret {
            let ts = sign::now_ms();
            url.push_str(&format!(
                "&timestamp={ts}&sign={}",
                sign::sign_urlencoded(secret, ts)
            ));
        }
        let resp = self
            .http
            .post(url)
            .header(
                reqwest::header::CONTENT_TYPE,
                "application/json; charset=utf-8",
            )
            .body(body)
            .send()
            .await
            .map_err(map_transport)?;
        let status = resp.status();
        let bytes = resp.bytes().await.map_err(map_transport)?;
        let parsed: Option<ErrcodeBody> = serde_json::from_slice(&bytes).ok();
        match parsed {
            Some(b) if b.errcode == 0 && status.is_success() => Ok(Sent {
                msg_uuid: msg_uuid.to_owned(),
            }),
            Some(b) => {
                let mut e = Error::from_errcode(b.errcode, b.errmsg).with_status(status.as_u16());
                if e.kind() == ErrorKind::Throttled {
                    e = e.with_until(SystemTime::now() + self.cfg.robot_penalty);
                }
                Err(e)
            }
            None => Err(Error::new(
                ErrorKind::ServerError,
                format!(
                    "HTTP {status}: {}",
                    String::from_utf8_lossy(&bytes[..bytes.len().min(200)])
                ),
            )
            .with_status(status.as_u16())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn webhook_real_base() {
        let base = REAL_OAPI_BASE;
        assert_eq!(
            parse_webhook(
                " https://oapi.dingtalk.com/robot/send?access_token=abc123 \n",
                base
            )
            .unwrap(),
            "abc123"
        );
        assert_eq!(parse_webhook("abc123", base).unwrap(), "abc123");
        let e = parse_webhook("https://evil.example.com/robot/send?access_token=abc", base)
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidWebhook);
        assert!(e.errmsg().contains("evil.example.com"));
        assert!(parse_webhook("https://oapi.dingtalk.com/robot/send", base).is_err());
        assert!(parse_webhook("https://oapi.dingtalk.com/other?access_token=a", base).is_err());
        assert!(parse_webhook("ftp://oapi.dingtalk.com/robot/send?access_token=a", base).is_err());
        assert!(parse_webhook("", base).is_err());
        assert!(parse_webhook("a b", base).is_err());
        // extra query parameters (a signed URL pasted) are fine
        assert_eq!(
            parse_webhook(
                "https://oapi.dingtalk.com/robot/send?access_token=t1&timestamp=1&sign=x",
                base
            )
            .unwrap(),
            "t1"
        );
    }

    #[test]
    fn webhook_simulator_base() {
        let base = "http://127.0.0.1:3000/sim";
        assert_eq!(
            parse_webhook(
                "https://oapi.dingtalk.com/robot/send?access_token=abc",
                base
            )
            .unwrap(),
            "abc"
        );
        assert_eq!(
            parse_webhook(
                "http://127.0.0.1:3000/sim/robot/send?access_token=xyz",
                base
            )
            .unwrap(),
            "xyz"
        );
        assert!(parse_webhook(
            "http://127.0.0.1:3001/sim/robot/send?access_token=xyz",
            base
        )
        .is_err());
        assert!(
            parse_webhook("http://10.0.0.1:3000/sim/robot/send?access_token=xyz", base).is_err()
        );
        assert!(parse_webhook("http://127.0.0.1:3000/robot/send?access_token=xyz", base).is_err());
    }

    #[test]
    fn robot_values() {
        let r = Robot::new("tok", Some("  "), &["勋章".into(), " ".into()]);
        assert!(!r.is_signed());
        assert_eq!(r.keywords(), ["勋章".to_string()]);
        assert!(r.rate_key().starts_with("robot:"));
        assert!(!format!("{r:?}").contains("tok\""));
        assert_eq!(
            join("http://a/sim/", "/robot/send"),
            "http://a/sim/robot/send"
        );
    }
}
