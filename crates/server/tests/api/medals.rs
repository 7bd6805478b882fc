use medal_core::Role;

use crate::both;
use crate::helpers::huge_header_png;
use crate::helpers::medal_form;
use crate::helpers::noise_png;
use crate::helpers::solid_png;
use crate::helpers::spawn_app;
use crate::helpers::with_file;
use crate::helpers::Backend;
use crate::helpers::TestApp;

async fn get(app: &TestApp, c: &reqwest::Client, id: i64) -> serde_json::Value {
    let r = app
        .post(c, "/sfn/medals/get", &[("id", &id.to_string())])
        .await;
    assert_eq!(r.status(), 200);
    r.json().await.unwrap()
}

async fn list(
    app: &TestApp,
    c: &reqwest::Client,
    q: &str,
    tier: &str,
    kind: &str,
    status: &str,
) -> Vec<String> {
    let r = app
        .post(
            c,
            "/sfn/medals/list",
            &[
                ("filter[q]", q),
                ("filter[tier]", tier),
                ("filter[kind]", kind),
                ("filter[status]", status),
            ],
        )
        .await;
    assert_eq!(r.status(), 200);
    let v: serde_json::Value = r.json().await.unwrap();
    v.as_array()
        .unwrap()
        .iter()
        .map(|m| m["name"].as_str().unwrap().to_string())
        .collect()
}

async fn create_edit_archive_restore(b: Backend) {
    let app = spawn_app(b).await;
    let c = app.signed_in(Role::Admin).await;
    let r = app
        .post_multipart(
            &c,
            "/sfn/medals/save",
            medal_form(&[("validity_days", "90"), ("repeatable", "on")]),
        )
        .await;
    assert_eq!(r.status(), 200);
    let id: i64 = r.json().await.unwrap();
    let m = get(&app, &c, id).await;
    assert_eq!(m["name"], "月度之星");
    assert_eq!(m["tier"], "Gold");
    assert_eq!(m["validity_days"], 90);
    assert_eq!(m["repeatable"], true);
    assert_eq!(m["icon_url"], "/icons/presets/trophy.svg");

    // Edit: new name, tier and validity; the preset icon changes.
    let r = app
        .post_multipart(
            &c,
            "/sfn/medals/save",
            medal_form(&[
                ("id", &id.to_string()),
                ("name", "季度之星"),
                ("tier", "silver"),
                ("validity_days", ""),
                ("icon_preset", "crown"),
            ]),
        )
        .await;
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    let m = get(&app, &c, id).await;
    assert_eq!(
        (m["name"].as_str(), m["tier"].as_str()),
        (Some("季度之星"), Some("Silver"))
    );
    assert!(m["validity_days"].is_null());
    assert_eq!(m["repeatable"], false, "an unticked checkbox is not sent");
    assert_eq!(m["icon_url"], "/icons/presets/crown.svg");

    // Names are unique among active medals.
    let dup = app
        .post_multipart(&c, "/sfn/medals/save", medal_form(&[("name", "季度之星")]))
        .await;
    assert_eq!(dup.status(), 422);
    let body: serde_json::Value = dup.json().await.unwrap();
    assert!(
        body["Validation"]["name"][0]["zh"]
            .as_str()
            .unwrap()
            .contains("已有名为「季度之星」"),
        "{body}"
    );

    // Archive: gone from the default list, shown under archived; the name is free again.
    assert_eq!(
        app.post(&c, "/sfn/medals/archive", &[("id", &id.to_string())])
            .await
            .status(),
        200
    );
    assert!(get(&app, &c, id).await["archived_at"].is_i64());
    assert!(list(&app, &c, "", "", "", "").await.is_empty());
    assert_eq!(list(&app, &c, "", "", "", "archived").await, ["季度之星"]);
    let again = app
        .post_multipart(&c, "/sfn/medals/save", medal_form(&[("name", "季度之星")]))
        .await;
    assert_eq!(again.status(), 200);
    // …so restoring the old one would clash, and says so.
    let clash = app
        .post(&c, "/sfn/medals/restore", &[("id", &id.to_string())])
        .await;
    assert_eq!(clash.status(), 409);
    let other: i64 = again.json().await.unwrap();
    assert_eq!(
        app.post(&c, "/sfn/medals/archive", &[("id", &other.to_string())])
            .await
            .status(),
        200
    );
    assert_eq!(
        app.post(&c, "/sfn/medals/restore", &[("id", &id.to_string())])
            .await
            .status(),
        200
    );
    assert!(get(&app, &c, id).await["archived_at"].is_null());

    // Every change left an audit entry.
    let actions: Vec<String> =
        medal_server::with_db!(&app.db, p => sqlx::query_scalar::<_, String>(
        "SELECT action FROM audit_entries ORDER BY id").fetch_all(p).await)
        .unwrap();
    assert_eq!(
        actions,
        [
            "medal.create",
            "medal.update",
            "medal.archive",
            "medal.create",
            "medal.archive",
            "medal.restore"
        ]
    );
    assert_eq!(
        app.post(&c, "/sfn/medals/get", &[("id", "999999")])
            .await
            .status(),
        404
    );
}
both!(
    create_edit_archive_restore,
    super::create_edit_archive_restore
);

