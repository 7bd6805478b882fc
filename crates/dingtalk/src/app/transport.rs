//! How the app talks to DingTalk: the access token (cached, refreshed before it expires, one
//! fetch at a time) and the v1.0 and oapi calls that carry it.

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant, SystemTime};

use serde::Deserialize;
use serde_json::{json, Value};

use super::{AppClient, CachedToken, TOKEN_HEADER};
use crate::error::{Error, ErrorKind, Result};
use crate::robot::map_transport;

impl AppClient {
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
        let started = std::time::Instant::now();
        let result = Self::v1_answer(req).await;
        crate::metrics::observe(crate::metrics::api_of(url), started, &result);
        result
    }

    async fn v1_answer(req: reqwest::RequestBuilder) -> Result<Value> {
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
    pub(super) async fn v1(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<Value> {
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
    pub(super) async fn oapi(&self, path: &str, body: &Value) -> Result<Value> {
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
        let started = std::time::Instant::now();
        let result = Self::oapi_answer(self.inner.http.post(&url).json(body)).await;
        crate::metrics::observe(crate::metrics::api_of(&url), started, &result);
        result
    }

    pub(super) async fn oapi_answer(req: reqwest::RequestBuilder) -> Result<Value> {
        let resp = req.send().await.map_err(map_transport)?;
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
}
