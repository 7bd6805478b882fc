//! The custom robot client: a [`Robot`] (token, 加签 secret, keywords) and [`RobotClient`],
//! which checks, signs and sends a [`Message`] to its webhook.

use std::sync::Arc;
use std::time::SystemTime;

use serde::Deserialize;

use super::{map_transport, parse_webhook, ClientConfig};
use crate::error::{Error, ErrorKind, Result};
use crate::limiter::RateLimiter;
use crate::message::{Message, MAX_WEBHOOK_BODY_BYTES};
use crate::sign;

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
        let started = std::time::Instant::now();
        let api = crate::metrics::api_of(&self.cfg.oapi_url("robot/send"));
        let result = self.post(robot, body, msg_uuid).await;
        crate::metrics::observe(api, started, &result);
        result
    }

    /// The robot/send call itself: one POST, its answer read.
    async fn post(&self, robot: &Robot, body: Vec<u8>, msg_uuid: &str) -> Result<Sent> {
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
    use crate::robot::join;

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
