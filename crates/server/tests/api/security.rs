//! Classes of attack on every route, enumerated from the router (not listed by hand): every server
//! function gets each malformed body type, a foreign Origin and a cross-site `Sec-Fetch-Site`,
//! with and without a session, and must answer 4xx, never reset the connection and change
//! nothing; every page answers with the security headers; every redirect parameter gets hostile
//! values and stays on the site.

use medal_core::Role;
use medal_server::host::guard::multipart_fns;
use medal_server::host::guard::FORM_LIMIT;
use medal_server::host::guard::UPLOAD_LIMIT;
use medal_server::host::router::page_paths;
use medal_server::with_db;
use reqwest::{Client, RequestBuilder, Response};

use crate::both;
use crate::helpers::medal_form;
use crate::helpers::spawn_app;
use crate::helpers::Backend;
use crate::helpers::TestApp;
use crate::helpers::PASSWORD;

/// Everything the database holds that a request could change (sessions and sign-in attempts
/// aside), as numbers: row counts and the newest change per table.
pub async fn fingerprint(app: &TestApp) -> Vec<i64> {
    const SQL: &[&str] = &[
        "SELECT COUNT(*) FROM admins",
        "SELECT COALESCE(MAX(updated_at), 0) FROM admins",
        "SELECT COUNT(*) FROM medals",
        "SELECT COUNT(archived_at) FROM medals",
        "SELECT COALESCE(MAX(updated_at), 0) FROM medals",
        "SELECT COUNT(*) FROM staff",
        "SELECT COALESCE(SUM(CASE WHEN active THEN 1 ELSE 0 END), 0) FROM staff",
        "SELECT COALESCE(MAX(updated_at), 0) FROM staff",
        "SELECT COUNT(*) FROM awards",
        "SELECT COUNT(revoked_at) FROM awards",
        "SELECT COUNT(*) FROM share_groups",
        "SELECT COALESCE(MAX(updated_at), 0) FROM share_groups",
        "SELECT COUNT(*) FROM shares",
        "SELECT COALESCE(MAX(updated_at), 0) FROM shares",
        "SELECT COUNT(*) FROM settings",
        "SELECT COALESCE(MAX(updated_at), 0) FROM settings",
        "SELECT COUNT(*) FROM audit_entries",
        "SELECT COUNT(*) FROM icons",
        "SELECT COUNT(*) FROM staff_imports",
        "SELECT COUNT(*) FROM userid_lookups",
    ];
    let mut out = Vec::new();
    for sql in SQL {
        out.push(
            with_db!(&app.db, p => sqlx::query_scalar::<_, i64>(sql).fetch_one(p).await)
                .unwrap_or_else(|e| panic!("{sql}: {e}")),
        );
    }
    out
}

/// Every registered server function (from server_fn's registry).
pub fn server_fns() -> Vec<String> {
    let mut v: Vec<String> = leptos::server_fn::axum::server_fn_paths()
        .map(|(p, _)| p.to_string())
        .collect();
    v.sort();
    v
}

fn is_multipart(path: &str) -> bool {
    multipart_fns().contains(&path)
}

