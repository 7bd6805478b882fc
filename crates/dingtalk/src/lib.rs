//! Everything Medal Hall says to DingTalk (钉钉).
//!
//! - [`Message`] / [`AppMessage`]: typed message bodies serializing to DingTalk's exact JSON.
//! - [`RobotClient`]: custom-robot webhooks (token from a pasted URL, 加签 signing, keyword guard,
//!   `msgUuid`, timeouts, optional shared [`RateLimiter`]).
//! - [`AppClient`]: the internal app (single-flight access token, group messages, user lookup,
//!   attendance results, organisation honours).
//! - [`Error`]: one error type with [`Error::retry_class`] and [`Error::explain`].
//! - `sim` (feature `sim`): a DingTalk simulator as an axum router plus the `dingtalk-sim` binary.

pub mod app;
pub mod error;
pub mod limiter;
pub mod message;
mod metrics;
pub mod preview;
pub mod redact;
pub mod robot;
pub mod sign;

#[cfg(feature = "sim")]
pub mod sim;

pub use app::{
    AppClient, AppCredentials, AttendancePage, AttendanceQuery, AttendanceRecord, AttendanceWindow,
    CardDelivered, CardSpace, ChatCreated, CheckType, DirectReport, GrantReport, Honour,
    HonourGrant, NewChat, NewHonour, Pace, TemplateCard, TimeResult,
};
pub use error::{Error, ErrorKind, Lang, Result, RetryClass};
pub use limiter::{MemoryRateStore, RateLimiter, RateStore};
pub use message::{
    ActionButton, ActionCardBody, AppMessage, At, BtnOrientation, FeedCardBody, FeedLink, LinkBody,
    MarkdownBody, Message, TextBody,
};
pub use robot::{new_msg_uuid, parse_webhook, ClientConfig, Robot, RobotClient, Sent};
