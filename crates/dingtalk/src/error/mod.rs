//! One error type for everything that can go wrong talking to DingTalk, with what to do about it.

mod explain;
mod kind;

pub use kind::ErrorKind;

use std::fmt;
use std::time::{Duration, SystemTime};

/// How long a throttled custom robot stays blocked (DingTalk's 10-minute penalty).
pub const ROBOT_PENALTY: Duration = Duration::from_secs(600);

/// What a caller may do after an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryClass {
    /// Rate limited: try again at `until`, not before.
    Throttled { until: SystemTime },
    /// Nothing was done: retry with backoff.
    Transient,
    /// The message may or may not have been delivered: retry only with the same `msgUuid`.
    OutcomeUnknown,
    /// Retrying the same request cannot help; a person has to fix something.
    Permanent,
}

impl RetryClass {
    pub fn name(&self) -> &'static str {
        match self {
            RetryClass::Throttled { .. } => "throttled",
            RetryClass::Transient => "transient",
            RetryClass::OutcomeUnknown => "outcome_unknown",
            RetryClass::Permanent => "permanent",
        }
    }
}

/// Language of [`Error::explain`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    Zh,
    En,
}

#[derive(Debug, Clone)]
struct Inner {
    kind: ErrorKind,
    code: Option<String>,
    errmsg: String,
    http_status: Option<u16>,
    until: Option<SystemTime>,
    msg_uuid: Option<String>,
    request_id: Option<String>,
}

/// The error of every call in this crate.
///
/// It keeps DingTalk's code and raw `errmsg` (for 310000 the reason is only there), says how a
/// retry may help ([`Error::retry_class`]) and explains cause and fix for an admin
/// ([`Error::explain`]).
#[derive(Debug, Clone)]
pub struct Error(Box<Inner>);

impl Error {
    /// `errmsg` is kept only after [`crate::redact::redact`]: no URL query, token or signature
    /// survives into what callers store, log or show.
    pub fn new(kind: ErrorKind, errmsg: impl Into<String>) -> Self {
        Error(Box::new(Inner {
            kind,
            code: None,
            errmsg: crate::redact::redact(&errmsg.into()),
            http_status: None,
            until: None,
            msg_uuid: None,
            request_id: None,
        }))
    }

    /// From a webhook / oapi answer `{"errcode":…,"errmsg":…}`.
    pub fn from_errcode(errcode: i64, errmsg: impl Into<String>) -> Self {
        let errmsg = errmsg.into();
        let kind = ErrorKind::from_errcode(errcode, &errmsg);
        let mut e = Error::new(kind, errmsg);
        e.0.code = Some(errcode.to_string());
        e
    }

    /// From a v1.0 answer `{"code":…,"message":…,"requestid":…}` with its HTTP status.
    pub fn from_api(
        http_status: u16,
        code: impl Into<String>,
        message: impl Into<String>,
        request_id: Option<String>,
    ) -> Self {
        let code = code.into();
        let kind = ErrorKind::from_api_code(&code, http_status);
        let mut e = Error::new(kind, message);
        e.0.code = Some(code);
        e.0.http_status = Some(http_status);
        e.0.request_id = request_id;
        e
    }

    /// Rebuilds an error from a stored code and errmsg (e.g. a group's last error), so its
    /// explanation can be shown again.
    pub fn from_code(code: &str, errmsg: impl Into<String>) -> Self {
        let errmsg = errmsg.into();
        let mut e = Error::new(ErrorKind::from_code(code, &errmsg), errmsg);
        e.0.code = Some(code.to_owned());
        e
    }

    pub(crate) fn with_status(mut self, status: u16) -> Self {
        self.0.http_status = Some(status);
        self
    }

    /// Sets when a throttled call may be tried again.
    pub fn with_until(mut self, until: SystemTime) -> Self {
        self.0.until = Some(until);
        self
    }

