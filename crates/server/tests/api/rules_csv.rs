//! The events CSV upload on /rules: preview (counts, the first lines, every bad line by its line
//! number), confirm (the good lines ingested, the rules evaluated), GBK and UTF-8, Chinese and
//! English headers, replays, roles, and the same without JavaScript.

use crate::both;
use crate::helpers::*;
use medal_core::Role;
use medal_server::with_db;
use reqwest::header::{ACCEPT, REFERER};
use reqwest::{multipart, Client};
use serde_json::Value;

async fn person(
    app: &TestApp,
    name: &str,
    ext: Option<&str>,
    mobile: Option<&str>,
    uid: Option<&str>,
) -> i64 {
    with_db!(&app.db, p => sqlx::query_scalar::<_, i64>(
        "INSERT INTO staff (name, department, external_id, mobile, dingtalk_user_id, active, created_at, updated_at) \
         VALUES ($1, '研发部', $2, $3, $4, TRUE, 0, 0) RETURNING id")
        .bind(name).bind(ext).bind(mobile).bind(uid).fetch_one(p).await)
    .unwrap()
}

fn csv_part(bytes: Vec<u8>) -> multipart::Form {
    multipart::Form::new().part(
        "file",
        multipart::Part::bytes(bytes)
            .file_name("events.csv")
            .mime_str("text/csv")
            .unwrap(),
    )
}

async fn preview(app: &TestApp, c: &Client, bytes: Vec<u8>) -> Value {
    let r = app
        .post_multipart(c, "/sfn/rules/events/preview", csv_part(bytes))
        .await;
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    r.json().await.unwrap()
}

async fn commit(app: &TestApp, c: &Client, token: &str) -> Value {
    let r = app
        .post(c, "/sfn/rules/events/commit", &[("token", token)])
        .await;
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    r.json().await.unwrap()
}

/// (accepted, duplicates, awarded, skipped)
fn outcome(o: &Value) -> (u64, u64, u64, u64) {
    let n = |k: &str| o[k].as_u64().unwrap();
    (n("accepted"), n("duplicates"), n("awarded"), n("skipped"))
}

