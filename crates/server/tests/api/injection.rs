//! Hostile text in every field a person can type — medal, staff (form and CSV import), award
//! reason, personal message, group name and keywords, department, settings — then every page
//! of the router (the admins page and the audit log among them), the public page, the card
//! preview, the card JSON DingTalk receives and the CSV exports (audit log included) are checked: the text is shown, escaped or neutralised, and never becomes markup,
//! script, a link or a formula. One-line fields refuse line breaks; all fields refuse bidi
//! controls.

use dingtalk::sim::{GroupSpec, RobotSpec};
use medal_core::Role;
use medal_server::with_db;
use reqwest::Client;
use serde_json::Value;

use crate::both;
use crate::helpers::medal_form;
use crate::helpers::Backend;
use crate::helpers::TestApp;
use crate::security::every_page;
use crate::share_fixtures::sim_app;
use crate::share_fixtures::wait_done;

/// Payloads that fit every field (a medal name has at most 30 characters).
pub const PAYLOADS: &[&str] = &[
    "</title><script>x()</script>",
    "\"><img src=x onerror=x()>",
    "'><svg onload=x()>",
    "</script><script>x()</script>",
    "[领奖](https://evil.example/x)",
    "javascript:x()//",
    "=HYPERLINK(\"http://e.x\")",
    "@SUM(1+1)*cmd",
    "+1-2 # 标题 > 引用 **粗**",
    "<a href=javascript:x()>点</a>",
];

/// What must never appear in HTML: markup that only a failure to escape can produce.
const RAW_HTML: &[&str] = &[
    "<script>x()",
    "</title><script",
    "<img src=x",
    "<svg onload",
    "<a href=javascript",
    "href=\"javascript:",
    "src=\"javascript:",
    "href='javascript:",
    "href=\"https://evil.example",
];

pub fn assert_inert_html(html: &str, whence: &str) {
    let lower = html.to_ascii_lowercase();
    for bad in RAW_HTML {
        assert!(
            !lower.contains(&bad.to_ascii_lowercase()),
            "{whence}: raw {bad:?} in the HTML:\n{}",
            around(html, bad)
        );
    }
}

fn around(html: &str, needle: &str) -> String {
    let lower = html.to_ascii_lowercase();
    match lower.find(&needle.to_ascii_lowercase()) {
        Some(i) => {
            let start = html.floor_char_boundary(i.saturating_sub(200));
            let end = html.ceil_char_boundary((i + 200).min(html.len()));
            html[start..end].to_string()
        }
        None => String::new(),
    }
}

/// DingTalk markdown: no link, image, heading, quote or HTML from user text.
fn assert_inert_markdown(md: &str, whence: &str) {
    for bad in [
        "](https://evil.example",
        "<script",
        "<img",
        "<svg",
        "<a href",
        "javascript:x()//](",
    ] {
        assert!(
            !md.contains(bad),
            "{whence}: {bad:?} in the card markdown:\n{md}"
        );
    }
    for line in md.lines() {
        let t = line.trim_start();
        assert!(
            !t.starts_with("# 标题") && !t.starts_with("> 引用"),
            "{whence}: user text started a line: {line:?}"
        );
    }
}

fn assert_inert_csv(bytes: &[u8], whence: &str) {
    let text = String::from_utf8(bytes.to_vec()).unwrap();
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    let mut cells = 0;
    for rec in rdr.records() {
        for cell in rec.unwrap().iter() {
            cells += 1;
            assert!(
                !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
                "{whence}: a cell a spreadsheet would run: {cell:?}"
            );
        }
    }
    assert!(cells > 0, "{whence}: empty");
}

async fn ok_json(r: reqwest::Response, what: &str) -> Value {
    let status = r.status();
    let body = r.text().await.unwrap();
    assert!(status.is_success(), "{what}: {status} {body}");
    serde_json::from_str(&body).unwrap_or(Value::Null)
}

async fn save_staff(
    app: &TestApp,
    c: &Client,
    name: &str,
    dept: &str,
    uid: &str,
) -> reqwest::Response {
    app.post(
        c,
        "/sfn/staff/save",
        &[
            ("name", name),
            ("mobile", ""),
            ("dingtalk_user_id", uid),
            ("department", dept),
            ("external_id", ""),
        ],
    )
    .await
}

async fn give(
    app: &TestApp,
    c: &Client,
    medal: i64,
    staff: i64,
    reason: &str,
) -> reqwest::Response {
    let form = reqwest::multipart::Form::new()
        .text("medal_id", medal.to_string())
        .text("reason", reason.to_string())
        .text("staff", staff.to_string());
    app.post_multipart(c, "/sfn/awards/give", form).await
}

