//! The REST API (`/api/v1`): tokens (hash only, shown once, scopes, revoked, maker disabled or
//! demoted), every operation of the OpenAPI document refusing bad tokens, JSON errors with paths,
//! staff upsert, awards with the form's checks and `Idempotency-Key`, cursors, events and rules.

use crate::both;
use crate::helpers::*;
use medal_core::Role;
use medal_server::with_db;
use reqwest::Client;
use serde_json::{json, Value};

/// Makes a token through the tokens page's server function; returns (id, token).
async fn token(app: &TestApp, admin: &Client, name: &str, scopes: &[&str]) -> (i64, String) {
    let mut form = vec![("name", name)];
    form.extend(scopes.iter().map(|s| ("scopes[]", *s)));
    let r = app.post(admin, "/sfn/tokens/create", &form).await;
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    let v: Value = r.json().await.unwrap();
    (
        v["id"].as_i64().unwrap(),
        v["token"].as_str().unwrap().to_string(),
    )
}

fn api(
    app: &TestApp,
    c: &Client,
    method: &str,
    path: &str,
    token: Option<&str>,
) -> reqwest::RequestBuilder {
    let m = reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
    let rb = c.request(m, app.url(path));
    match token {
        Some(t) => rb.bearer_auth(t),
        None => rb,
    }
}

async fn code(r: reqwest::Response) -> (u16, Value) {
    let s = r.status().as_u16();
    let v: Value = r.json().await.unwrap_or(Value::Null);
    (s, v)
}

async fn tokens_keep_only_a_hash(b: Backend) {
    let app = spawn_app(b).await;
    let admin = app.signed_in(Role::Admin).await;
    let (id, t) = token(&app, &admin, "项目管理系统", &["read", "events"]).await;
    assert!(t.starts_with("mh_") && t.len() > 40, "{t}");
    let (hash, scopes): (String, String) = with_db!(&app.db, p => sqlx::query_as(
        "SELECT token_hash, scopes FROM api_tokens WHERE id = $1").bind(id).fetch_one(p).await)
    .unwrap();
    assert_ne!(hash, t);
    assert_eq!(hash.len(), 64);
    assert_eq!(scopes, "read,events");
    // the token is in no list, no page and no audit entry
    let list = app
        .post(&admin, "/sfn/tokens/list", &[])
        .await
        .text()
        .await
        .unwrap();
    assert!(!list.contains(&t) && !list.contains(&hash), "{list}");
    assert!(list.contains(&t[..10]), "the prefix is shown: {list}");
    let page = app.get(&admin, "/tokens").await.text().await.unwrap();
    assert!(page.contains("项目管理系统") && !page.contains(&t));
    let audit: Vec<String> = with_db!(&app.db, p => sqlx::query_scalar(
        "SELECT COALESCE(after_json, '') FROM audit_entries WHERE action = 'token.create'").fetch_all(p).await)
    .unwrap();
    assert_eq!(audit.len(), 1);
    assert!(!audit[0].contains(&t) && !audit[0].contains(&hash));
    // bad names and scopes are 422 by field
    let r = app
        .post(
            &admin,
            "/sfn/tokens/create",
            &[("name", " "), ("scopes[]", "root")],
        )
        .await;
    assert_eq!(r.status(), 422);
    let v: Value = r.json().await.unwrap();
    let fields = v["Validation"].as_object().unwrap();
    assert!(
        fields.contains_key("name") && fields.contains_key("scopes"),
        "{v}"
    );
    // names are text: a hostile one is shown escaped
    token(&app, &admin, "<script>alert(1)</script>\"'&", &["read"]).await;
    let page = app.get(&admin, "/tokens").await.text().await.unwrap();
    assert!(
        !page.contains("<script>alert(1)") && page.contains("&lt;script&gt;alert(1)"),
        "escaped"
    );
    // the reference page reads the document
    let viewer = app.signed_in(Role::Viewer).await;
    let docs = app.get(&viewer, "/api-docs").await.text().await.unwrap();
    for s in [
        "createAwards",
        "AwardCreate",
        "Idempotency-Key",
        "/api/v1/events",
        "recipients",
    ] {
        assert!(docs.contains(s), "{s} on /api-docs");
    }
    // used: last-used time set
    let c = app.client();
    let r = api(&app, &c, "get", "/api/v1/medals", Some(&t))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let used: Option<i64> = with_db!(&app.db, p => sqlx::query_scalar(
        "SELECT last_used_at FROM api_tokens WHERE id = $1").bind(id).fetch_one(p).await)
    .unwrap();
    assert!(used.is_some());
}
both!(tokens_keep_only_a_hash, super::tokens_keep_only_a_hash);

