//! `POST /media/upload?access_token=&type=image` (multipart field `media`): the media id honour
//! templates refer to. What was uploaded is kept (type, size, a PNG's width and height) so that
//! the honours API can check the images as DingTalk does.

use std::collections::HashMap;

use axum::extract::{Multipart, Query, State};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

use super::{errcode, oapi_auth, oapi_fault};
use crate::sim::{random_string, Simulator, ALNUM};

/// What the simulator keeps of an upload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Media {
    pub kind: String,
    pub bytes: usize,
    /// Width and height of a PNG (from its IHDR chunk).
    pub png: Option<(u32, u32)>,
}

fn png_size(b: &[u8]) -> Option<(u32, u32)> {
    if b.len() < 24 || !b.starts_with(b"\x89PNG\r\n\x1a\n") || &b[12..16] != b"IHDR" {
        return None;
    }
    let n = |i: usize| u32::from_be_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]);
    Some((n(16), n(20)))
}

pub(super) async fn upload(
    State(sim): State<Simulator>,
    Query(q): Query<HashMap<String, String>>,
    mut form: Multipart,
) -> Response {
    let (latency, action) = {
        let mut w = sim.world();
        let app_key = match oapi_auth(&sim, &mut w, &q, "media/upload") {
            Ok(k) => k,
            Err(r) => return r,
        };
        w.take_fault(&[&app_key])
    };
    if let Some(r) = oapi_fault(&sim, latency, action).await {
        return r;
    }
    let kind = q.get("type").cloned().unwrap_or_default();
    if !["image", "voice", "video", "file"].contains(&kind.as_str()) {
        return errcode(40035, "不合法的参数: type");
    }
    let mut data = None;
    while let Ok(Some(field)) = form.next_field().await {
        if field.name() == Some("media") {
            data = field.bytes().await.ok();
        }
    }
    let Some(data) = data else {
        return errcode(40035, "不合法的参数: media");
    };
    // DingTalk's limit for images
    if kind == "image" && data.len() > 20 * 1024 * 1024 {
        return errcode(40035, "不合法的参数: media 超过大小限制");
    }
    let id = format!("@lA{}", random_string(26, ALNUM));
    sim.world().media.insert(
        id.clone(),
        Media {
            kind: kind.clone(),
            bytes: data.len(),
            png: png_size(&data),
        },
    );
    Json(json!({
        "errcode": 0, "errmsg": "ok", "type": kind, "media_id": id,
        "created_at": crate::sign::now_ms(),
    }))
    .into_response()
}