async fn hostile_text_is_inert_everywhere(b: Backend) {
    let (app, sim, config) = sim_app(b).await;
    medal_server::shares::outbox::spawn(app.db.clone(), &config).unwrap();
    let admin = app.signed_in(Role::Owner).await;
    let viewer = app.signed_in(Role::Viewer).await;
    let mut medals = Vec::new();
    let mut staff = Vec::new();
    let mut awards = Vec::new();
    for (i, p) in PAYLOADS.iter().enumerate() {
        let m = ok_json(
            app.post_multipart(
                &admin,
                "/sfn/medals/save",
                medal_form(&[
                    ("name", p),
                    ("description", &format!("{p}\n{p}")),
                    ("criteria", p),
                ]),
            )
            .await,
            &format!("medal {p}"),
        )
        .await;
        medals.push(m.as_i64().unwrap());
        let s = ok_json(
            save_staff(&app, &admin, p, p, &format!("user{i}")).await,
            &format!("staff {p}"),
        )
        .await;
        staff.push(s.as_i64().unwrap());
    }
    // A CSV import brings the same names in (another way text enters).
    let csv = PAYLOADS
        .iter()
        .enumerate()
        .map(|(i, p)| format!("\"{}\",导入{i}部,E{i}", p.replace('"', "\"\"")))
        .collect::<Vec<_>>()
        .join("\n");
    let file = reqwest::multipart::Part::bytes(format!("姓名,部门,工号\n{csv}\n").into_bytes())
        .file_name("staff.csv");
    let preview = ok_json(
        app.post_multipart(
            &admin,
            "/sfn/staff/import/preview",
            reqwest::multipart::Form::new().part("file", file),
        )
        .await,
        "import preview",
    )
    .await;
    assert_eq!(preview["new"], PAYLOADS.len(), "{preview}");
    ok_json(
        app.post(
            &admin,
            "/sfn/staff/import/commit",
            &[("token", preview["token"].as_str().unwrap())],
        )
        .await,
        "import commit",
    )
    .await;
    for (i, p) in PAYLOADS.iter().enumerate() {
        let o = ok_json(
            give(
                &app,
                &admin,
                medals[i],
                staff[i],
                &format!("{p}\n第二行 {p}"),
            )
            .await,
            "give",
        )
        .await;
        awards.push(o["single_id"].as_i64().unwrap());
    }
    // A webhook group named and keyed with payloads, and the organisation's name.
    let g = sim.sim.create_group(GroupSpec::named("群"));
    let robot = sim
        .sim
        .create_robot(RobotSpec {
            group: g.open_conversation_id.clone(),
            keywords: vec!["勋章".into()],
            ..RobotSpec::default()
        })
        .unwrap();
    let gid = ok_json(
        app.post(
            &admin,
            "/sfn/groups/save",
            &[
                ("form[name]", PAYLOADS[0]),
                ("form[kind]", "webhook"),
                ("form[webhook_url]", robot.webhook_url.as_str()),
                ("form[sign_secret]", robot.secret.as_deref().unwrap()),
                ("form[keywords]", "勋章, <b>kw</b>"),
            ],
        )
        .await,
        "group",
    )
    .await
    .as_i64()
    .unwrap()
    .to_string();
    ok_json(
        app.post(
            &admin,
            "/sfn/settings/save",
            &[("form[org_name]", PAYLOADS[1])],
        )
        .await,
        "settings",
    )
    .await;
    // An admin whose display name is a payload (the admins page and the audit log show it).
    ok_json(
        app.post(
            &admin,
            "/sfn/admins/create",
            &[
                ("form[username]", "hostile.admin"),
                ("form[display_name]", PAYLOADS[0]),
                ("form[role]", "viewer"),
                ("form[password]", ""),
            ],
        )
        .await,
        "admin",
    )
    .await;
    // Share every award with a hostile personal message; the cards reach the simulator.
    let all = awards.iter().map(i64::to_string).collect::<Vec<_>>();
    for (i, a) in all.iter().enumerate() {
        let msg = PAYLOADS[(i + 3) % PAYLOADS.len()];
        let preview: Value = ok_json(
            app.post(
                &admin,
                "/sfn/shares/preview",
                &[
                    ("awards", a),
                    ("group", &gid),
                    ("options[message]", msg),
                    ("options[style]", "action_card"),
                    ("options[mention]", "true"),
                ],
            )
            .await,
            "preview",
        )
        .await;
        // data, drawn by the page: no link or image from user text survives in it
        let json = preview.to_string();
        for bad in [
            "\"url\":\"https://evil",
            "\"src\":\"https://evil",
            "\"url\":\"javascript",
            "\"url\":\"http://e.x",
        ] {
            assert!(!json.contains(bad), "card preview: {bad} in {json}");
        }
        // the same card drawn as HTML for the form's preview island: inert too
        let r = app
            .post(
                &admin,
                "/sfn/shares/preview_html",
                &[
                    ("awards", a),
                    ("group", &gid),
                    ("options[message]", msg),
                    ("options[style]", "action_card"),
                    ("options[mention]", "true"),
                ],
            )
            .await;
        assert_eq!(r.status(), 200, "preview html");
        let html: String = r.json().await.unwrap();
        assert!(html.contains("dt-preview"), "{html}");
        assert_inert_html(&html, "card preview html");
        ok_json(
            app.post(
                &admin,
                "/sfn/shares/create",
                &[
                    ("awards", a),
                    ("group_ids[]", &gid),
                    ("options[message]", msg),
                    ("options[style]", "markdown"),
                    ("options[mention]", "true"),
                ],
            )
            .await,
            "share",
        )
        .await;
    }
    let digest = all.join(",");
    ok_json(
        app.post(
            &admin,
            "/sfn/shares/create",
            &[
                ("awards", &digest),
                ("group_ids[]", &gid),
                ("options[message]", PAYLOADS[4]),
                ("options[digest]", "true"),
                ("options[mention]", "true"),
                // the same awards went as cards just now: the over-sharing guard asks
                ("confirm", "true"),
            ],
        )
        .await,
        "digest",
    )
    .await;
    let counts = wait_done(&app.db, std::time::Duration::from_secs(30)).await;
    assert_eq!(
        counts.get("sent").copied(),
        Some(PAYLOADS.len() as i64 + 1),
        "{counts:?}"
    );
    let received = sim.sim.messages(&g.open_conversation_id);
    assert_eq!(received.len(), PAYLOADS.len() + 1);
    for m in &received {
        let json = serde_json::to_value(&m.message).unwrap();
        let md = json["markdown"]["text"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        assert_inert_markdown(&md, "card sent to DingTalk");
        let title = json["markdown"]["title"].as_str().unwrap_or_default();
        assert!(!title.contains('\n'), "{title}");
        // the only link is the award's own page; @mentions are plain userIds
        for ids in json["at"]["atUserIds"].as_array().into_iter().flatten() {
            assert!(ids.as_str().unwrap().starts_with("user"), "{json}");
        }
    }

    // Every page of the router, as a viewer and as the owner, each id filled with a hostile one.
    let token: String = with_db!(&app.db, p => sqlx::query_scalar::<_, String>(
        "SELECT public_token FROM awards WHERE id = $1").bind(awards[0]).fetch_one(p).await)
    .unwrap();
    let share_id: i64 = with_db!(&app.db, p => sqlx::query_scalar::<_, i64>("SELECT MIN(id) FROM shares").fetch_one(p).await).unwrap();
    let mut escaped_seen = 0;
    for i in 0..PAYLOADS.len() {
        let ids = [
            (":id/edit", format!("{}/edit", medals[i])),
            (":token", token.clone()),
            (":id", medals[i].to_string()),
        ];
        for c in [&viewer, &admin] {
            for (path, r) in every_page(&app, c, &ids).await {
                let html = r.text().await.unwrap();
                assert_inert_html(&html, &path);
                if html.contains("&lt;/title&gt;&lt;script&gt;")
                    || html.contains("&lt;/title>&lt;script>")
                {
                    escaped_seen += 1;
                }
            }
        }
        // the pages of one person, one award, one share
        for path in [
            format!("/staff/{}", staff[i]),
            format!("/staff/{}/edit", staff[i]),
            format!("/awards/{}", awards[i]),
            format!("/shares/{share_id}"),
            format!("/groups/{gid}"),
            format!("/shares/new?awards={}", awards[i]),
            format!(
                "/awards?person={}",
                url::form_urlencoded::byte_serialize(PAYLOADS[i].as_bytes()).collect::<String>()
            ),
            format!(
                "/medals?q={}",
                url::form_urlencoded::byte_serialize(PAYLOADS[i].as_bytes()).collect::<String>()
            ),
        ] {
            let html = app.get(&admin, &path).await.text().await.unwrap();
            assert_inert_html(&html, &path);
        }
    }
    assert!(
        escaped_seen > 10,
        "the payloads were rendered (escaped) on the pages: {escaped_seen}"
    );
    // The public page, without a session: the payload is there, as text, in the title too.
    let public = app
        .get(&app.client(), &format!("/a/{token}"))
        .await
        .text()
        .await
        .unwrap();
    assert_inert_html(&public, "public page");
    let title = public
        .split("<title>")
        .nth(1)
        .unwrap()
        .split("</title>")
        .next()
        .unwrap();
    assert!(
        title.contains("&lt;/title&gt;&lt;script&gt;x()&lt;/script&gt;"),
        "{title}"
    );
    // Server-function answers are data (JSON), escaped where they are shown: spot-check they
    // carry the text unchanged (the pages above showed it inert).
    let a: Value = app
        .post(
            &viewer,
            "/sfn/awards/get",
            &[("id", &awards[0].to_string())],
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(a["medal_name"], PAYLOADS[0]);
    // CSV exports: every cell is text to a spreadsheet.
    for path in [
        "/awards/export.csv",
        "/staff/export.csv?status=all",
        "/audit.csv",
    ] {
        let r = admin.get(app.url(path)).send().await.unwrap();
        assert_eq!(r.status(), 200, "{path}");
        assert_inert_csv(&r.bytes().await.unwrap(), path);
    }
}
both!(
    hostile_text_is_inert_everywhere,
    super::hostile_text_is_inert_everywhere
);

/// Line breaks in one-line fields and bidi controls anywhere are refused with the field named.
async fn breaks_and_bidi_controls_are_refused(b: Backend) {
    let (app, _sim, _) = sim_app(b).await;
    let admin = app.signed_in(Role::Owner).await;
    let before = crate::security::fingerprint(&app).await;
    let rlo = "甲\u{202E}乙";
    let field_error = |v: &Value, field: &str| v["Validation"][field].is_array();
    for bad in ["两\n行", rlo] {
        let r = app
            .post_multipart(&admin, "/sfn/medals/save", medal_form(&[("name", bad)]))
            .await;
        assert_eq!(r.status(), 422);
        assert!(field_error(&r.json().await.unwrap(), "name"));
        let r = save_staff(&app, &admin, bad, "", "").await;
        assert!(
            field_error(&r.json().await.unwrap(), "name"),
            "staff name {bad:?}"
        );
        let r = save_staff(&app, &admin, "张三", bad, "").await;
        assert!(
            field_error(&r.json().await.unwrap(), "department"),
            "department {bad:?}"
        );
        let r = app
            .post(
                &admin,
                "/sfn/groups/save",
                &[
                    ("form[name]", bad),
                    ("form[kind]", "app"),
                    ("form[open_conversation_id]", "cid1"),
                ],
            )
            .await;
        assert!(
            field_error(&r.json().await.unwrap(), "name"),
            "group {bad:?}"
        );
        let r = app
            .post(&admin, "/sfn/settings/save", &[("form[org_name]", bad)])
            .await;
        assert!(
            field_error(&r.json().await.unwrap(), "org_name"),
            "org {bad:?}"
        );
    }
    // multi-line text allows line breaks but not bidi controls
    let r = app
        .post_multipart(
            &admin,
            "/sfn/medals/save",
            medal_form(&[("description", rlo)]),
        )
        .await;
    assert!(field_error(&r.json().await.unwrap(), "description"));
    // userIds are identifiers: markup is refused
    let r = save_staff(&app, &admin, "张三", "", "[领奖](https://evil.example/x)").await;
    assert!(field_error(&r.json().await.unwrap(), "dingtalk_user_id"));
    assert_eq!(
        crate::security::fingerprint(&app).await,
        before,
        "nothing was stored"
    );
    // the reason and the personal message
    let m = ok_json(
        app.post_multipart(&admin, "/sfn/medals/save", medal_form(&[]))
            .await,
        "medal",
    )
    .await;
    let s = ok_json(save_staff(&app, &admin, "张三", "", "").await, "staff").await;
    let r = give(&app, &admin, m.as_i64().unwrap(), s.as_i64().unwrap(), rlo).await;
    assert!(field_error(&r.json().await.unwrap(), "reason"));
    let a = ok_json(
        give(&app, &admin, m.as_i64().unwrap(), s.as_i64().unwrap(), "好").await,
        "give",
    )
    .await;
    let r = app
        .post(
            &admin,
            "/sfn/shares/preview",
            &[
                ("awards", &a["single_id"].to_string()),
                ("options[message]", rlo),
            ],
        )
        .await;
    assert!(field_error(&r.json().await.unwrap(), "message"));
}
both!(
    breaks_and_bidi_controls_are_refused,
    super::breaks_and_bidi_controls_are_refused
);