async fn validation_reports_every_field(b: Backend) {
    let app = spawn_app(b).await;
    let c = app.signed_in(Role::Admin).await;
    let long = "长".repeat(31);
    let r = app
        .post_multipart(
            &c,
            "/sfn/medals/save",
            medal_form(&[
                ("name", &long),
                ("tier", "platinum"),
                ("validity_days", "400"),
                ("icon_preset", "nope"),
            ]),
        )
        .await;
    assert_eq!(r.status(), 422);
    let body: serde_json::Value = r.json().await.unwrap();
    for field in ["name", "tier", "validity_days", "icon_preset"] {
        assert!(body["Validation"][field].is_array(), "{field}: {body}");
    }
    assert!(
        list(&app, &c, "", "", "", "all").await.is_empty(),
        "nothing was saved"
    );
}
both!(
    validation_reports_every_field,
    super::validation_reports_every_field
);

async fn search_and_filters(b: Backend) {
    let app = spawn_app(b).await;
    let c = app.signed_in(Role::Admin).await;
    for (name, tier, kind) in [
        ("月度之星", "gold", "manual"),
        ("全勤达人", "silver", "automatic"),
        ("Star 100%", "bronze", "manual"),
    ] {
        let r = app
            .post_multipart(
                &c,
                "/sfn/medals/save",
                medal_form(&[("name", name), ("tier", tier), ("kind", kind)]),
            )
            .await;
        assert_eq!(r.status(), 200);
    }
    assert_eq!(list(&app, &c, "之星", "", "", "").await, ["月度之星"]);
    assert_eq!(
        list(&app, &c, "star", "", "", "").await,
        ["Star 100%"],
        "case-insensitive"
    );
    assert_eq!(
        list(&app, &c, "%", "", "", "").await,
        ["Star 100%"],
        "wildcards are literal"
    );
    assert_eq!(list(&app, &c, "", "silver", "", "").await, ["全勤达人"]);
    assert_eq!(list(&app, &c, "", "", "manual", "").await.len(), 2);
    // The list page renders the search without JavaScript.
    let page = app
        .get(&c, "/medals?q=%E4%B9%8B%E6%98%9F")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("月度之星") && !page.contains("全勤达人"),
        "{page}"
    );
}
both!(search_and_filters, super::search_and_filters);

async fn uploaded_icons_are_reencoded_and_cached(b: Backend) {
    let app = spawn_app(b).await;
    let c = app.signed_in(Role::Admin).await;
    let form = with_file(
        medal_form(&[("icon_source", "upload")]),
        solid_png(900, 600),
        "photo.png",
        "image/png",
    );
    let r = app.post_multipart(&c, "/sfn/medals/save", form).await;
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    let id: i64 = r.json().await.unwrap();
    let url = get(&app, &c, id).await["icon_url"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(url.starts_with("/icons/") && url.ends_with(".png"), "{url}");
    let r = app.client().get(app.url(&url)).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "image/png");
    assert!(r.headers()["cache-control"]
        .to_str()
        .unwrap()
        .contains("immutable"));
    let img = image::load_from_memory(&r.bytes().await.unwrap()).unwrap();
    assert_eq!((img.width(), img.height()), (512, 341));
    // Editing without a new file keeps the uploaded icon.
    let r = app
        .post_multipart(
            &c,
            "/sfn/medals/save",
            medal_form(&[("id", &id.to_string()), ("icon_source", "keep")]),
        )
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(get(&app, &c, id).await["icon_url"], url);
}
both!(
    uploaded_icons_are_reencoded_and_cached,
    super::uploaded_icons_are_reencoded_and_cached
);

async fn bad_uploads_are_refused_with_a_clear_message(b: Backend) {
    let app = spawn_app(b).await;
    let c = app.signed_in(Role::Admin).await;
    let svg = br#"<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(1)</script></svg>"#.to_vec();
    let big = noise_png(1000, 1000);
    assert!(
        big.len() > 2 * 1024 * 1024 && big.len() < 4 * 1024 * 1024,
        "a ~3 MB image: {}",
        big.len()
    );
    let cases: Vec<(&str, Vec<u8>, &str, &str, &str)> = vec![
        (
            "text renamed .png",
            b"just some text, not an image".to_vec(),
            "fake.png",
            "image/png",
            "Only PNG, JPEG or WebP",
        ),
        (
            "SVG",
            svg,
            "icon.svg",
            "image/svg+xml",
            "Only PNG, JPEG or WebP",
        ),
        ("3 MB image", big, "big.png", "image/png", "at most 2 MB"),
        (
            "20000×20000 PNG",
            huge_header_png(),
            "huge.png",
            "image/png",
            "4096 pixels",
        ),
    ];
    for (what, bytes, file, mime, expected) in cases {
        let form = with_file(
            medal_form(&[("icon_source", "upload"), ("name", what)]),
            bytes,
            file,
            mime,
        );
        let r = app.post_multipart(&c, "/sfn/medals/save", form).await;
        assert_eq!(r.status(), 422, "{what}");
        let body: serde_json::Value = r.json().await.unwrap();
        let msg = body["Validation"]["icon_file"][0]["en"]
            .as_str()
            .unwrap_or_default();
        assert!(msg.contains(expected), "{what}: {body}");
        assert!(body["Validation"]["icon_file"][0]["zh"].is_string());
    }
    assert!(
        list(&app, &c, "", "", "", "all").await.is_empty(),
        "nothing was saved"
    );
}
both!(
    bad_uploads_are_refused_with_a_clear_message,
    super::bad_uploads_are_refused_with_a_clear_message
);

