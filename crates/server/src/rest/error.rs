//! The API's errors: `{"error": {"code", "message": {"zh", "en"}, "fields": [{"path", "message"}]}}`
//! with the HTTP status the code means; and reading a JSON body (type, size, field paths).

use crate::error::AppError;
use axum::body::Body;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use medal_core::Msg;
use serde::de::DeserializeOwned;
use serde::Serialize;
use utoipa::ToSchema;

/// A message in both languages.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Text {
    pub zh: String,
    pub en: String,
}

impl From<&Msg> for Text {
    fn from(m: &Msg) -> Self {
        Text {
            zh: m.zh.clone(),
            en: m.en.clone(),
        }
    }
}

/// One field that is wrong, by its path in the request (`recipients[3].external_id`, `date`).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FieldError {
    pub path: String,
    pub message: Text,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ErrorDetail {
    /// `unauthorized`, `invalid_token`, `token_revoked`, `insufficient_scope`, `not_found`,
    /// `malformed_json`, `unsupported_media_type`, `too_large`, `validation`, `conflict`,
    /// `idempotency_mismatch`, `idempotency_in_progress`, `unavailable`, `internal`…
    pub code: String,
    pub message: Text,
    pub fields: Vec<FieldError>,
}

/// Every error the API answers.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: StatusCode,
    pub body: ErrorBody,
}

impl ApiError {
    pub fn new(status: u16, code: &str, message: Msg) -> Self {
        ApiError {
            status: StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST),
            body: ErrorBody {
                error: ErrorDetail {
                    code: code.to_string(),
                    message: (&message).into(),
                    fields: Vec::new(),
                },
            },
        }
    }

    pub fn field(mut self, path: &str, message: &Msg) -> Self {
        self.body.error.fields.push(FieldError {
            path: path.to_string(),
            message: message.into(),
        });
        self
    }

    /// A validation error about one field.
    pub fn invalid(path: &str, message: Msg) -> Self {
        ApiError::new(422, "validation", message.clone()).field(path, &message)
    }

    /// An [`AppError`] from the app's functions; its form fields are renamed to the API's paths
    /// by `path` (a field the app calls `recipients` may be `recipients` here too).
    pub fn from_app(e: AppError, path: impl Fn(&str) -> String) -> Self {
        let lang_summary = |e: &AppError| {
            Msg::new(
                e.summary(medal_core::Lang::Zh),
                e.summary(medal_core::Lang::En),
            )
        };
        let code = match &e {
            AppError::NotFound => "not_found",
            AppError::Unauthorized => "unauthorized",
            AppError::Forbidden => "forbidden",
            AppError::Validation(_) => "validation",
            AppError::Conflict(_) => "conflict",
            AppError::TooManyAttempts(_) => "too_many_requests",
            AppError::Internal { .. } => "internal",
            AppError::Refused { .. } => "refused",
            AppError::Unavailable(_) => "unavailable",
            AppError::Malformed(_) | AppError::Request(_) => "malformed",
            AppError::Cancelled => "cancelled",
        };
        let mut out = ApiError::new(e.status(), code, lang_summary(&e));
        if let AppError::Validation(map) = &e {
            for (field, msgs) in map {
                for m in msgs {
                    out = out.field(&path(field), m);
                }
            }
        }
        out
    }
}

impl From<AppError> for ApiError {
    fn from(e: AppError) -> Self {
        ApiError::from_app(e, str::to_string)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut res = (self.status, axum::Json(self.body)).into_response();
        if self.status == StatusCode::SERVICE_UNAVAILABLE {
            res.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
        }
        if self.status == StatusCode::UNAUTHORIZED {
            res.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"medals\""),
            );
        }
        res
    }
}

/// A path whose id is not a number names nothing.
pub fn not_found(_: axum::extract::rejection::PathRejection) -> ApiError {
    AppError::NotFound.into()
}

/// A query string that does not parse: 400, saying what is wrong.
pub fn bad_query(e: axum::extract::rejection::QueryRejection) -> ApiError {
    let t = e.body_text();
    ApiError::new(
        400,
        "malformed_query",
        Msg::new(
            format!("查询参数有误：{t}"),
            format!("Bad query parameters: {t}"),
        ),
    )
}

pub type ApiResult<T> = Result<T, ApiError>;

/// Largest JSON body of a batch (10,000 events, 10,000 recipients).
pub const BATCH_LIMIT: usize = 4 * 1024 * 1024;
/// Largest JSON body of anything else.
pub const SMALL_LIMIT: usize = 64 * 1024;

/// A refused body is still read (and dropped) up to this much, so the client, still writing,
/// gets the answer instead of a reset connection.
const DRAIN_MAX: usize = 64 * 1024 * 1024;

/// The body, or `None` when it is longer than `limit` (read to its end, up to [`DRAIN_MAX`]).
async fn read_limited(body: Body, limit: usize) -> Option<Vec<u8>> {
    use futures::StreamExt;
    let mut s = body.into_data_stream();
    let mut out = Vec::new();
    let mut seen = 0usize;
    while let Some(chunk) = s.next().await {
        let chunk = chunk.ok()?;
        seen += chunk.len();
        if seen > DRAIN_MAX {
            return None;
        }
        if seen <= limit {
            out.extend_from_slice(&chunk);
        }
    }
    (seen <= limit).then_some(out)
}

/// Reads a JSON body: `application/json` (415 otherwise), at most `limit` bytes (413), that
/// parses as `T` (400 with the path of the first wrong field).
pub async fn read_json<T: DeserializeOwned>(
    headers: &HeaderMap,
    body: Body,
    limit: usize,
) -> ApiResult<(T, Vec<u8>)> {
    let ct = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let essence = ct.split(';').next().unwrap_or("").trim();
    if !essence.eq_ignore_ascii_case("application/json") {
        return Err(ApiError::new(
            415,
            "unsupported_media_type",
            Msg::new(
                "请求体须为 JSON（Content-Type: application/json）。",
                "The body must be JSON (Content-Type: application/json).",
            ),
        ));
    }
    let bytes = read_limited(body, limit).await.ok_or_else(|| {
        ApiError::new(
            413,
            "too_large",
            Msg::new(
                format!("请求体太大：最多 {} KB，请分批发送。", limit / 1024),
                format!(
                    "The body is too large: at most {} KB; send it in parts.",
                    limit / 1024
                ),
            ),
        )
    })?;
    let de = &mut serde_json::Deserializer::from_slice(&bytes);
    match serde_path_to_error::deserialize::<_, T>(de) {
        Ok(v) => Ok((v, bytes.to_vec())),
        Err(e) => {
            let path = e.path().to_string();
            let inner = e.into_inner().to_string();
            let msg = Msg::new(
                format!("JSON 无法解析：{inner}"),
                format!("The JSON cannot be read: {inner}"),
            );
            let err = ApiError::new(400, "malformed_json", msg.clone());
            Err(if path.is_empty() || path == "." {
                err
            } else {
                err.field(&path, &msg)
            })
        }
    }
}
