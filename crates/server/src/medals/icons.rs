//! Medal icons. Uploads must decode as PNG, JPEG or WebP (sniffed from the bytes, not the name);
//! they are re-encoded as PNG no larger than 512×512, which also drops all metadata, and stored by
//! the SHA-256 of the result so their URLs (`/icons/{sha}.png`) never change and cache forever.

use crate::error::AppError;
use crate::infra::internal;
use crate::infra::now_ms;
use crate::infra::AppState;
use crate::infra::Db;
use crate::with_db;
use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use image::{ImageFormat, ImageReader, Limits};
use medal_core::Msg;
use sha2::{Digest, Sha256};
use std::io::Cursor;

pub const MAX_UPLOAD_BYTES: usize = 2 * 1024 * 1024;

pub const MAX_EDGE: u32 = 512;

/// Larger images are refused before decoding (a 20000×20000 PNG would need 1.6 GB).
pub const MAX_SOURCE_EDGE: u32 = 4096;

#[derive(Debug)]
pub struct Processed {
    pub png: Vec<u8>,
    pub width: u32,
    pub height: u32,
    pub sha256: String,
}

fn refuse(zh: &str, en: &str) -> AppError {
    AppError::field("icon_file", Msg::new(zh, en))
}

/// At most this many icons are decoded at once per server (each may take ~100 MB and a second of
/// CPU); an upload beyond them is answered 503 (with Retry-After) instead of growing memory.
pub const DECODING_AT_ONCE: usize = 2;

/// Decodes `bytes` with [`process`] on a blocking thread, or refuses (503) when all `slots`
/// (the app's [`DECODING_AT_ONCE`]) are decoding.
pub async fn process_bounded(
    slots: &tokio::sync::Semaphore,
    bytes: Vec<u8>,
) -> Result<Processed, AppError> {
    let _slot = slots.try_acquire().map_err(|_| AppError::Refused {
        status: 503,
        msg: Msg::new(
            "服务器正忙于处理其他图片，请几秒后再试。",
            "The server is busy with other images; try again in a few seconds.",
        ),
    })?;
    tokio::task::spawn_blocking(move || process(&bytes))
        .await
        .map_err(internal)?
}

/// Decodes, bounds and re-encodes an uploaded icon. CPU-heavy: call from a blocking thread.
pub fn process(bytes: &[u8]) -> Result<Processed, AppError> {
    if bytes.len() > MAX_UPLOAD_BYTES {
        return Err(refuse(
            "图标文件不能超过 2 MB。",
            "The icon file must be at most 2 MB.",
        ));
    }
    let format = image::guess_format(bytes).ok();
    if !matches!(
        format,
        Some(ImageFormat::Png | ImageFormat::Jpeg | ImageFormat::WebP)
    ) {
        return Err(refuse(
            "只支持 PNG、JPEG 或 WebP 图片（SVG 等其他格式不支持）。",
            "Only PNG, JPEG or WebP images are accepted (not SVG or other formats).",
        ));
    }
    let mut reader = ImageReader::new(Cursor::new(bytes));
    reader.set_format(format.expect("checked"));
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SOURCE_EDGE);
    limits.max_image_height = Some(MAX_SOURCE_EDGE);
    // 4096² RGBA8 is 64 MiB; the decoder's own buffers fit in the rest (a 16-bit image that
    // size does not, and is refused as too large)
    limits.max_alloc = Some(80 * 1024 * 1024);
    reader.limits(limits);
    let img = reader.decode().map_err(|e| match e {
        image::ImageError::Limits(_) => refuse(
            "图片尺寸过大：宽和高都不能超过 4096 像素。",
            "The image is too large: width and height must be at most 4096 pixels.",
        ),
        _ => refuse(
            "图片已损坏或无法识别，请换一个文件。",
            "The image is damaged or unreadable; please choose another file.",
        ),
    })?;
    let img = if img.width() > MAX_EDGE || img.height() > MAX_EDGE {
        img.resize(MAX_EDGE, MAX_EDGE, image::imageops::FilterType::Lanczos3)
    } else {
        img
    };
    let img = image::DynamicImage::ImageRgba8(img.to_rgba8());
    let mut png = Vec::new();
    img.write_to(&mut Cursor::new(&mut png), ImageFormat::Png)
        .map_err(internal)?;
    let sha256 = Sha256::digest(&png)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    Ok(Processed {
        width: img.width(),
        height: img.height(),
        png,
        sha256,
    })
}