async fn plain_form_medal_errors_keep_what_was_typed(b: Backend) {
    let app = spawn_app(b).await;
    let c = app.signed_in(Role::Admin).await;
    let form = reqwest::multipart::Form::new()
        .text("name", "")
        .text("description", "保留我写的描述")
        .text("tier", "gold")
        .text("kind", "manual")
        .text("icon_source", "preset")
        .text("icon_preset", "heart");
    let r = c
        .post(app.url("/sfn/medals/save"))
        .header("accept", "text/html")
        .header("referer", app.url("/medals/new"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 302);
    let page = app.get(&c, "/medals/new").await.text().await.unwrap();
    assert!(
        page.contains("请填写名称"),
        "the message is shown next to the field"
    );
    assert!(page.contains("保留我写的描述"), "what was typed is kept");
}
both!(
    plain_form_medal_errors_keep_what_was_typed,
    super::plain_form_medal_errors_keep_what_was_typed
);

async fn every_page_renders_on_the_server(b: Backend) {
    let app = spawn_app(b).await;
    let c = app.signed_in(Role::Admin).await;
    let r = app
        .post_multipart(
            &c,
            "/sfn/medals/save",
            medal_form(&[("description", "<b>不是标签</b>")]),
        )
        .await;
    let id: i64 = r.json().await.unwrap();
    for (path, expected) in [
        ("/".to_string(), "有效勋章"),
        ("/medals".to_string(), "月度之星"),
        ("/medals/new".to_string(), "创建勋章"),
        (format!("/medals/{id}"), "&lt;b&gt;不是标签&lt;/b&gt;"),
        (format!("/medals/{id}/edit"), "保存修改"),
        ("/login".to_string(), "用户名"),
    ] {
        let r = app.get(&c, &path).await;
        assert_eq!(r.status(), 200, "{path}");
        let html = r.text().await.unwrap();
        assert!(html.contains(expected), "{path} lacks {expected}");
        assert!(
            html.starts_with("<!DOCTYPE html>") && html.contains(r#"<html lang="zh-CN">"#),
            "{path}"
        );
    }
    let missing = app.get(&c, "/medals/999999").await;
    assert!(missing.text().await.unwrap().contains("找不到"));
    assert_eq!(app.get(&c, "/no/such/page").await.status(), 404);
    // English when the lang cookie says so.
    let en = app
        .client()
        .get(app.url("/login"))
        .header("cookie", "lang=en")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        en.contains(r#"<html lang="en">"#)
            && en.contains(">Username<")
            && en.contains(">Password<"),
        "english page"
    );
}
both!(
    every_page_renders_on_the_server,
    super::every_page_renders_on_the_server
);

/// Icon decoding is bounded: uploads beyond the decodes under way get 503 with Retry-After (and
/// lose nothing: a later try works), instead of all decoding at once.
async fn concurrent_icon_decodes_are_capped(b: Backend) {
    let app = spawn_app(b).await;
    let c = app.signed_in(Role::Admin).await;
    // 4000×4000: about 64 MB and a good part of a second to decode and scale each
    let png = solid_png(4000, 4000);
    let upload = |i: usize| {
        let form = with_file(
            medal_form(&[("icon_source", "upload"), ("name", &format!("大图{i}"))]),
            png.clone(),
            "big.png",
            "image/png",
        );
        app.post_multipart(&c, "/sfn/medals/save", form)
    };
    let answers = futures::future::join_all((0..8).map(upload)).await;
    let mut busy = 0;
    let mut saved = 0;
    for r in answers {
        match r.status().as_u16() {
            200 => saved += 1,
            503 => {
                busy += 1;
                assert_eq!(r.headers()["retry-after"], "5");
                let body: serde_json::Value = r.json().await.unwrap();
                assert!(body.to_string().contains("try again"), "{body}");
            }
            s => panic!("unexpected {s}: {:?}", r.text().await),
        }
    }
    assert!(saved >= 1 && busy >= 1, "saved {saved}, refused {busy}");
    assert_eq!(
        upload(99).await.status(),
        200,
        "once the decodes are done, an upload works"
    );
}
both!(
    concurrent_icon_decodes_are_capped,
    super::concurrent_icon_decodes_are_capped
);