    /// Records the `msgUuid` of the send that failed (so the caller retries with it).
    pub fn with_msg_uuid(mut self, msg_uuid: impl Into<String>) -> Self {
        self.0.msg_uuid = Some(msg_uuid.into());
        self
    }

    pub fn kind(&self) -> ErrorKind {
        self.0.kind
    }

    /// DingTalk's code as a string (`"310000"`, `"InvalidAuthentication"`), or a `local.*` /
    /// `http.5xx` code for errors found before or around the call.
    pub fn code(&self) -> &str {
        if let Some(c) = &self.0.code {
            return c;
        }
        match self.0.kind {
            ErrorKind::KeywordMissing => "local.keywords",
            ErrorKind::MessageTooLong => "local.too_long",
            ErrorKind::InvalidWebhook => "local.webhook",
            ErrorKind::InvalidMessage => "local.message",
            ErrorKind::InvalidRequest => "local.request",
            ErrorKind::LocalRateLimited => "local.rate_limit",
            ErrorKind::Timeout => "local.timeout",
            ErrorKind::Connect => "local.connect",
            ErrorKind::ConnectionLost => "local.connection_lost",
            ErrorKind::ServerError => "http.5xx",
            _ => "unknown",
        }
    }

    /// DingTalk's raw `errmsg` / `message` (or our own description for local errors).
    pub fn errmsg(&self) -> &str {
        &self.0.errmsg
    }

    pub fn http_status(&self) -> Option<u16> {
        self.0.http_status
    }

    pub fn request_id(&self) -> Option<&str> {
        self.0.request_id.as_deref()
    }

    /// The `msgUuid` of the failed send, if any: retry with this one.
    pub fn msg_uuid(&self) -> Option<&str> {
        self.0.msg_uuid.as_deref()
    }

    pub fn retry_class(&self) -> RetryClass {
        use ErrorKind::*;
        match self.0.kind {
            Throttled | QpsLimited | LocalRateLimited => {
                let default_wait = match self.0.kind {
                    Throttled => ROBOT_PENALTY,
                    _ => Duration::from_secs(1),
                };
                RetryClass::Throttled {
                    until: self
                        .0
                        .until
                        .unwrap_or_else(|| SystemTime::now() + default_wait),
                }
            }
            Busy | ServerError | Connect | ConcurrentGrant => RetryClass::Transient,
            Timeout | ConnectionLost | UnknownSendResult => RetryClass::OutcomeUnknown,
            _ => RetryClass::Permanent,
        }
    }

    /// When a throttled call may be retried.
    pub fn throttled_until(&self) -> Option<SystemTime> {
        match self.retry_class() {
            RetryClass::Throttled { until } => Some(until),
            _ => None,
        }
    }

    pub fn is_permanent(&self) -> bool {
        self.retry_class() == RetryClass::Permanent
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (cause, _) = self.0.kind.text_en();
        write!(
            f,
            "dingtalk {}: {}",
            self.code(),
            cause.trim_end_matches('.')
        )?;
        if !self.0.errmsg.is_empty() {
            write!(f, " ({})", self.0.errmsg)?;
        }
        Ok(())
    }
}

impl std::error::Error for Error {}

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_classes() {
        assert_eq!(
            Error::from_errcode(-1, "").retry_class(),
            RetryClass::Transient
        );
        assert!(matches!(
            Error::from_errcode(130101, "").retry_class(),
            RetryClass::Throttled { .. }
        ));
        assert_eq!(
            Error::from_api(500, "unknown.send.result", "", None).retry_class(),
            RetryClass::OutcomeUnknown
        );
        assert_eq!(
            Error::from_errcode(310000, "sign not match").retry_class(),
            RetryClass::Permanent
        );
        assert_eq!(
            Error::from_api(503, "Whatever", "", None).retry_class(),
            RetryClass::Transient
        );
        let until = SystemTime::now() + Duration::from_secs(5);
        assert_eq!(
            Error::from_errcode(410100, "")
                .with_until(until)
                .retry_class(),
            RetryClass::Throttled { until }
        );
    }
}
