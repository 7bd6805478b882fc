//! The audit log page and its CSV (issue #12): filters in the URL, keyset paging, formulas
//! neutralised, and no secret stored or shown.

use dingtalk::sim::{GroupSpec, RobotSpec};
use medal_core::time::china_midnight;
use medal_core::Role;
use medal_server::with_db;
use reqwest::Client;
use serde_json::Value;

use crate::both;
use crate::helpers::spawn_app;
use crate::helpers::Backend;
use crate::helpers::TestApp;
use crate::share_fixtures::sim_app;

const HOUR: i64 = 3_600_000;

#[allow(clippy::too_many_arguments)]
async fn insert(
    app: &TestApp,
    actor: &str,
    action: &str,
    object_type: &str,
    object_id: &str,
    before: Option<&str>,
    after: Option<&str>,
    at: i64,
) {
    with_db!(&app.db, p => sqlx::query(medal_server::infra::audit::INSERT)
        .bind(None::<i64>).bind(actor).bind(action).bind(object_type).bind(object_id)
        .bind(before).bind(after).bind(at).execute(p).await.map(|_| ()))
    .unwrap();
}

async fn list(app: &TestApp, c: &Client, q: &[(&str, &str)]) -> (u16, Value) {
    let form: Vec<(String, &str)> = q
        .iter()
        .map(|(k, v)| (format!("filter[{k}]"), *v))
        .collect();
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), *v)).collect();
    let form = if form.is_empty() {
        vec![("filter[actor]", "")]
    } else {
        form
    };
    let r = app.post(c, "/sfn/audit/list", &form).await;
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