/// One kind of malformed body: its name and how to attach it to a request for `path`.
type BadBody = (&'static str, fn(RequestBuilder, &str) -> RequestBuilder);

fn bad_bodies() -> Vec<BadBody> {
    vec![
        ("no body", |r, _| r),
        ("text/plain", |r, _| {
            r.header("content-type", "text/plain").body("id=1&name=x")
        }),
        ("json", |r, _| {
            r.header("content-type", "application/json")
                .body(r#"{"id":1}"#)
        }),
        ("multipart without a boundary", |r, _| {
            r.header("content-type", "multipart/form-data")
                .body("--x\r\ncontent-disposition: form-data; name=\"id\"\r\n\r\n1\r\n--x--\r\n")
        }),
        ("multipart with a broken body", |r, _| {
            r.header("content-type", "multipart/form-data; boundary=BOUNDARY")
                .body("--BOUNDARY\r\ncontent-disposition: form-data; name=\"id\"\r\n\r\n1")
        }),
        // the other encoding than the function takes
        ("the wrong encoding", |r, path| {
            if is_multipart(path) {
                r.header("content-type", "application/x-www-form-urlencoded")
                    .body("name=x&id=1")
            } else {
                r.multipart(reqwest::multipart::Form::new().text("id", "1"))
            }
        }),
        ("over the size limit", |r, path| {
            let limit = if is_multipart(path) {
                UPLOAD_LIMIT
            } else {
                FORM_LIMIT
            };
            let ct = if is_multipart(path) {
                "multipart/form-data; boundary=BOUNDARY"
            } else {
                "application/x-www-form-urlencoded"
            };
            r.header("content-type", ct).body(vec![b'a'; limit + 1])
        }),
    ]
}

/// A well-formed body, so a refusal cannot be put down to the body.
fn good_body(r: RequestBuilder, path: &str) -> RequestBuilder {
    if path == "/sfn/medals/save" {
        r.multipart(medal_form(&[("name", "跨站勋章")]))
    } else if is_multipart(path) {
        r.multipart(reqwest::multipart::Form::new().text("id", "1"))
    } else {
        r.form(&[("id", "1"), ("token", "x"), ("reason", "跨站")])
    }
}

async fn send(r: RequestBuilder, what: &str) -> Response {
    r.send()
        .await
        .unwrap_or_else(|e| panic!("{what}: the connection failed instead of a 4xx answer: {e}"))
}

async fn seeded(b: Backend) -> (TestApp, Client) {
    let app = spawn_app(b).await;
    let owner = app.signed_in(Role::Owner).await;
    let r = app
        .post_multipart(&owner, "/sfn/medals/save", medal_form(&[]))
        .await;
    assert_eq!(r.status(), 200);
    (app, owner)
}

async fn malformed_bodies_get_a_4xx_and_change_nothing(b: Backend) {
    let (app, owner) = seeded(b).await;
    let anonymous = app.client();
    let before = fingerprint(&app).await;
    let fns = server_fns();
    assert!(
        fns.len() > 40,
        "the registry lists the server functions: {fns:?}"
    );
    for path in &fns {
        for (kind, attach) in bad_bodies() {
            for (who, c) in [("no session", &anonymous), ("the owner", &owner)] {
                for accept in ["application/json", "text/html"] {
                    let what = format!("{path} with {kind} as {who} ({accept})");
                    let r = attach(c.post(app.url(path)).header("accept", accept), path);
                    let r = send(r, &what).await;
                    let status = r.status().as_u16();
                    // a plain form post is sent back to its page (303) with the message in the flash
                    let back = accept == "text/html" && (status == 303 || status == 302);
                    assert!(
                        (400..500).contains(&status) || back,
                        "{what}: {status} {}",
                        r.text().await.unwrap_or_default()
                    );
                    if !back {
                        let body = r.text().await.unwrap();
                        assert!(
                            !body.contains("panicked") && !body.contains("server function results"),
                            "{what}: {body}"
                        );
                    }
                }
            }
            assert_eq!(
                fingerprint(&app).await,
                before,
                "{path} with {kind} changed something"
            );
        }
    }
    // The answers say what was wrong, in words.
    let r = send(
        bad_bodies()[6].1(
            owner
                .post(app.url("/sfn/staff/save"))
                .header("accept", "application/json"),
            "/sfn/staff/save",
        ),
        "oversized",
    )
    .await;
    assert_eq!(r.status(), 413);
    let v: serde_json::Value = r.json().await.unwrap();
    assert!(
        v["Refused"]["msg"]["zh"]
            .as_str()
            .unwrap()
            .contains("64 KB"),
        "{v}"
    );
    assert!(
        v["Refused"]["msg"]["en"]
            .as_str()
            .unwrap()
            .contains("64 KB"),
        "{v}"
    );
    let r = send(
        bad_bodies()[1].1(
            owner
                .post(app.url("/sfn/medals/save"))
                .header("accept", "application/json"),
            "/sfn/medals/save",
        ),
        "text/plain",
    )
    .await;
    assert_eq!(r.status(), 415);
    // Without JavaScript an oversized post goes back to the form, which says why.
    let r = send(
        bad_bodies()[6].1(
            owner
                .post(app.url("/sfn/medals/save"))
                .header("accept", "text/html")
                .header("referer", app.url("/medals/new")),
            "/sfn/medals/save",
        ),
        "oversized plain post",
    )
    .await;
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/medals/new");
    let page = app.get(&owner, "/medals/new").await.text().await.unwrap();
    assert!(page.contains("提交的内容太大：最多 4 MB"), "{page}");
    // Requests are still served afterwards (no worker died).
    assert_eq!(app.get(&owner, "/medals").await.status(), 200);
}
both!(
    malformed_bodies_get_a_4xx_and_change_nothing,
    super::malformed_bodies_get_a_4xx_and_change_nothing
);

async fn other_sites_cannot_post(b: Backend) {
    let (app, owner) = seeded(b).await;
    let before = fingerprint(&app).await;
    let foreign: &[(&str, &str)] = &[
        ("origin", "https://evil.example"),
        ("origin", "null"),
        ("origin", "http://127.0.0.1:1"),
        ("sec-fetch-site", "cross-site"),
        // a sibling subdomain or another port on the host is another site's code too
        ("sec-fetch-site", "same-site"),
    ];
    for path in server_fns() {
        for (h, v) in foreign {
            let what = format!("{path} with {h}: {v}");
            let r = good_body(
                owner
                    .post(app.url(&path))
                    .header("accept", "application/json")
                    .header(*h, *v),
                &path,
            );
            let r = send(r, &what).await;
            assert_eq!(r.status(), 403, "{what}");
            let body: serde_json::Value = r.json().await.unwrap();
            assert!(
                body["Refused"]["msg"]["en"]
                    .as_str()
                    .unwrap_or_default()
                    .contains("another site"),
                "{what}: {body}"
            );
        }
    }
    // Page paths and anything else that is not GET: refused the same way.
    for path in page_paths() {
        let path = path.replace(":id", "1").replace(":token", "x");
        let r = send(
            owner
                .post(app.url(&path))
                .header("origin", "https://evil.example"),
            &path,
        )
        .await;
        assert_eq!(r.status(), 403, "POST {path}");
    }
    assert_eq!(fingerprint(&app).await, before);
    // A cross-site sign-out did not end the session.
    let r = send(
        owner
            .post(app.url("/sfn/auth/logout"))
            .header("sec-fetch-site", "cross-site"),
        "logout",
    )
    .await;
    assert_eq!(r.status(), 403);
    let me: serde_json::Value = app
        .post(&owner, "/sfn/auth/me", &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(me["username"], "owner-user");
    // The site's own browser requests pass.
    let r = good_body(
        owner
            .post(app.url("/sfn/medals/list"))
            .header("accept", "application/json")
            .header("sec-fetch-site", "same-origin")
            .header("origin", app.addr.as_str()),
        "/sfn/medals/list",
    );
    assert_eq!(
        send(r, "same origin").await.status(),
        400,
        "past the guard: only the filter is missing"
    );
    let r = owner
        .post(app.url("/sfn/auth/me"))
        .header("accept", "application/json")
        .header("origin", app.addr.as_str())
        .form(&[("x", "1")]);
    assert_eq!(send(r, "same origin").await.status(), 200);
}
both!(other_sites_cannot_post, super::other_sites_cannot_post);

/// Visits every page of the router with a Viewer session (ids filled in).
pub async fn every_page(
    app: &TestApp,
    c: &Client,
    ids: &[(&str, String)],
) -> Vec<(String, Response)> {
    let mut out = Vec::new();
    for path in page_paths() {
        let mut p = path.clone();
        for (k, v) in ids {
            p = p.replace(k, v);
        }
        let r = app.get(c, &p).await;
        out.push((p, r));
    }
    out
}

async fn every_response_carries_the_security_headers(b: Backend) {
    let (app, owner) = seeded(b).await;
    let pages = every_page(
        &app,
        &owner,
        &[(":id", "1".into()), (":token", "nope".into())],
    )
    .await;
    assert!(pages.len() >= 25, "{}", pages.len());
    for (path, r) in pages {
        let h = r.headers();
        let csp = h
            .get("content-security-policy")
            .unwrap_or_else(|| panic!("{path}: no CSP"))
            .to_str()
            .unwrap()
            .to_string();
        assert!(csp.contains("script-src 'self' 'nonce-"), "{path}: {csp}");
        assert!(
            !csp.contains("'unsafe-inline'") && !csp.contains("'unsafe-eval'"),
            "{path}: {csp}"
        );
        assert_eq!(h["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(h["referrer-policy"], "same-origin", "{path}");
        if path.starts_with("/a/") {
            assert!(
                csp.contains("frame-ancestors 'self' https://*.dingtalk.com"),
                "{csp}"
            );
        } else {
            assert!(csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
            assert_eq!(h["x-frame-options"], "DENY", "{path}");
        }
        // Every inline script carries this response's nonce.
        let nonce = csp
            .split("'nonce-")
            .nth(1)
            .unwrap()
            .split('\'')
            .next()
            .unwrap()
            .to_string();
        let html = r.text().await.unwrap();
        for tag in html.split("<script").skip(1) {
            let open = tag.split('>').next().unwrap_or_default();
            assert!(
                open.contains(&format!("nonce=\"{nonce}\"")) || open.contains(" src="),
                "{path}: a script without the nonce: <script{open}>"
            );
        }
        assert!(
            !html.contains(" style=\""),
            "{path}: an inline style attribute (CSP forbids it)"
        );
    }
    // Files, machine endpoints and redirects carry them too.
    for path in [
        "/healthz",
        "/readyz",
        "/awards/export.csv",
        "/icons/nope.png",
        "/favicon.svg",
        "/medals",
    ] {
        let r = app.get(&app.client(), path).await;
        assert_eq!(r.headers()["x-content-type-options"], "nosniff", "{path}");
        assert!(
            r.headers().contains_key("content-security-policy"),
            "{path}"
        );
    }
}
both!(
    every_response_carries_the_security_headers,
    super::every_response_carries_the_security_headers
);

/// Values a redirect parameter must never follow off the site.
pub const HOSTILE_NEXT: &[&str] = &[
    "//evil.example/x",
    "/\t/evil.example/x",
    "/%09/evil.example/x",
    "/\\evil.example",
    "/%5Cevil.example",
    "/%2F%2Fevil.example",
    "https://evil.example",
    "HTTPS://evil.example",
    "javascript:alert(1)",
    "/\r\nSet-Cookie: x=1",
    "/%0d%0aSet-Cookie:x=1",
    " //evil.example",
    "\\\\evil.example",
    "/.//evil.example",
    "evil.example",
    "/\u{3000}/evil.example",
];

fn is_local(loc: &str) -> bool {
    loc.starts_with('/')
        && !loc.starts_with("//")
        && !loc.contains('\\')
        && !loc.chars().any(|c| c.is_control() || c.is_whitespace())
        && !loc.to_ascii_lowercase().contains("%2f%2f")
        && !loc.to_ascii_lowercase().contains("%09")
        && !loc.to_ascii_lowercase().contains("%5c")
}

async fn redirect_parameters_stay_on_the_site(b: Backend) {
    let app = spawn_app(b).await;
    app.create_admin("hr.li", Role::Admin).await;
    for next in HOSTILE_NEXT {
        // after signing in (the app's call and a plain form)
        let c = app.client();
        let r = app
            .post_plain(
                &c,
                "/sfn/auth/login",
                "/login",
                &[
                    ("username", "hr.li"),
                    ("password", PASSWORD),
                    ("next", next),
                ],
            )
            .await;
        let loc = r.headers()["location"].to_str().unwrap().to_string();
        assert_eq!(loc, "/", "login next={next:?} went to {loc:?}");
        // the language switch
        let r = c
            .get(app.url(&format!("/lang/en?back={}", urlencoding(next))))
            .send()
            .await
            .unwrap();
        let loc = r.headers()["location"].to_str().unwrap().to_string();
        assert_eq!(loc, "/", "lang back={next:?} went to {loc:?}");
        app.db.execute("DELETE FROM login_attempts").await.unwrap();
    }
    // A forged Referer on a plain form post does not send the browser away either.
    let c = app.client();
    let r = c
        .post(app.url("/sfn/auth/login"))
        .header("accept", "text/html")
        .header("referer", "https://evil.example/login")
        .form(&[("username", "hr.li"), ("password", "wrong")])
        .send()
        .await
        .unwrap();
    let loc = r.headers()["location"].to_str().unwrap().to_string();
    assert!(is_local(&loc) || loc.starts_with(&app.addr), "{loc}");
    // The login redirect of an odd path stays on the site, and so does signing in after it.
    for path in ["//evil.example/", "/%2F%2Fevil.example", "/medals?x=%0d%0a"] {
        let r = c.get(app.url(path)).send().await.unwrap();
        let Some(loc) = r.headers().get("location") else {
            continue;
        };
        let loc = loc.to_str().unwrap().to_string();
        let next = loc
            .strip_prefix("/login?next=")
            .unwrap_or_else(|| panic!("{path} -> {loc}"));
        let next: String = url::form_urlencoded::parse(format!("n={next}").as_bytes())
            .next()
            .map(|(_, v)| v.to_string())
            .unwrap();
        let r = app
            .post_plain(
                &c,
                "/sfn/auth/login",
                "/login",
                &[
                    ("username", "hr.li"),
                    ("password", PASSWORD),
                    ("next", &next),
                ],
            )
            .await;
        let after = r.headers()["location"].to_str().unwrap().to_string();
        assert!(is_local(&after), "{path}: signed in, then sent to {after}");
    }
}
both!(
    redirect_parameters_stay_on_the_site,
    super::redirect_parameters_stay_on_the_site
);

fn urlencoding(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}