/// Every operation in the OpenAPI document, each token it must refuse, and the one it takes.
async fn every_operation_refuses_bad_tokens(b: Backend) {
    let app = spawn_app(b).await;
    let admin = app.signed_in(Role::Admin).await;
    let c = app.client();
    let r = c.get(app.url("/api/v1/openapi.json")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let doc: Value = r.json().await.unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    let all = ["read", "award", "events", "staff"];
    let (revoked_id, revoked) = token(&app, &admin, "revoked", &all).await;
    let r = app
        .post(
            &admin,
            "/sfn/tokens/revoke",
            &[("id", &revoked_id.to_string())],
        )
        .await;
    assert_eq!(r.status(), 200);
    let mut ops = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let scopes: Vec<&str> = op["security"][0]["bearer"]
                .as_array()
                .unwrap_or_else(|| panic!("{method} {path} names no scope"))
                .iter()
                .map(|s| s.as_str().unwrap())
                .collect();
            assert_eq!(scopes.len(), 1, "{method} {path}");
            let scope = scopes[0];
            let others: Vec<&str> = all.iter().copied().filter(|s| *s != scope).collect();
            let (_, lacking) =
                token(&app, &admin, &format!("without {scope} {ops}"), &others).await;
            let (_, right) = token(&app, &admin, &format!("with {scope} {ops}"), &[scope]).await;
            let url = path
                .replace("{id}", "999999")
                .replace("{external_id}", "E-404");
            let send = |t: Option<String>| {
                let rb = api(&app, &c, method, &url, t.as_deref());
                let rb = if method == "get" {
                    rb
                } else {
                    rb.json(&json!({}))
                };
                async move { code(rb.send().await.unwrap()).await }
            };
            let (s, v) = send(None).await;
            assert_eq!(
                (s, v["error"]["code"].as_str()),
                (401, Some("unauthorized")),
                "{method} {path}: {v}"
            );
            assert!(v["error"]["message"]["zh"]
                .as_str()
                .is_some_and(|m| !m.is_empty()));
            assert!(v["error"]["message"]["en"]
                .as_str()
                .is_some_and(|m| !m.is_empty()));
            let (s, v) = send(Some("mh_not-a-token".into())).await;
            assert_eq!(
                (s, v["error"]["code"].as_str()),
                (401, Some("invalid_token")),
                "{method} {path}"
            );
            let (s, v) = send(Some(revoked.clone())).await;
            assert_eq!(
                (s, v["error"]["code"].as_str()),
                (401, Some("token_revoked")),
                "{method} {path}"
            );
            let (s, v) = send(Some(lacking)).await;
            assert_eq!(
                (s, v["error"]["code"].as_str()),
                (403, Some("insufficient_scope")),
                "{method} {path}"
            );
            // the right scope passes the gate (then 200, or what the empty body / missing id earn)
            let (s, v) = send(Some(right)).await;
            assert!(
                ![401, 403].contains(&s),
                "{method} {path} with {scope}: {s} {v}"
            );
            if s >= 400 {
                assert!(
                    v["error"]["code"].is_string(),
                    "{method} {path}: JSON error: {v}"
                );
            }
            ops += 1;
        }
    }
    assert_eq!(ops, 10, "operations in the document");
    // a maker demoted to viewer: their award token no longer awards; disabled: no token works
    app.create_admin("maker", Role::Admin).await;
    let maker = app.client();
    assert_eq!(app.login(&maker, "maker", PASSWORD).await.status(), 200);
    let (_, t) = token(&app, &maker, "maker's", &["read", "award"]).await;
    with_db!(&app.db, p => sqlx::query("UPDATE admins SET role = 'viewer' WHERE username = 'maker'").execute(p).await.map(|_| ())).unwrap();
    let (s, v) = code(
        api(&app, &c, "post", "/api/v1/awards", Some(&t))
            .json(&json!({}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (403, Some("forbidden")),
        "{v}"
    );
    let (s, _) = code(
        api(&app, &c, "get", "/api/v1/medals", Some(&t))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 200);
    with_db!(&app.db, p => sqlx::query("UPDATE admins SET disabled = TRUE WHERE username = 'maker'").execute(p).await.map(|_| ())).unwrap();
    let (s, _) = code(
        api(&app, &c, "get", "/api/v1/medals", Some(&t))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 401);
}
both!(
    every_operation_refuses_bad_tokens,
    super::every_operation_refuses_bad_tokens
);

async fn bodies_and_routes_answer_json_errors(b: Backend) {
    let app = spawn_app(b).await;
    let admin = app.signed_in(Role::Admin).await;
    let (_, t) = token(&app, &admin, "all", &["read", "award", "events", "staff"]).await;
    let c = app.client();
    let post = |path: &str| api(&app, &c, "post", path, Some(&t));
    let (s, v) = code(
        post("/api/v1/awards")
            .header("content-type", "application/json")
            .body("{\"medal_id\": 1,")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (400, Some("malformed_json")),
        "{v}"
    );
    let (s, v) = code(
        post("/api/v1/awards")
            .json(&json!({"medal_id": 1, "recipients": [{"staff_id": "x"}]}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 400, "{v}");
    assert_eq!(
        v["error"]["fields"][0]["path"], "recipients[0].staff_id",
        "{v}"
    );
    let (s, v) = code(post("/api/v1/events").body("{}").send().await.unwrap()).await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (415, Some("unsupported_media_type")),
        "{v}"
    );
    let big = format!("{{\"events\": [{}]}}", vec!["{\"metric\":\"tasks\",\"date\":\"2026-01-01\",\"value\":1,\"external_id\":\"padding-padding-padding-padding\"}"; 60_000].join(","));
    let (s, v) = code(
        post("/api/v1/events")
            .header("content-type", "application/json")
            .body(big)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (413, Some("too_large")),
        "{v}"
    );
    let (s, v) = code(
        api(&app, &c, "get", "/api/v1/nothing", Some(&t))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!((s, v["error"]["code"].as_str()), (404, Some("not_found")));
    let (s, v) = code(
        api(&app, &c, "delete", "/api/v1/medals", Some(&t))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (405, Some("method_not_allowed"))
    );
    let (s, v) = code(
        api(&app, &c, "get", "/api/v1/medals/abc", Some(&t))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 404, "{v}");
    let (s, v) = code(
        api(&app, &c, "get", "/api/v1/staff?limit=abc", Some(&t))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (400, Some("malformed_query")),
        "{v}"
    );
    let (s, v) = code(
        api(&app, &c, "get", "/api/v1/staff?cursor=zz", Some(&t))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (s, v["error"]["fields"][0]["path"].as_str()),
        (422, Some("cursor")),
        "{v}"
    );
    let (s, v) = code(
        api(&app, &c, "get", "/api/v1/awards?cursor=zz", Some(&t))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (s, v["error"]["fields"][0]["path"].as_str()),
        (422, Some("cursor")),
        "{v}"
    );
    // a browser's cross-site header does not matter to a bearer-token API, cookies do not sign in
    let (s, _) = code(
        api(&app, &admin, "get", "/api/v1/medals", None)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 401, "a session cookie is not a token");
}
both!(
    bodies_and_routes_answer_json_errors,
    super::bodies_and_routes_answer_json_errors
);

async fn staff_awards_and_cursors(b: Backend) {
    let app = spawn_app(b).await;
    let admin = app.signed_in(Role::Admin).await;
    let (_, t) = token(&app, &admin, "HR", &["read", "award", "staff"]).await;
    let c = app.client();
    let t = Some(t.as_str());
    for i in 0..120 {
        let body = json!({"name": format!("员工{i}"), "department": "研发部", "mobile": format!("1380000{i:04}")});
        let (s, v) = code(
            api(&app, &c, "put", &format!("/api/v1/staff/E{i}"), t)
                .json(&body)
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!((s, v["result"].as_str()), (201, Some("created")), "{v}");
    }
    let body = json!({"name": "员工0", "department": "研发部"});
    let (s, v) = code(
        api(&app, &c, "put", "/api/v1/staff/E0", t)
            .json(&body)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!((s, v["result"].as_str()), (200, Some("unchanged")), "{v}");
    assert_eq!(v["staff"]["mobile"], "13800000000", "left out, kept");
    let (s, v) = code(
        api(&app, &c, "put", "/api/v1/staff/E0", t)
            .json(&json!({"name": "员工零", "active": false}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (s, v["result"].as_str(), v["staff"]["active"].as_bool()),
        (200, Some("updated"), Some(false)),
        "{v}"
    );
    api(&app, &c, "put", "/api/v1/staff/E0", t)
        .json(&json!({"name": "员工零", "active": true}))
        .send()
        .await
        .unwrap();
    let (s, v) = code(
        api(&app, &c, "put", "/api/v1/staff/E1", t)
            .json(&json!({"name": "", "mobile": "123"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 422, "{v}");
    let paths: Vec<&str> = v["error"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    assert!(paths.contains(&"name") && paths.contains(&"mobile"), "{v}");
    let (s, v) = code(
        api(&app, &c, "put", "/api/v1/staff/E1", t)
            .json(&json!({"name": "x", "mobile": "13800000002"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 422, "another person's mobile: {v}");
    // walk the staff by cursor: every person once
    let mut seen = std::collections::BTreeSet::new();
    let mut cursor = String::new();
    let mut pages = 0;
    loop {
        let (s, v) = code(
            api(
                &app,
                &c,
                "get",
                &format!("/api/v1/staff?limit=50&cursor={cursor}"),
                t,
            )
            .send()
            .await
            .unwrap(),
        )
        .await;
        assert_eq!(s, 200, "{v}");
        for p in v["items"].as_array().unwrap() {
            assert!(seen.insert(p["external_id"].as_str().unwrap().to_string()));
        }
        pages += 1;
        match v["next_cursor"].as_str() {
            Some(n) => cursor = n.to_string(),
            None => break,
        }
    }
    assert_eq!((seen.len(), pages), (120, 3));

    let medal = create_medal(&app, &admin, &[("name", "API 勋章")]).await;
    let recipients: Vec<Value> = (0..60)
        .map(|i| json!({"external_id": format!("E{i}")}))
        .collect();
    let req = json!({"medal_id": medal, "reason": "季度之星，接口颁发", "recipients": recipients});
    // one unknown person: nothing written, the item named by path
    let mut bad = req.clone();
    bad["recipients"][2] = json!({"external_id": "E-none"});
    bad["recipients"][5] = json!({"mobile": "1", "user_id": "u"});
    let (s, v) = code(
        api(&app, &c, "post", "/api/v1/awards", t)
            .json(&bad)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 422, "{v}");
    let paths: Vec<&str> = v["error"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    assert_eq!(
        paths,
        ["recipients[5].external_id", "recipients[2].external_id"],
        "{v}"
    );
    let count = || async {
        with_db!(&app.db, p => sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM awards WHERE medal_id = $1").bind(medal).fetch_one(p).await).unwrap()
    };
    assert_eq!(count().await, 0);
    let send = |body: &Value, key: &str| {
        api(&app, &c, "post", "/api/v1/awards", t)
            .header("Idempotency-Key", key)
            .json(body)
            .send()
    };
    let (s, first) = code(send(&req, "batch-1").await.unwrap()).await;
    assert_eq!(s, 201, "{first}");
    assert_eq!(first["awarded"], 60);
    assert_eq!(first["award_ids"].as_array().unwrap().len(), 60);
    let (s, again) = code(send(&req, "batch-1").await.unwrap()).await;
    assert_eq!((s, &again), (201, &first), "replayed");
    assert_eq!(count().await, 60);
    let mut other = req.clone();
    other["reason"] = json!("另一个理由");
    let (s, v) = code(send(&other, "batch-1").await.unwrap()).await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (422, Some("idempotency_mismatch"))
    );
    // the form's checks: holders of a non-repeatable medal
    let (s, v) = code(send(&req, "batch-2").await.unwrap()).await;
    assert_eq!(
        (s, v["error"]["fields"][0]["path"].as_str()),
        (422, Some("recipients")),
        "{v}"
    );
    // a failed request does not keep its key: fixed, it goes through
    let mut skip = req.clone();
    skip["skip_holders"] = json!(true);
    skip["recipients"] = json!([{"external_id": "E100"}, {"external_id": "E0"}]);
    let (s, v) = code(send(&skip, "batch-2").await.unwrap()).await;
    assert_eq!(
        (s, v["awarded"].as_u64(), v["skipped_holders"].as_u64()),
        (201, Some(1), Some(1)),
        "{v}"
    );
    let auto = create_medal(&app, &admin, &[("name", "自动勋章"), ("kind", "automatic")]).await;
    let mut a = req.clone();
    a["medal_id"] = json!(auto);
    let (s, v) = code(
        api(&app, &c, "post", "/api/v1/awards", t)
            .json(&a)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (s, v["error"]["fields"][0]["path"].as_str()),
        (422, Some("medal_id")),
        "{v}"
    );
    // list by cursor: 61 awards, newest first, each once
    let mut ids = Vec::new();
    let mut cursor = String::new();
    loop {
        let (s, v) = code(
            api(
                &app,
                &c,
                "get",
                &format!("/api/v1/awards?medal_id={medal}&cursor={cursor}"),
                t,
            )
            .send()
            .await
            .unwrap(),
        )
        .await;
        assert_eq!(s, 200, "{v}");
        ids.extend(
            v["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|a| a["id"].as_i64().unwrap()),
        );
        assert!(v["items"][0]["public_url"]
            .as_str()
            .unwrap()
            .contains("/a/"));
        match v["next_cursor"].as_str() {
            Some(n) => cursor = n.to_string(),
            None => break,
        }
    }
    assert_eq!(ids.len(), 61);
    let mut sorted = ids.clone();
    sorted.sort_unstable_by(|a, b| b.cmp(a));
    sorted.dedup();
    assert_eq!(sorted, ids);
    let id = ids[0];
    let (s, v) = code(
        api(&app, &c, "post", &format!("/api/v1/awards/{id}/revoke"), t)
            .json(&json!({"reason": "录入错误，撤销"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!((s, v["status"].as_str()), (200, Some("revoked")), "{v}");
    let (s, _) = code(
        api(&app, &c, "post", &format!("/api/v1/awards/{id}/revoke"), t)
            .json(&json!({"reason": "录入错误，撤销"}))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 409);
    let actors: Vec<String> = with_db!(&app.db, p => sqlx::query_scalar(
        "SELECT DISTINCT actor FROM audit_entries WHERE action IN ('award.give', 'award.revoke', 'staff.create')").fetch_all(p).await)
    .unwrap();
    assert_eq!(actors, ["api:HR"]);
    let (s, v) = code(
        api(&app, &c, "get", &format!("/api/v1/medals/{medal}"), t)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!((s, v["name"].as_str()), (200, Some("API 勋章")), "{v}");
}
both!(staff_awards_and_cursors, super::staff_awards_and_cursors);

async fn events_feed_the_rules(b: Backend) {
    let app = spawn_app(b).await;
    let admin = app.signed_in(Role::Admin).await;
    let (_, t) = token(&app, &admin, "项目工具", &["read", "events", "staff"]).await;
    let c = app.client();
    let t = Some(t.as_str());
    for (e, n) in [("E1", "甲"), ("E2", "乙")] {
        api(&app, &c, "put", &format!("/api/v1/staff/{e}"), t)
            .json(&json!({"name": n}))
            .send()
            .await
            .unwrap();
    }
    let medal = create_medal(
        &app,
        &admin,
        &[("name", "完成3个任务"), ("kind", "automatic")],
    )
    .await;
    let m = medal.to_string();
    let form = [
        ("form[name]", "完成3个任务"),
        ("form[medal_id]", m.as_str()),
        ("form[metric]", "tasks"),
        ("form[kind]", "total"),
        ("form[days]", "calendar"),
        ("form[period]", "none"),
        ("form[threshold]", "3"),
    ];
    let r = app.post(&admin, "/sfn/rules/save", &form).await;
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    let rule: i64 =
        with_db!(&app.db, p => sqlx::query_scalar("SELECT id FROM rules").fetch_one(p).await)
            .unwrap();
    // a rule saved without backfill counts facts from today on
    let today =
        medal_core::time::fmt_day(medal_core::time::china_day(medal_server::infra::now_ms()));
    let batch = json!({"events": [
        {"external_id": "E1", "metric": "tasks", "increment": 2, "date": today, "idempotency_key": "t-1"},
        {"external_id": "E1", "metric": "tasks", "increment": 1, "date": "2026-13-01", "idempotency_key": "t-2"},
        {"external_id": "E1", "metric": "tasks", "increment": 1, "date": today, "idempotency_key": "t-3"},
        {"external_id": "E9", "metric": "tasks", "increment": 1, "date": "2026-11-01", "idempotency_key": "t-4"},
        {"external_id": "E2", "metric": "tasks", "increment": 1, "date": "2026-11-01"},
    ]});
    let post = || {
        api(&app, &c, "post", "/api/v1/events", t)
            .json(&batch)
            .send()
    };
    let (s, v) = code(post().await.unwrap()).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(
        (v["accepted"].as_u64(), v["awarded"].as_u64()),
        (Some(2), Some(1)),
        "{v}"
    );
    let paths: Vec<&str> = v["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["path"].as_str().unwrap())
        .collect();
    assert_eq!(
        paths,
        [
            "events[1].date",
            "events[3].external_id",
            "events[4].idempotency_key"
        ]
    );
    let (s, v) = code(post().await.unwrap()).await;
    assert_eq!(
        (
            s,
            v["accepted"].as_u64(),
            v["duplicates"].as_u64(),
            v["awarded"].as_u64()
        ),
        (200, Some(0), Some(2), Some(0)),
        "{v}"
    );
    let given: i64 = with_db!(&app.db, p => sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM awards WHERE medal_id = $1").bind(medal).fetch_one(p).await).unwrap();
    assert_eq!(given, 1);
    let (s, v) = code(
        api(&app, &c, "get", "/api/v1/rules", t)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (
            s,
            v["items"][0]["metric"].as_str(),
            v["items"][0]["awarded"].as_i64()
        ),
        (200, Some("tasks"), Some(1)),
        "{v}"
    );
    let (s, v) = code(
        api(
            &app,
            &c,
            "post",
            &format!("/api/v1/rules/{rule}/dry-run"),
            t,
        )
        .send()
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(
        (s, v["qualify"].as_u64()),
        (200, Some(0)),
        "already awarded: {v}"
    );
    let (s, _) = code(
        api(&app, &c, "post", "/api/v1/rules/999/dry-run", t)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, 404);
    let too_many = json!({"events": vec![json!({"external_id": "E1", "metric": "tasks", "value": 1, "date": "2026-11-01"}); 10_001]});
    let (s, v) = code(
        api(&app, &c, "post", "/api/v1/events", t)
            .json(&too_many)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (s, v["error"]["fields"][0]["path"].as_str()),
        (422, Some("events")),
        "{v}"
    );
}
both!(events_feed_the_rules, super::events_feed_the_rules);