fn ids(page: &Value) -> Vec<i64> {
    page["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_i64().unwrap())
        .collect()
}

/// Every page of a filter, following `older`.
async fn all_pages(app: &TestApp, c: &Client, q: &[(&str, &str)]) -> Vec<Vec<i64>> {
    let mut pages = Vec::new();
    let mut before = String::new();
    loop {
        let mut q = q.to_vec();
        q.push(("before", &before));
        let (status, page) = list(app, c, &q).await;
        assert_eq!(status, 200, "{page}");
        pages.push(ids(&page));
        match page["older"].as_i64() {
            Some(id) => before = id.to_string(),
            None => return pages,
        }
    }
}

async fn audit_lists_filters_and_pages(b: Backend) {
    let app = spawn_app(b).await;
    let admin = app.signed_in(Role::Admin).await;
    let day = china_midnight(2025, 1, 10);
    // 120 entries over three China days, several in one millisecond (ties across a page edge)
    for i in 0..120i64 {
        let (actor, ty) = if i % 3 == 0 {
            ("hr.li", "medal")
        } else {
            ("hr.wang", "award")
        };
        let at = day - 2 * HOUR + (i / 4) * HOUR;
        let after = format!(r#"{{"name":"勋章{i}","archived":{}}}"#, i % 2 == 0);
        insert(
            &app,
            actor,
            "medal.archive",
            ty,
            &i.to_string(),
            Some(r#"{"archived":false,"name":"x"}"#),
            Some(&after),
            at,
        )
        .await;
    }
    let pages = all_pages(&app, &admin, &[]).await;
    assert_eq!(pages.iter().map(Vec::len).collect::<Vec<_>>(), [50, 50, 20]);
    let flat: Vec<i64> = pages.concat();
    let mut sorted = flat.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(flat, sorted, "newest first, no entry twice or lost");
    sorted.dedup();
    assert_eq!(sorted.len(), 120);

    let by_actor: Vec<i64> = all_pages(&app, &admin, &[("actor", "hr.li")])
        .await
        .concat();
    assert_eq!(by_actor.len(), 40);
    let by_type = all_pages(&app, &admin, &[("object_type", "award")]).await;
    assert_eq!(by_type.iter().map(Vec::len).collect::<Vec<_>>(), [50, 30]);
    // 2025-01-10 China time: entries at hours 2..=25 after 22:00 on the 9th → i/4 in 2..=25
    let one_day = all_pages(
        &app,
        &admin,
        &[("from", "2025-01-10"), ("to", "2025-01-10")],
    )
    .await
    .concat();
    assert_eq!(one_day.len(), 24 * 4);
    let both = all_pages(
        &app,
        &admin,
        &[("actor", "hr.wang"), ("object_type", "medal")],
    )
    .await
    .concat();
    assert!(both.is_empty());
    let (status, v) = list(&app, &admin, &[("from", "2025-13-01")]).await;
    assert_eq!(
        (status, v["Validation"]["from"].is_array()),
        (422, true),
        "{v}"
    );
    // an entry shows what changed, by key, in words
    let (_, page) = list(&app, &admin, &[("actor", "hr.li")]).await;
    let keys = |e: &Value| -> Vec<String> {
        e["changes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["key"].as_str().unwrap().to_string())
            .collect()
    };
    // the newest is #117 (archived stayed false), then #114 (archived became true)
    assert_eq!(page["entries"][0]["action"], "medal.archive");
    assert_eq!(keys(&page["entries"][0]), ["name"]);
    assert_eq!(keys(&page["entries"][1]), ["archived", "name"]);
    assert_eq!(page["entries"][1]["changes"][0]["after"], "true");

    // The page: filters as GET parameters, 50 rows, a link to the older page, labels, links.
    let html = app
        .get(&admin, "/audit?actor=hr.li&object_type=medal")
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(html.matches("<tr data-id=").count(), 40);
    assert!(
        html.contains("归档勋章") && html.contains("href=\"/medals/"),
        "labels and links"
    );
    let html = app.get(&admin, "/audit").await.text().await.unwrap();
    assert_eq!(html.matches("<tr data-id=").count(), 50);
    let older = format!("before={}", pages[0].last().unwrap());
    assert!(html.contains(&older), "the older page's link");
    let html = app
        .get(&admin, &format!("/audit?{older}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains(&format!("<tr data-id=\"{}\"", pages[1][0])));
    assert!(html.contains("« 最新"));
}
both!(
    audit_lists_filters_and_pages,
    super::audit_lists_filters_and_pages
);

async fn audit_csv_follows_the_filter_and_stays_text(b: Backend) {
    let app = spawn_app(b).await;
    let admin = app.signed_in(Role::Admin).await;
    let now = china_midnight(2025, 3, 1);
    for i in 0..30 {
        let (actor, ty) = if i % 2 == 0 {
            ("=cmd|' /C calc'!A0", "medal")
        } else {
            ("hr.wang", "staff")
        };
        insert(
            &app,
            actor,
            "medal.create",
            ty,
            "1",
            None,
            Some(r#"{"name":"=HYPERLINK(\"http://e.x\")"}"#),
            now + i,
        )
        .await;
    }
    let r = admin
        .get(app.url("/audit.csv?object_type=medal"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/csv"));
    let text = r.text().await.unwrap();
    let mut rdr = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    let rows: Vec<csv::StringRecord> = rdr.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 15, "only the filter's rows");
    for row in &rows {
        assert_eq!(&row[5], "勋章");
        for cell in row.iter() {
            assert!(
                !cell.starts_with(['=', '+', '-', '@']),
                "a formula: {cell:?}"
            );
        }
    }
    assert!(rows[0][2].starts_with("'=cmd"), "{:?}", rows[0]);
    assert!(rows[0][8].contains("HYPERLINK"));
    // a cap cuts the file and says so
    let bytes = medal_server::audit::export::export(
        &app.db,
        &medal_server::audit::AuditFilter::default(),
        medal_core::Lang::En,
        10,
    )
    .await
    .unwrap();
    let text = String::from_utf8(bytes).unwrap();
    assert_eq!(text.lines().count(), 1 + 10 + 1);
    assert!(text.lines().last().unwrap().contains("at most 10 rows"));
    // without a session: to the login page and back
    let r = app
        .client()
        .get(app.url("/audit.csv"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
}
both!(
    audit_csv_follows_the_filter_and_stays_text,
    super::audit_csv_follows_the_filter_and_stays_text
);

async fn no_secret_reaches_the_audit(b: Backend) {
    let (app, sim, _config) = sim_app(b).await;
    let owner = app.signed_in(Role::Owner).await;
    let app_secret = "appsecret-0123456789XYZ";
    let r = app
        .post(
            &owner,
            "/sfn/settings/save",
            &[
                ("form[app_key]", "dingkey1"),
                ("form[app_secret]", app_secret),
                ("form[robot_code]", "dingrobot1"),
            ],
        )
        .await;
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    // a second save with another secret: before and after both have one
    let r = app
        .post(
            &owner,
            "/sfn/settings/save",
            &[("form[app_secret]", "appsecret-second-ABCDEF")],
        )
        .await;
    assert_eq!(r.status(), 200);
    let g = sim.sim.create_group(GroupSpec::named("秘密群"));
    let robot = sim
        .sim
        .create_robot(RobotSpec {
            group: g.open_conversation_id.clone(),
            ..RobotSpec::default()
        })
        .unwrap();
    let sign_secret = robot.secret.clone().unwrap();
    let token = robot
        .webhook_url
        .split("access_token=")
        .nth(1)
        .unwrap()
        .to_string();
    let r = app
        .post(
            &owner,
            "/sfn/groups/save",
            &[
                ("form[name]", "秘密群"),
                ("form[kind]", "webhook"),
                ("form[webhook_url]", robot.webhook_url.as_str()),
                ("form[sign_secret]", sign_secret.as_str()),
            ],
        )
        .await;
    assert_eq!(r.status(), 200);
    let gid: i64 = r.json().await.unwrap();
    let r = app
        .post(
            &owner,
            "/sfn/groups/save",
            &[
                ("form[id]", gid.to_string().as_str()),
                ("form[name]", "秘密群2"),
                ("form[sign_secret]", "SECnewsecret0123456789"),
            ],
        )
        .await;
    assert_eq!(r.status(), 200);
    let r = app
        .post(
            &owner,
            "/sfn/admins/create",
            &[
                ("form[username]", "pw.typed"),
                ("form[role]", "viewer"),
                ("form[password]", "typed password 99"),
            ],
        )
        .await;
    assert_eq!(r.status(), 200);
    let id = with_db!(&app.db, p => sqlx::query_scalar::<_, i64>("SELECT id FROM admins WHERE username = 'pw.typed'")
        .fetch_one(p).await)
    .unwrap();
    let reset: Value = app
        .post(
            &owner,
            "/sfn/admins/reset_password",
            &[("id", id.to_string().as_str())],
        )
        .await
        .json()
        .await
        .unwrap();
    let generated = reset["password"].as_str().unwrap().to_string();
    // an old-style row that did keep secrets: masked when shown
    insert(&app, "legacy", "group.update", "share_group", &gid.to_string(), None,
        Some(r#"{"sign_secret":"SEClegacy0123456789","url":"https://oapi.dingtalk.com/robot/send?access_token=legacytoken123","app_secret_masked":"app••••••YZ"}"#),
        medal_server::infra::now_ms()).await;

    let secrets = [
        app_secret,
        "appsecret-second-ABCDEF",
        "app••••••YZ",
        "app••••••EF",
        &sign_secret,
        "SECnewsecret0123456789",
        &token,
        "typed password 99",
        &generated,
        "$argon2",
    ];
    let stored = with_db!(&app.db, p => sqlx::query_as::<_, (String, Option<String>, Option<String>)>(
        "SELECT action, before_json, after_json FROM audit_entries WHERE actor <> 'legacy'").fetch_all(p).await)
    .unwrap();
    assert!(stored.len() >= 6, "{stored:?}");
    let text = format!("{stored:?}");
    for s in secrets {
        assert!(!text.contains(s), "{s:?} is in the audit table: {text}");
    }
    let page = app.get(&owner, "/audit").await.text().await.unwrap();
    let csv = owner
        .get(app.url("/audit.csv"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for s in secrets
        .iter()
        .chain(&["SEClegacy0123456789", "legacytoken123"])
    {
        assert!(!page.contains(s), "{s:?} is on the audit page");
        assert!(!csv.contains(s), "{s:?} is in the audit CSV");
    }
    assert!(page.contains("修改设置") && page.contains("重置密码") && page.contains("••••••"));
}
both!(
    no_secret_reaches_the_audit,
    super::no_secret_reaches_the_audit
);