/// (line, field) of every bad line.
fn bad_lines(p: &Value) -> Vec<(u64, String)> {
    p["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["line"].as_u64().unwrap(),
                e["field"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// (sum of values, facts) of a metric.
async fn facts(app: &TestApp, metric: &str) -> (i64, i64) {
    with_db!(&app.db, p => sqlx::query_as::<_, (i64, i64)>(
        "SELECT CAST(COALESCE(SUM(value), 0) AS BIGINT), COUNT(*) FROM facts WHERE metric = $1")
        .bind(metric).fetch_one(p).await)
    .unwrap()
}

async fn awarded_to(app: &TestApp, medal: i64) -> Vec<i64> {
    with_db!(&app.db, p => sqlx::query_scalar::<_, i64>(
        "SELECT staff_id FROM awards WHERE medal_id = $1 AND awarded_by_rule IS NOT NULL ORDER BY staff_id")
        .bind(medal).fetch_all(p).await)
    .unwrap()
}

/// A total rule on `metric` reaching `threshold`, counting all history.
async fn total_rule(app: &TestApp, c: &Client, medal: i64, metric: &str, threshold: &str) {
    let medal = medal.to_string();
    let form = [
        ("form[name]", "完成10个任务"),
        ("form[medal_id]", medal.as_str()),
        ("form[metric]", metric),
        ("form[kind]", "total"),
        ("form[days]", "calendar"),
        ("form[period]", "none"),
        ("form[threshold]", threshold),
        ("form[backfill]", "true"),
    ];
    let r = app.post(c, "/sfn/rules/save", &form).await;
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
}

const UTF8: &str = "\u{feff}工号,手机号,userId,指标,日期,增量,幂等键\n\
E1,,,tasks_completed,2026-11-02,6,k1\n\
,13800138001,,tasks_completed,2026-11-03,2,k2\n\
E1,,,tasks_completed,2026-11-04,x,k3\n\
E1,,,tasks_completed,2026-11-31,1,k4\n\
nobody,,,tasks_completed,2026-11-05,1,k5\n\
\n\
E1,,,tasks_completed,2026-11-06,1,\n\
E1,,,Bad Metric,2026-11-06,1,k6\n\
,,uid-c,tasks_completed,2026-11-07,4,k7\n\
E1,,,tasks_completed,2026-11-20,5,k8\n";

async fn bad_lines_reported_good_lines_applied_and_replays_change_nothing(b: Backend) {
    let app = spawn_app(b).await;
    let c = app.signed_in(Role::Admin).await;
    let medal = create_medal(&app, &c, &[("name", "任务达人"), ("kind", "automatic")]).await;
    let a = person(&app, "甲", Some("E1"), None, None).await;
    let _b = person(&app, "乙", None, Some("13800138001"), None).await;
    let _c = person(&app, "丙", None, None, Some("uid-c")).await;
    total_rule(&app, &c, medal, "tasks_completed", "10").await;

    let p = preview(&app, &c, UTF8.as_bytes().to_vec()).await;
    assert_eq!(p["encoding"], "UTF-8");
    assert_eq!(
        (p["lines"].as_u64(), p["good"].as_u64()),
        (Some(9), Some(4))
    );
    let want: Vec<(u64, String)> = [
        (4, "increment"),
        (5, "date"),
        (6, "external_id"),
        (8, "idempotency_key"),
        (9, "metric"),
    ]
    .iter()
    .map(|(l, f)| (*l, f.to_string()))
    .collect();
    assert_eq!(bad_lines(&p), want);
    assert_eq!(p["duplicates"], 0);
    assert_eq!(p["errors"][2]["message"]["zh"], "找不到这位员工");
    assert_eq!(p["errors"][2]["message"]["en"], "No such person");
    let first: Vec<(u64, &str, &str, &str)> = p["first"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["line"].as_u64().unwrap(),
                l["name"].as_str().unwrap(),
                l["change"].as_str().unwrap(),
                l["date"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        first,
        [
            (2, "甲", "+6", "2026-11-02"),
            (3, "乙", "+2", "2026-11-03"),
            (10, "丙", "+4", "2026-11-07"),
            (11, "甲", "+5", "2026-11-20")
        ]
    );
    assert_eq!(
        facts(&app, "tasks_completed").await,
        (0, 0),
        "a preview writes nothing"
    );

    let token = p["token"].as_str().unwrap().to_string();
    let o = commit(&app, &c, &token).await;
    assert_eq!(outcome(&o), (4, 0, 1, 5));
    assert_eq!(facts(&app, "tasks_completed").await, (17, 4));
    assert_eq!(awarded_to(&app, medal).await, [a], "6 + 5 reach 10");
    let r = app
        .post(&c, "/sfn/rules/events/commit", &[("token", &token)])
        .await;
    assert_eq!(r.status(), 409, "a kept file is applied once");

    // The same file again: every key was applied before, nothing changes.
    let p = preview(&app, &c, UTF8.as_bytes().to_vec()).await;
    assert_eq!(
        (p["good"].as_u64(), p["duplicates"].as_u64()),
        (Some(4), Some(4))
    );
    let o = commit(&app, &c, p["token"].as_str().unwrap()).await;
    assert_eq!(outcome(&o), (0, 4, 0, 5));
    assert_eq!(facts(&app, "tasks_completed").await, (17, 4));
    assert_eq!(awarded_to(&app, medal).await, [a]);
    let audits: i64 = with_db!(&app.db, p => sqlx::query_scalar::<_, i64>(
        "SELECT COUNT(*) FROM audit_entries WHERE action = 'rules.events_import'").fetch_one(p).await)
    .unwrap();
    assert_eq!(audits, 2);
}
both!(
    bad_lines_reported_good_lines_applied_and_replays_change_nothing,
    super::bad_lines_reported_good_lines_applied_and_replays_change_nothing
);

async fn gbk_and_english_headers_with_readings(b: Backend) {
    let app = spawn_app(b).await;
    let c = app.signed_in(Role::Admin).await;
    let medal = create_medal(&app, &c, &[("name", "销售冠军"), ("kind", "automatic")]).await;
    let a = person(&app, "张三", Some("E001"), None, None).await;
    let z = person(&app, "李四", Some("E002"), None, None).await;
    total_rule(&app, &c, medal, "sales", "100").await;

    // GBK (as Excel saves a Chinese sheet), Chinese headers, readings that replace the day's value
    let (gbk, _, _) = encoding_rs::GBK.encode(
        "工号,指标,日期,数值\nE001,sales,2026-11-02,30\nE002,sales,2026-11-02,50\nE001,sales,2026-11-02,60\n李四,sales,2026-11-03,1\n",
    );
    let p = preview(&app, &c, gbk.into_owned()).await;
    assert_eq!(p["encoding"], "GB18030");
    assert_eq!(p["first"][0]["name"], "张三");
    assert_eq!(p["first"][0]["change"], "= 30");
    assert_eq!(bad_lines(&p), [(5, "external_id".to_string())]);
    let o = commit(&app, &c, p["token"].as_str().unwrap()).await;
    assert_eq!(outcome(&o), (3, 0, 0, 1));
    assert_eq!(facts(&app, "sales").await, (110, 2), "60 replaced 30");

    // UTF-8, English headers; a reading sent again changes nothing, an increment adds
    let text = "external_id,metric,date,value,increment,idempotency_key\n\
                E001,sales,2026-11-02,60,,\n\
                E002,sales,2026-11-04,,50,s-1\n\
                E002,sales,2026-11-05,7,8,s-2\n\
                E002,sales,2026-11-06,,9,s-1\n";
    let p = preview(&app, &c, text.as_bytes().to_vec()).await;
    assert_eq!(p["encoding"], "UTF-8");
    assert_eq!(
        bad_lines(&p),
        [(4, "value".to_string())],
        "value and increment"
    );
    assert_eq!(p["duplicates"], 1, "a key twice in the file counts once");
    let o = commit(&app, &c, p["token"].as_str().unwrap()).await;
    assert_eq!(outcome(&o), (2, 1, 1, 1));
    assert_eq!(facts(&app, "sales").await, (160, 3));
    assert_eq!(
        awarded_to(&app, medal).await,
        [z],
        "50 + 50 reach 100; 60 does not"
    );
    assert_ne!(a, z);
}
both!(
    gbk_and_english_headers_with_readings,
    super::gbk_and_english_headers_with_readings
);

const SMALL: &str =
    "工号,指标,日期,增量,幂等键\nE1,tasks,2026-11-02,1,k1\nE1,tasks,2026-11-02,x,k2\n";

async fn only_admins_upload(b: Backend) {
    let app = spawn_app(b).await;
    person(&app, "甲", Some("E1"), None, None).await;
    let admin = app.signed_in(Role::Admin).await;
    let p = preview(&app, &admin, SMALL.as_bytes().to_vec()).await;
    let token = p["token"].as_str().unwrap().to_string();
    let kept = || async {
        with_db!(&app.db, p => sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM event_imports").fetch_one(p).await)
            .unwrap()
    };
    for role in [Role::Viewer, Role::Awarder] {
        let c = app.signed_in(role).await;
        let r = app
            .post_multipart(
                &c,
                "/sfn/rules/events/preview",
                csv_part(SMALL.as_bytes().to_vec()),
            )
            .await;
        assert_eq!(r.status(), 403, "preview as {role:?}");
        for (path, form) in [
            ("/sfn/rules/events/pending", vec![]),
            ("/sfn/rules/events/commit", vec![("token", token.as_str())]),
            ("/sfn/rules/events/cancel", vec![]),
        ] {
            let r = app.post(&c, path, &form).await;
            assert_eq!(r.status(), 403, "{path} as {role:?}");
        }
    }
    let r = app
        .post_multipart(
            &app.client(),
            "/sfn/rules/events/preview",
            csv_part(SMALL.as_bytes().to_vec()),
        )
        .await;
    assert_eq!(r.status(), 401);
    assert_eq!(kept().await, 1, "the admin's upload is still kept");
    assert_eq!(facts(&app, "tasks").await, (0, 0), "nothing applied");
    // The admin's cancel forgets it.
    let r = app.post(&admin, "/sfn/rules/events/cancel", &[]).await;
    assert_eq!(r.status(), 200);
    assert_eq!(kept().await, 0);
    let r = app.post(&admin, "/sfn/rules/events/pending", &[]).await;
    assert_eq!(r.json::<Value>().await.unwrap(), Value::Null);
}
both!(only_admins_upload, super::only_admins_upload);

async fn upload_without_javascript(b: Backend) {
    let app = spawn_app(b).await;
    person(&app, "甲", Some("E1"), None, None).await;
    let c = app.signed_in(Role::Admin).await;
    let plain = |form: multipart::Form| {
        c.post(app.url("/sfn/rules/events/preview"))
            .header(ACCEPT, "text/html")
            .header(REFERER, app.url("/rules"))
            .multipart(form)
            .send()
    };
    let r = plain(csv_part(SMALL.as_bytes().to_vec())).await.unwrap();
    assert_eq!(r.status(), 302);
    assert_eq!(r.headers()["location"], "/rules#events-csv");
    let html = app.get(&c, "/rules").await.text().await.unwrap();
    assert!(html.contains("确认导入 1 行"), "preview shown");
    assert!(html.contains(r#"data-line="3""#), "the bad line by number");
    assert!(html.contains("「x」不是整数"), "its reason");
    let token = html
        .split(r#"name="token" value=""#)
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap()
        .to_string();
    let r = app
        .post_plain(
            &c,
            "/sfn/rules/events/commit",
            "/rules",
            &[("token", &token)],
        )
        .await;
    assert_eq!(r.status(), 302);
    let to = r.headers()["location"].to_str().unwrap().to_string();
    assert_eq!(
        to,
        "/rules?events_done=1&accepted=1&duplicates=0&awarded=0&skipped=1#events-csv"
    );
    let html = app.get(&c, &to).await.text().await.unwrap();
    assert!(html.contains("事件已导入：接受 1 条"), "result shown");
    assert!(!html.contains("确认导入"), "nothing kept any more");
    assert_eq!(facts(&app, "tasks").await, (1, 1));
    // A file without the columns events need comes back with the reason by the file field.
    let r = plain(csv_part("姓名,部门\n张三,研发部\n".as_bytes().to_vec()))
        .await
        .unwrap();
    assert_eq!(r.status(), 302);
    let back = r.headers()["location"].to_str().unwrap().to_string();
    let back = back.strip_prefix(&app.addr).unwrap_or(&back).to_string();
    assert!(back.starts_with("/rules"), "{back}");
    let html = app.get(&c, &back).await.text().await.unwrap();
    assert!(html.contains("数值或增量"), "file error shown");
}
both!(upload_without_javascript, super::upload_without_javascript);

/// An upload holds the bulk slot while its body comes in: a second one meanwhile gets 503 with
/// Retry-After, and once the first is gone uploads work again.
async fn a_second_upload_meanwhile_is_told_to_retry(b: Backend) {
    use tokio::io::AsyncWriteExt;
    let app = spawn_app(b).await;
    app.create_admin("uploader", Role::Admin).await;
    let (c, jar) = app.client_with_jar();
    assert_eq!(app.login(&c, "uploader", PASSWORD).await.status(), 200);
    let cookie = app.session_cookie(&jar).unwrap();
    let host = app.addr.strip_prefix("http://").unwrap().to_string();
    let head = format!(
        "POST /sfn/rules/events/preview HTTP/1.1\r\nHost: {host}\r\nCookie: medals_session={cookie}\r\n\
         Accept: application/json\r\nContent-Type: multipart/form-data; boundary=XB\r\n\
         Content-Length: 100000\r\n\r\n--XB\r\nContent-Disposition: form-data; name=\"file\"; \
         filename=\"e.csv\"\r\nContent-Type: text/csv\r\n\r\n工号,指标,日期,数值\n"
    );
    // The first upload's body never ends; it takes the slot once the server reads its head (a
    // try where the second got there first is tried again).
    let mut busy = None;
    let mut slow = None;
    for _ in 0..20 {
        let mut s = tokio::net::TcpStream::connect(&host).await.unwrap();
        s.write_all(head.as_bytes()).await.unwrap();
        s.flush().await.unwrap();
        tokio::time::sleep(std::time::Duration::from_millis(150)).await;
        let r = app
            .post_multipart(
                &c,
                "/sfn/rules/events/preview",
                csv_part(SMALL.as_bytes().to_vec()),
            )
            .await;
        if r.status() == 503 {
            busy = Some(r);
            slow = Some(s);
            break;
        }
        assert_eq!(r.status(), 200);
    }
    let busy = busy.expect("a second upload while the first holds the slot gets 503");
    assert_eq!(busy.headers()["retry-after"], "5");
    assert!(busy.text().await.unwrap().contains("另一个导入或导出"));
    drop(slow);
    let mut ok = false;
    for _ in 0..100 {
        let r = app
            .post_multipart(
                &c,
                "/sfn/rules/events/preview",
                csv_part(SMALL.as_bytes().to_vec()),
            )
            .await;
        if r.status() == 200 {
            ok = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(ok, "the slot is free again once the first upload is gone");
}
both!(
    a_second_upload_meanwhile_is_told_to_retry,
    super::a_second_upload_meanwhile_is_told_to_retry
);
