//! The app's one error type. It crosses the wire from server functions to the browser, so it
//! carries messages in both languages and never internals (those are logged with a request id).

use std::collections::BTreeMap;

use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use medal_core::{Lang, Msg};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    #[error("not found")]
    NotFound,
    #[error("unauthorized")]
    Unauthorized,
    #[error("forbidden")]
    Forbidden,
    /// Field name → messages. The key `""` holds messages about the form as a whole.
    #[error("invalid input: {0:?}")]
    Validation(BTreeMap<String, Vec<Msg>>),
    #[error("conflict: {0}")]
    Conflict(Msg),
    #[error("too many attempts: {0}")]
    TooManyAttempts(Msg),
    #[error("internal error (request {request_id})")]
    Internal { request_id: String },
    /// Refused before it reached the server function: too large (413), the wrong content type
    /// (415), from another site (403)… `status` is the HTTP status; the message says why.
    #[error("refused ({status}): {msg}")]
    Refused { status: u16, msg: Msg },
    /// The database cannot answer now (its pool is exhausted, it is restarting or locked): 503,
    /// try again shortly. Never "signed out", never an internal error.
    #[error("unavailable: {0}")]
    Unavailable(String),
    /// The request could not be read: its arguments are missing or malformed.
    #[error("malformed request: {0}")]
    Malformed(String),
    /// The request ended (the client went away, or the render that asked was dropped) before
    /// this ran; nobody reads the answer.
    #[error("cancelled")]
    Cancelled,
    /// The browser could not reach the server or read its answer (the network failed…).
    #[error("request failed: {0}")]
    Request(String),
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            // The server could not read what was sent.
            ServerFnErrorErr::Args(_)
            | ServerFnErrorErr::MissingArg(_)
            | ServerFnErrorErr::UnsupportedRequestMethod(_) => {
                AppError::Malformed(value.to_string())
            }
            // The browser's side of the call: the network or an unreadable answer.
            _ => AppError::Request(value.to_string()),
        }
    }
}

impl AppError {
    /// One field's validation error.
    pub fn field(field: &str, msg: Msg) -> Self {
        AppError::Validation(BTreeMap::from([(field.to_string(), vec![msg])]))
    }

    /// A validation error about the form as a whole.
    pub fn form(msg: Msg) -> Self {
        AppError::field("", msg)
    }

    /// The HTTP status this error answers with.
    pub fn status(&self) -> u16 {
        match self {
            AppError::NotFound => 404,
            AppError::Unauthorized => 401,
            AppError::Forbidden => 403,
            AppError::Validation(_) => 422,
            AppError::Conflict(_) => 409,
            AppError::TooManyAttempts(_) => 429,
            AppError::Internal { .. } => 500,
            AppError::Refused { status, .. } => *status,
            AppError::Malformed(_) => 400,
            AppError::Unavailable(_) => 503,
            // nginx's "client closed request"
            AppError::Cancelled => 499,
            AppError::Request(_) => 400,
        }
    }

    /// Messages for one field (empty when the error is not about that field).
    pub fn messages_for(&self, field: &str) -> Vec<Msg> {
        match self {
            AppError::Validation(m) => m.get(field).cloned().unwrap_or_default(),
            _ => Vec::new(),
        }
    }

    /// A sentence for the whole error, for a banner above the form.
    pub fn summary(&self, lang: Lang) -> String {
        let m = match self {
            AppError::NotFound => Msg::new(
                "找不到该内容，可能已被删除。",
                "Not found: it may have been removed.",
            ),
            AppError::Unauthorized => Msg::new("请先登录。", "Please sign in."),
            AppError::Forbidden => {
                Msg::new("你的角色无权执行此操作。", "Your role may not do this.")
            }
            AppError::Validation(m) => match m.get("") {
                Some(v) if !v.is_empty() => v[0].clone(),
                _ => Msg::new(
                    "请修改标出的字段后再提交。",
                    "Please correct the marked fields.",
                ),
            },
            AppError::Conflict(m) | AppError::TooManyAttempts(m) => m.clone(),
            AppError::Internal { request_id } => Msg::new(
                format!("服务器出错了，请稍后再试（请求编号 {request_id}）。"),
                format!(
                    "Something went wrong on the server; please try again (request {request_id})."
                ),
            ),
            AppError::Refused { msg, .. } => msg.clone(),
            AppError::Malformed(_) => Msg::new(
                "请求的内容不完整或格式不对，服务器无法处理。请刷新页面后重试。",
                "The request was incomplete or malformed. Reload the page and try again.",
            ),
            AppError::Cancelled => Msg::new("请求已取消。", "The request was cancelled."),
            AppError::Unavailable(_) => Msg::new(
                "数据库暂时无法应答，请稍后再试。",
                "The database cannot answer right now; please try again shortly.",
            ),
            AppError::Request(_) => Msg::new(
                "请求失败，请检查网络后重试。",
                "The request failed; check the connection and try again.",
            ),
        };
        m.get(lang).to_string()
    }
}
