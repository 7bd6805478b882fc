//! Client configuration and the custom robot (webhook) client.

mod client;
mod webhook;

pub use client::{new_msg_uuid, Robot, RobotClient, Sent};
pub use webhook::parse_webhook;

use std::time::Duration;

use crate::error::{Error, ErrorKind, Result};

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
