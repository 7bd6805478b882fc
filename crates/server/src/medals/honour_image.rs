//! The images DingTalk's organisation honours (组织荣誉) need, made from a medal's icon: the
//! 900×900 PNG medal image and the 240×240 avatar pendant, each at most 1 MB. Preset icons are
//! SVG (rasterised with resvg); an uploaded icon (a PNG up to 512×512) is drawn on a disk in
//! the medal's tier colour.

use crate::error::AppError;
use crate::infra::internal;
use image::{imageops, Rgba, RgbaImage};
use medal_core::Tier;

/// The preset SVGs, compiled in (the site directory need not be there).
fn preset_svg(key: &str) -> Option<&'static str> {
    macro_rules! presets {
        ($($k:literal),*) => {
            match key {
                $($k => Some(include_str!(concat!("../../../../public/icons/presets/", $k, ".svg"))),)*
                _ => None,
            }
        };
    }
    presets!(
        "star",
        "trophy",
        "crown",
        "heart",
        "rocket",
        "lightning",
        "target",
        "handshake",
        "book",
        "calendar",
        "check",
        "flame",
        "shield",
        "bulb"
    )
}

fn tier_colour(tier: Tier) -> Rgba<u8> {
    match tier {
        Tier::Gold => Rgba([0xF5, 0x9E, 0x0B, 0xFF]),
        Tier::Silver => Rgba([0x94, 0xA3, 0xB8, 0xFF]),
        Tier::Bronze => Rgba([0xB4, 0x53, 0x09, 0xFF]),
        _ => Rgba([0x3B, 0x82, 0xF6, 0xFF]),
    }
}

fn svg_to_image(svg: &str, edge: u32) -> Result<RgbaImage, AppError> {
    let tree = resvg::usvg::Tree::from_str(svg, &resvg::usvg::Options::default())
        .map_err(|e| internal(format!("preset icon: {e}")))?;
    let mut pixmap = resvg::tiny_skia::Pixmap::new(edge, edge).ok_or_else(|| internal("pixmap"))?;
    let size = tree.size();
    let scale = edge as f32 / size.width().max(size.height());
    resvg::render(
        &tree,
        resvg::tiny_skia::Transform::from_scale(scale, scale),
        &mut pixmap.as_mut(),
    );
    // tiny-skia keeps premultiplied alpha
    let mut img = RgbaImage::new(edge, edge);
    for (p, c) in img.pixels_mut().zip(pixmap.pixels()) {
        let c = c.demultiply();
        *p = Rgba([c.red(), c.green(), c.blue(), c.alpha()]);
    }
    Ok(img)
}

/// A disk of `colour` filling `edge`×`edge` (anti-aliased edge).
fn disk(edge: u32, colour: Rgba<u8>) -> RgbaImage {
    let r = edge as f32 / 2.0;
    RgbaImage::from_fn(edge, edge, |x, y| {
        let d = ((x as f32 + 0.5 - r).powi(2) + (y as f32 + 0.5 - r).powi(2)).sqrt();
        let a = (r - d).clamp(0.0, 1.0);
        Rgba([colour[0], colour[1], colour[2], (a * 255.0) as u8])
    })
}

/// The medal as an `edge`×`edge` picture: the preset drawn at that size, or the uploaded icon
/// inside a disk of the tier's colour.
fn medal_picture(
    preset: Option<&str>,
    upload: Option<&[u8]>,
    tier: Tier,
    edge: u32,
) -> Result<RgbaImage, AppError> {
    if let Some(png) = upload {
        let icon = image::load_from_memory_with_format(png, image::ImageFormat::Png)
            .map_err(|e| internal(format!("stored icon: {e}")))?
            .to_rgba8();
        let mut out = disk(edge, tier_colour(tier));
        let inner = edge * 7 / 10;
        let icon = imageops::resize(&icon, inner, inner, imageops::FilterType::Lanczos3);
        let off = i64::from((edge - inner) / 2);
        imageops::overlay(&mut out, &icon, off, off);
        return Ok(out);
    }
    let svg = preset_svg(preset.unwrap_or("star"))
        .or_else(|| preset_svg("star"))
        .ok_or_else(|| internal("no preset icon"))?;
    svg_to_image(svg, edge)
}

fn png(img: &RgbaImage) -> Result<Vec<u8>, AppError> {
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png)
        .map_err(internal)?;
    Ok(out.into_inner())
}

/// (900×900 medal image, 240×240 pendant), PNG.
pub fn honour_images(
    preset: Option<&str>,
    upload: Option<&[u8]>,
    tier: Tier,
) -> Result<(Vec<u8>, Vec<u8>), AppError> {
    let medal = png(&medal_picture(preset, upload, tier, 900)?)?;
    // the pendant: a ring in the tier's colour around the avatar, the medal at its lower right
    let edge = 240u32;
    let ring = disk(edge, tier_colour(tier));
    let hole = disk(edge - 24, Rgba([0, 0, 0, 0xFF]));
    let mut pendant = ring;
    for (x, y, p) in hole.enumerate_pixels() {
        let a = f32::from(p[3]) / 255.0;
        let q = pendant.get_pixel_mut(x + 12, y + 12);
        q[3] = ((1.0 - a) * f32::from(q[3])) as u8;
    }
    let badge = medal_picture(preset, upload, tier, 84)?;
    imageops::overlay(
        &mut pendant,
        &badge,
        i64::from(edge - 90),
        i64::from(edge - 90),
    );
    Ok((medal, png(&pendant)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn images_have_dingtalks_sizes_and_fit_in_a_megabyte() {
        for preset in ["trophy", "star", "bulb"] {
            let (m, p) = honour_images(Some(preset), None, Tier::Gold).unwrap();
            let m = image::load_from_memory(&m).unwrap();
            let p2 = image::load_from_memory(&p).unwrap();
            assert_eq!((m.width(), m.height()), (900, 900));
            assert_eq!((p2.width(), p2.height()), (240, 240));
            assert!(p.len() < 1024 * 1024);
            // the preset is drawn: the centre is not transparent
            assert!(m.to_rgba8().get_pixel(450, 450)[3] > 200);
        }
        let icon = png(&RgbaImage::from_pixel(64, 64, Rgba([255, 0, 0, 255]))).unwrap();
        let (m, _) = honour_images(None, Some(&icon), Tier::Silver).unwrap();
        let m = image::load_from_memory(&m).unwrap().to_rgba8();
        assert_eq!(
            m.get_pixel(450, 450)[0],
            255,
            "the uploaded icon in the middle"
        );
        assert_eq!(
            m.get_pixel(0, 0)[3],
            0,
            "round: the corners are transparent"
        );
    }
}