/// Stores a processed icon (once per content) and returns its id.
pub async fn store(db: &Db, icon: &Processed) -> Result<i64, AppError> {
    let existing =
        with_db!(db, p => sqlx::query_scalar::<_, i64>("SELECT id FROM icons WHERE sha256 = $1")
        .bind(&icon.sha256).fetch_optional(p).await)
        .map_err(AppError::from)?;
    if let Some(id) = existing {
        return Ok(id);
    }
    with_db!(db, p => sqlx::query_scalar::<_, i64>(
        "INSERT INTO icons (sha256, png, width, height, created_at) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (sha256) DO UPDATE SET sha256 = excluded.sha256 RETURNING id")
        .bind(&icon.sha256).bind(&icon.png).bind(icon.width as i64).bind(icon.height as i64).bind(now_ms())
        .fetch_one(p).await).map_err(AppError::from)
}

pub fn upload_url(sha256: &str) -> String {
    format!("/icons/{sha256}.png")
}

pub fn preset_url(key: &str) -> String {
    format!("/icons/presets/{key}.svg")
}

/// A medal's icon path: its upload, else its preset, else the star.
pub fn medal_icon_url(preset: Option<&str>, sha256: Option<&str>) -> String {
    match (preset, sha256) {
        (_, Some(sha)) => upload_url(sha),
        (Some(p), None) => preset_url(p),
        (None, None) => preset_url("star"),
    }
}

/// `GET /icons/{sha}.png`
pub async fn serve(State(st): State<AppState>, Path(file): Path<String>) -> Response {
    let Some(sha) = file
        .strip_suffix(".png")
        .filter(|s| s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit()))
    else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let png = with_db!(&st.db, p => sqlx::query_scalar::<_, Vec<u8>>("SELECT png FROM icons WHERE sha256 = $1")
        .bind(sha).fetch_optional(p).await);
    match png {
        Ok(Some(png)) => (
            [
                (header::CONTENT_TYPE, "image/png"),
                (header::CACHE_CONTROL, "public, max-age=31536000, immutable"),
                (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            ],
            png,
        )
            .into_response(),
        Ok(None) => StatusCode::NOT_FOUND.into_response(),
        Err(e) => {
            tracing::error!(error = %e, "icon read failed");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(w: u32, h: u32) -> Vec<u8> {
        let img = image::RgbaImage::from_pixel(w, h, image::Rgba([200, 30, 30, 255]));
        let mut out = Vec::new();
        image::DynamicImage::ImageRgba8(img)
            .write_to(&mut Cursor::new(&mut out), ImageFormat::Png)
            .unwrap();
        out
    }

    #[test]
    fn large_images_are_bounded_to_512() {
        let p = process(&png(1024, 600)).unwrap();
        assert_eq!((p.width, p.height), (512, 300));
        assert_eq!(image::guess_format(&p.png).unwrap(), ImageFormat::Png);
        assert_eq!(p.sha256.len(), 64);
    }

    #[test]
    fn small_images_keep_their_size() {
        let p = process(&png(64, 64)).unwrap();
        assert_eq!((p.width, p.height), (64, 64));
    }

    #[test]
    fn text_and_svg_are_refused() {
        let e = process(b"hello, I am not a picture").unwrap_err();
        assert!(e.messages_for("icon_file")[0].en.contains("Only PNG"));
        let svg = br#"<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"></svg>"#;
        assert!(process(svg).is_err());
    }

    #[test]
    fn a_truncated_png_is_refused_cleanly() {
        let mut p = png(64, 64);
        p.truncate(p.len() / 2);
        let e = process(&p).unwrap_err();
        assert!(e.messages_for("icon_file")[0].en.contains("damaged"));
    }
}
