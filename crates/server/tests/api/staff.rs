use medal_core::Role;
use reqwest::header::{ACCEPT, REFERER};
use reqwest::{multipart, Client};
use serde_json::Value;

use crate::both;
use crate::helpers::spawn_app;
use crate::helpers::Backend;
use crate::helpers::TestApp;

/// The staff form's fields, with `fields` replacing the defaults.
fn form<'a>(fields: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut base = vec![
        ("name", "张三"),
        ("mobile", "+86 138-0013-8000"),
        ("dingtalk_user_id", "zhangsan"),
        ("department", "研发部"),
        ("external_id", "E001"),
    ];
    for (k, v) in fields {
        base.retain(|(bk, _)| bk != k);
        base.push((k, v));
    }
    base
}

async fn save(app: &TestApp, c: &Client, fields: &[(&str, &str)]) -> reqwest::Response {
    app.post(c, "/sfn/staff/save", &form(fields)).await
}

async fn get(app: &TestApp, c: &Client, id: i64) -> Value {
    let r = app
        .post(c, "/sfn/staff/get", &[("id", &id.to_string())])
        .await;
    assert_eq!(r.status(), 200);
    r.json().await.unwrap()
}

async fn list(app: &TestApp, c: &Client, q: &str, status: &str, page: &str) -> Value {
    let r = app
        .post(
            c,
            "/sfn/staff/list",
            &[
                ("filter[q]", q),
                ("filter[status]", status),
                ("filter[page]", page),
            ],
        )
        .await;
    assert_eq!(r.status(), 200);
    r.json().await.unwrap()
}

fn names(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap().to_string())
        .collect()
}

async fn audit_actions(app: &TestApp) -> Vec<String> {
    medal_server::with_db!(&app.db, p => sqlx::query_scalar::<_, String>(
        "SELECT action FROM audit_entries WHERE object_type = 'staff' ORDER BY id").fetch_all(p).await).unwrap()
}

async fn staff_count(app: &TestApp) -> i64 {
    medal_server::with_db!(&app.db, p => sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM staff").fetch_one(p).await).unwrap()
}

async fn create_edit_deactivate(b: Backend) {
    let app = spawn_app(b).await;
    let c = app.signed_in(Role::Admin).await;
    let r = save(&app, &c, &[]).await;
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    let id: i64 = r.json().await.unwrap();
    let s = get(&app, &c, id).await;
    assert_eq!(s["name"], "张三");
    assert_eq!(s["mobile"], "13800138000", "normalised");
    assert_eq!(s["external_id"], "E001");
    assert_eq!(s["dingtalk_user_id"], "zhangsan");
    assert_eq!(s["active"], true);

    // Validation: every field's problem at once.
    let r = save(
        &app,
        &c,
        &[("name", ""), ("mobile", "12345"), ("external_id", "E 2")],
    )
    .await;
    assert_eq!(r.status(), 422);
    let e: Value = r.json().await.unwrap();
    let fields = e["Validation"].as_object().unwrap();
    assert!(
        fields.contains_key("name")
            && fields.contains_key("mobile")
            && fields.contains_key("external_id"),
        "{e}"
    );

    // Someone else's mobile or external id is refused.
    let r = save(
        &app,
        &c,
        &[
            ("name", "李四"),
            ("mobile", "13800138000"),
            ("external_id", "E001"),
        ],
    )
    .await;
    assert_eq!(r.status(), 422);
    let e: Value = r.json().await.unwrap();
    assert!(
        e["Validation"]["mobile"][0]["zh"]
            .as_str()
            .unwrap()
            .contains("张三"),
        "{e}"
    );
    assert!(e["Validation"]["external_id"].is_array(), "{e}");

    // Edit: optional fields may be emptied; keeping one's own mobile is fine.
    let ids = id.to_string();
    let r = save(
        &app,
        &c,
        &[
            ("id", &ids),
            ("name", "张三丰"),
            ("department", "市场部"),
            ("dingtalk_user_id", ""),
        ],
    )
    .await;
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    let s = get(&app, &c, id).await;
    assert_eq!(s["name"], "张三丰");
    assert_eq!(s["department"], "市场部");
    assert_eq!(s["dingtalk_user_id"], Value::Null);

    // Deactivate: gone from the default list, there under "inactive" and "all"; then back.
    let r = app.post(&c, "/sfn/staff/deactivate", &[("id", &ids)]).await;
    assert_eq!(r.status(), 200);
    assert_eq!(get(&app, &c, id).await["active"], false);
    assert!(names(&list(&app, &c, "", "", "").await).is_empty());
    assert_eq!(names(&list(&app, &c, "", "inactive", "").await), ["张三丰"]);
    assert_eq!(names(&list(&app, &c, "", "all", "").await), ["张三丰"]);
    let r = app.post(&c, "/sfn/staff/reactivate", &[("id", &ids)]).await;
    assert_eq!(r.status(), 200);
    assert_eq!(names(&list(&app, &c, "", "active", "").await), ["张三丰"]);
    assert_eq!(
        audit_actions(&app).await,
        [
            "staff.create",
            "staff.update",
            "staff.deactivate",
            "staff.reactivate"
        ]
    );

    // Without JavaScript: a bad post goes back to the form, which shows the message and the values.
    let r = app
        .post_plain(
            &c,
            "/sfn/staff/save",
            "/staff/new",
            &form(&[("name", "王五"), ("mobile", "99")]),
        )
        .await;
    assert_eq!(r.status(), 302);
    let back = r.headers()["location"].to_str().unwrap().to_string();
    let back = back.strip_prefix(&app.addr).unwrap_or(&back).to_string();
    assert!(back.starts_with("/staff/new"), "{back}");
    let html = app.get(&c, &back).await.text().await.unwrap();
    assert!(html.contains("手机号「99」格式不正确"), "flash error shown");
    assert!(html.contains(r#"value="王五""#), "typed values kept");
    // And a good one goes to the new person's page.
    let r = app
        .post_plain(
            &c,
            "/sfn/staff/save",
            "/staff/new",
            &form(&[("name", "王五"), ("mobile", ""), ("external_id", "E005")]),
        )
        .await;
    assert_eq!(r.status(), 302);
    let to = r.headers()["location"].to_str().unwrap().to_string();
    assert!(to.starts_with("/staff/"), "{to}");
    assert!(app
        .get(&c, &to)
        .await
        .text()
        .await
        .unwrap()
        .contains("E005"));

    // A viewer reads but cannot change.
    let viewer = app.signed_in(Role::Viewer).await;
    assert_eq!(get(&app, &viewer, id).await["name"], "张三丰");
    assert_eq!(
        save(&app, &viewer, &[("external_id", "E9"), ("mobile", "")])
            .await
            .status(),
        403
    );
    assert_eq!(
        app.post(&viewer, "/sfn/staff/deactivate", &[("id", &ids)])
            .await
            .status(),
        403
    );
}
both!(create_edit_deactivate, super::create_edit_deactivate);

async fn insert_many(app: &TestApp, n: usize) {
    for i in 0..n {
        let name = format!("员工{i:03}");
        let mobile = format!("139{i:08}");
        let ext = format!("X{i:03}");
        let dept = if i % 2 == 0 { "研发部" } else { "市场部" };
        medal_server::with_db!(&app.db, p => sqlx::query(
            "INSERT INTO staff (name, mobile, department, external_id, active, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, 0, 0)")
            .bind(&name).bind(&mobile).bind(dept).bind(&ext).bind(i % 10 != 9).execute(p).await.map(|_| ())).unwrap();
    }
}

async fn search_and_paging(b: Backend) {
    let app = spawn_app(b).await;
    let c = app.signed_in(Role::Viewer).await;
    insert_many(&app, 130).await; // 117 active, 13 inactive
    let p1 = list(&app, &c, "", "", "").await;
    assert_eq!(p1["items"].as_array().unwrap().len(), 50);
    assert_eq!(p1["has_next"], true);
    assert_eq!(names(&p1)[0], "员工000");
    let p3 = list(&app, &c, "", "", "3").await;
    assert_eq!(p3["items"].as_array().unwrap().len(), 17);
    assert_eq!(p3["has_next"], false);
    assert_eq!(p3["page"], 3);
    let all: Vec<String> = [
        names(&p1),
        names(&list(&app, &c, "", "", "2").await),
        names(&p3),
    ]
    .concat();
    let mut sorted = all.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(all, sorted, "pages are in order and do not overlap");
    assert_eq!(names(&list(&app, &c, "", "all", "3").await).len(), 30);
    assert_eq!(names(&list(&app, &c, "", "inactive", "").await).len(), 13);

    // Search: name (substring), mobile (prefix, written any way), department, external id (prefix).
    assert_eq!(names(&list(&app, &c, "工01", "all", "").await).len(), 10);
    assert_eq!(
        names(&list(&app, &c, "139 0000 0012", "all", "").await),
        ["员工012"]
    );
    assert_eq!(
        names(&list(&app, &c, "+86 139-0000-0012", "all", "").await),
        ["员工012"]
    );
    assert_eq!(
        names(&list(&app, &c, "x12", "all", "").await).len(),
        10,
        "X120..X129"
    );
    assert_eq!(list(&app, &c, "市场", "all", "").await["has_next"], true);
    assert_eq!(names(&list(&app, &c, "市场", "all", "2").await).len(), 15);
    assert!(
        names(&list(&app, &c, "100%", "all", "").await).is_empty(),
        "wildcards are literal"
    );
}
both!(search_and_paging, super::search_and_paging);

// ---------------------------------------------------------------- import

fn csv_part(bytes: Vec<u8>, name: &str) -> multipart::Form {
    multipart::Form::new().part(
        "file",
        multipart::Part::bytes(bytes)
            .file_name(name.to_string())
            .mime_str("text/csv")
            .unwrap(),
    )
}

async fn preview(app: &TestApp, c: &Client, bytes: Vec<u8>) -> Value {
    let r = app
        .post_multipart(c, "/sfn/staff/import/preview", csv_part(bytes, "staff.csv"))
        .await;
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    r.json().await.unwrap()
}

async fn commit(app: &TestApp, c: &Client, token: &str) -> Value {
    let r = app
        .post(c, "/sfn/staff/import/commit", &[("token", token)])
        .await;
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    r.json().await.unwrap()
}

/// Previews and confirms; returns (preview, outcome).
async fn import(app: &TestApp, c: &Client, bytes: Vec<u8>) -> (Value, Value) {
    let p = preview(app, c, bytes).await;
    let o = commit(app, c, p["token"].as_str().unwrap()).await;
    (p, o)
}

fn counts(p: &Value) -> (u64, u64, u64, usize) {
    (
        p["new"].as_u64().unwrap(),
        p["updated"].as_u64().unwrap(),
        p["unchanged"].as_u64().unwrap(),
        p["errors"].as_array().unwrap().len(),
    )
}

async fn person(app: &TestApp, ext: &str) -> (String, Option<String>, String, Option<String>) {
    medal_server::with_db!(&app.db, p => sqlx::query_as::<_, (String, Option<String>, String, Option<String>)>(
        "SELECT name, mobile, department, dingtalk_user_id FROM staff WHERE external_id = $1").bind(ext).fetch_one(p).await).unwrap()
}

const ZH: &str = "姓名,手机号,部门,工号,钉钉ID\n张三,138 0013 8000,研发部,E001,zs\n李四,13900139000,市场部,E002,\n";

async fn import_encodings_and_headers(b: Backend) {
    let app = spawn_app(b).await;
    let c = app.signed_in(Role::Admin).await;
    // UTF-8, Chinese headers.
    let (p, o) = import(&app, &c, ZH.as_bytes().to_vec()).await;
    assert_eq!(counts(&p), (2, 0, 0, 0));
    assert_eq!(p["encoding"], "UTF-8");
    assert_eq!(o["created"], 2);
    assert_eq!(
        person(&app, "E001").await,
        (
            "张三".into(),
            Some("13800138000".into()),
            "研发部".into(),
            Some("zs".into())
        )
    );
    // The same file again changes nothing.
    let (p, _) = import(&app, &c, ZH.as_bytes().to_vec()).await;
    assert_eq!(counts(&p), (0, 0, 2, 0));
    // UTF-8 with a BOM, English headers (any case, "external id" with a space).
    let bom = [
        &[0xEF, 0xBB, 0xBF][..],
        "Name,Mobile,Department,External ID,userId\n王五,13700137000,行政部,E003,ww\n".as_bytes(),
    ]
    .concat();
    let (p, _) = import(&app, &c, bom).await;
    assert_eq!(counts(&p), (1, 0, 0, 0), "{p}");
    assert_eq!(
        person(&app, "E003").await.0,
        "王五",
        "the BOM is not part of the first header"
    );
    // GBK, Chinese headers, with a quoted field holding a comma.
    let text = "姓名,手机号,部门,工号\n赵六,13600136000,\"研发部,后端组\",E004\n张三,13800138000,研发部二组,E001\n";
    let (gbk, _, unmappable) = encoding_rs::GBK.encode(text);
    assert!(!unmappable);
    assert!(std::str::from_utf8(&gbk).is_err(), "really not UTF-8");
    let (p, o) = import(&app, &c, gbk.into_owned()).await;
    assert_eq!(p["encoding"], "GB18030");
    assert_eq!(counts(&p), (1, 1, 0, 0), "{p}");
    assert_eq!(o["updated"], 1);
    assert_eq!(person(&app, "E004").await.2, "研发部,后端组");
    let zs = person(&app, "E001").await;
    assert_eq!(zs.2, "研发部二组");
    assert_eq!(
        zs.3,
        Some("zs".into()),
        "a column the file lacks keeps its value"
    );
    assert_eq!(staff_count(&app).await, 4);
    let imports: i64 = medal_server::with_db!(&app.db, p => sqlx::query_scalar::<_, i64>(
        "SELECT COUNT(*) FROM audit_entries WHERE action = 'staff.import'").fetch_one(p).await)
    .unwrap();
    assert_eq!(imports, 4, "one audit entry per import");
}
both!(
    import_encodings_and_headers,
    super::import_encodings_and_headers
);

async fn a_bad_row_is_reported_by_line_and_nothing_is_written_before_confirming(b: Backend) {
    let app = spawn_app(b).await;
    let c = app.signed_in(Role::Admin).await;
    let text = "name,mobile,department,external_id\n\
                张三,13800138000,研发部,E001\n\
                李四,12345,市场部,E002\n\
                \n\
                王五,13700137000,行政部,E003\n\
                ,13600136000,行政部,E004\n\
                赵六,,研发部,E003\n";
    let p = preview(&app, &c, text.as_bytes().to_vec()).await;
    assert_eq!(counts(&p), (2, 0, 0, 3), "{p}");
    let errors = p["errors"].as_array().unwrap();
    let lines: Vec<u64> = errors.iter().map(|e| e["line"].as_u64().unwrap()).collect();
    assert_eq!(
        lines,
        [3, 6, 7],
        "file line numbers; the header is line 1, the blank line counts"
    );
    assert!(errors[0]["messages"][0]["zh"]
        .as_str()
        .unwrap()
        .contains("12345"));
    assert!(errors[1]["messages"][0]["en"]
        .as_str()
        .unwrap()
        .contains("Name is required"));
    assert!(
        errors[2]["messages"][0]["zh"]
            .as_str()
            .unwrap()
            .contains("第 5 行"),
        "{}",
        errors[2]
    );
    assert_eq!(staff_count(&app).await, 0, "nothing written by the preview");

    // The preview is kept: the page shows it after a reload (as a plain post would land there).
    let html = app.get(&c, "/staff/import").await.text().await.unwrap();
    assert!(
        html.contains("确认导入 2 条") && html.contains("12345"),
        "preview on the page"
    );
    let again: Value = app
        .post(&c, "/sfn/staff/import/pending", &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(again["token"], p["token"]);

    // A stale token is refused; the right one imports the valid rows, once.
    let r = app
        .post(&c, "/sfn/staff/import/commit", &[("token", "nope")])
        .await;
    assert_eq!(r.status(), 409);
    assert_eq!(staff_count(&app).await, 0);
    let o = commit(&app, &c, p["token"].as_str().unwrap()).await;
    assert_eq!(
        o,
        serde_json::json!({"created": 2, "updated": 0, "unchanged": 0, "skipped": 3})
    );
    assert_eq!(staff_count(&app).await, 2);
    let r = app
        .post(
            &c,
            "/sfn/staff/import/commit",
            &[("token", p["token"].as_str().unwrap())],
        )
        .await;
    assert_eq!(r.status(), 409, "a kept file is imported once");
    let pending: Value = app
        .post(&c, "/sfn/staff/import/pending", &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(pending, Value::Null);

    // A file without a name column is refused as a whole, on the file field.
    let r = app
        .post_multipart(
            &c,
            "/sfn/staff/import/preview",
            csv_part(b"mobile\n13800138000\n".to_vec(), "x.csv"),
        )
        .await;
    assert_eq!(r.status(), 422);
    let e: Value = r.json().await.unwrap();
    assert!(e["Validation"]["file"].is_array(), "{e}");

    // Cancel forgets the kept file.
    let p = preview(&app, &c, ZH.as_bytes().to_vec()).await;
    assert_eq!(
        app.post(&c, "/sfn/staff/import/cancel", &[]).await.status(),
        200
    );
    let r = app
        .post(
            &c,
            "/sfn/staff/import/commit",
            &[("token", p["token"].as_str().unwrap())],
        )
        .await;
    assert_eq!(r.status(), 409);
}
both!(
    a_bad_row_is_reported_by_line_and_nothing_is_written_before_confirming,
    super::a_bad_row_is_reported_by_line_and_nothing_is_written_before_confirming
);

async fn import_upserts_by_external_id_then_mobile(b: Backend) {
    let app = spawn_app(b).await;
    let c = app.signed_in(Role::Admin).await;
    import(
        &app,
        &c,
        "姓名,手机号,部门,工号\n张三,13800138000,研发部,E001\n李四,13900139000,市场部,\n"
            .as_bytes()
            .to_vec(),
    )
    .await;
    // E001 is matched by its external id (new mobile); 李四 by mobile (gets an external id);
    // a row whose mobile belongs to someone with another external id is an error.
    let text = "姓名,手机号,部门,工号\n\
                张三,13700137000,研发部,E001\n\
                李四,13900139000,市场部,E002\n\
                冒名,13700137000,市场部,E009\n";
    let (p, o) = import(&app, &c, text.as_bytes().to_vec()).await;
    assert_eq!(counts(&p), (0, 2, 0, 1), "{p}");
    assert_eq!(p["errors"][0]["line"], 4);
    assert_eq!(o["updated"], 2);
    assert_eq!(person(&app, "E001").await.1, Some("13700137000".into()));
    assert_eq!(person(&app, "E002").await.0, "李四");
    assert_eq!(staff_count(&app).await, 2);
    // Without an external id column, rows are matched by mobile only.
    let (p, _) = import(
        &app,
        &c,
        "name,mobile,department\n李四四,13900139000,市场部\n"
            .as_bytes()
            .to_vec(),
    )
    .await;
    assert_eq!(counts(&p), (0, 1, 0, 0));
    assert_eq!(person(&app, "E002").await.0, "李四四", "external id kept");
    // Deactivated staff are matched too, and stay deactivated (their awards are untouched).
    app.db
        .execute("UPDATE staff SET active = FALSE WHERE external_id = 'E001'")
        .await
        .unwrap();
    let (p, _) = import(
        &app,
        &c,
        "name,external_id\n张三三,E001\n".as_bytes().to_vec(),
    )
    .await;
    assert_eq!(counts(&p), (0, 1, 0, 0));
    let active: bool = medal_server::with_db!(&app.db, p => sqlx::query_scalar::<_, bool>(
        "SELECT active FROM staff WHERE external_id = 'E001'").fetch_one(p).await)
    .unwrap();
    assert!(!active);
    // A viewer can neither preview nor confirm.
    let viewer = app.signed_in(Role::Viewer).await;
    let r = app
        .post_multipart(
            &viewer,
            "/sfn/staff/import/preview",
            csv_part(ZH.as_bytes().to_vec(), "x.csv"),
        )
        .await;
    assert_eq!(r.status(), 403);
}
both!(
    import_upserts_by_external_id_then_mobile,
    super::import_upserts_by_external_id_then_mobile
);

async fn import_without_javascript(b: Backend) {
    let app = spawn_app(b).await;
    let c = app.signed_in(Role::Admin).await;
    let plain = |path: &str, form: multipart::Form| {
        c.post(app.url(path))
            .header(ACCEPT, "text/html")
            .header(REFERER, app.url("/staff/import"))
            .multipart(form)
            .send()
    };
    let r = plain(
        "/sfn/staff/import/preview",
        csv_part(ZH.as_bytes().to_vec(), "s.csv"),
    )
    .await
    .unwrap();
    assert_eq!(r.status(), 302);
    assert_eq!(r.headers()["location"], "/staff/import");
    let html = app.get(&c, "/staff/import").await.text().await.unwrap();
    assert!(html.contains("确认导入 2 条"), "preview shown");
    let token = html
        .split(r#"name="token" value=""#)
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap()
        .to_string();
    let r = app
        .post_plain(
            &c,
            "/sfn/staff/import/commit",
            "/staff/import",
            &[("token", &token)],
        )
        .await;
    assert_eq!(r.status(), 302);
    let to = r.headers()["location"].to_str().unwrap().to_string();
    assert!(to.starts_with("/staff/import?done=1&created=2"), "{to}");
    let html = app.get(&c, &to).await.text().await.unwrap();
    assert!(html.contains("导入完成：新增 2 人"), "result shown");
    assert_eq!(staff_count(&app).await, 2);
    // A bad file comes back to the page with the reason next to the file field.
    let r = plain(
        "/sfn/staff/import/preview",
        csv_part(b"foo\n1\n".to_vec(), "s.csv"),
    )
    .await
    .unwrap();
    assert_eq!(r.status(), 302);
    let back = r.headers()["location"].to_str().unwrap().to_string();
    let back = back.strip_prefix(&app.addr).unwrap_or(&back).to_string();
    assert!(back.starts_with("/staff/import"), "{back}");
    let html = app.get(&c, &back).await.text().await.unwrap();
    assert!(html.contains("「姓名」列"), "file error shown");
}
both!(import_without_javascript, super::import_without_javascript);

async fn cli_import(b: Backend) {
    let app = spawn_app(b).await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("staff.csv");
    let (gbk, _, _) =
        encoding_rs::GBK.encode("姓名,手机号,工号\n张三,13800138000,E001\n李四,123,E002\n");
    std::fs::write(&file, &gbk).unwrap();
    let url = match &app.db {
        medal_server::infra::Db::Sqlite(p) => {
            format!("sqlite:{}", p.connect_options().get_filename().display())
        }
        medal_server::infra::Db::Postgres(_) => {
            // The test app's database URL is not kept; find it from the pool's connection.
            let name: String = medal_server::with_db!(&app.db, p => sqlx::query_scalar::<_, String>("SELECT current_database()").fetch_one(p).await).unwrap();
            let base = std::env::var("MEDALS_TEST_PG")
                .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into());
            format!("{base}/{name}")
        }
    };
    let run = |strict: bool| {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_medals"));
        cmd.args(["staff", "import"]).arg(&file);
        if strict {
            cmd.arg("--strict");
        }
        cmd.env("MEDALS_DATABASE_URL", &url)
            .env("MEDALS_CONFIG", dir.path().join("none.toml"))
            .env("MEDALS_LOG", "error")
            .output()
            .unwrap()
    };
    let out = run(false);
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(out.status.success(), "{stdout} {stderr}");
    assert!(stderr.contains("第 3 行 / line 3"), "{stderr}");
    assert!(stdout.contains("新增 / new 1"), "{stdout}");
    assert_eq!(staff_count(&app).await, 1);
    let out = run(true);
    assert_eq!(out.status.code(), Some(1), "--strict with errors");
    assert!(String::from_utf8_lossy(&out.stdout).contains("未变 / unchanged 1"));
}
both!(cli_import, super::cli_import);

// ---------------------------------------------------------------- export, pages

async fn export_csv(b: Backend) {
    let app = spawn_app(b).await;
    let admin = app.signed_in(Role::Admin).await;
    import(&app, &admin, "姓名,手机号,部门,工号,钉钉ID\n张三,13800138000,\"研发部,后端\",E001,zs\n李四,13900139000,市场部,E002,\n".as_bytes().to_vec()).await;
    app.db
        .execute("UPDATE staff SET active = FALSE WHERE external_id = 'E002'")
        .await
        .unwrap();
    let viewer = app.signed_in(Role::Viewer).await;
    let r = viewer
        .get(app.url("/staff/export.csv?status=all"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/csv"));
    assert!(r.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .contains("attachment"));
    let body = r.bytes().await.unwrap();
    assert!(
        body.starts_with(&[0xEF, 0xBB, 0xBF]),
        "BOM for spreadsheets"
    );
    let text = std::str::from_utf8(&body[3..]).unwrap();
    assert_eq!(
        text,
        "姓名,手机号,部门,工号,钉钉ID,状态\n张三,13800138000,\"研发部,后端\",E001,zs,在职\n李四,13900139000,市场部,E002,,停用\n"
    );
    // The filter applies; the default is active staff only.
    let text = viewer
        .get(app.url("/staff/export.csv?q=%E5%B8%82%E5%9C%BA&status=all"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(text.lines().count(), 2, "{text}");
    assert!(text.contains("李四"));
    let text = viewer
        .get(app.url("/staff/export.csv"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(text.contains("张三") && !text.contains("李四"));
    // The export reads back in.
    let p = preview(&app, &admin, body.to_vec()).await;
    assert_eq!(counts(&p), (0, 0, 2, 0), "{p}");
    // No session: to the login page; a disabled admin's session: refused.
    let r = app
        .client()
        .get(app.url("/staff/export.csv"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert!(r.headers()["location"]
        .to_str()
        .unwrap()
        .starts_with("/login"));
    app.db
        .execute("UPDATE admins SET disabled = TRUE WHERE username = 'viewer-user'")
        .await
        .unwrap();
    let r = viewer
        .get(app.url("/staff/export.csv"))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_redirection(), "{}", r.status());
    assert!(!r.text().await.unwrap().contains("张三"));
}
both!(export_csv, super::export_csv);

async fn every_staff_page_renders_on_the_server(b: Backend) {
    let app = spawn_app(b).await;
    let c = app.signed_in(Role::Admin).await;
    let id: i64 = save(&app, &c, &[("name", "<b>张三</b>")])
        .await
        .json()
        .await
        .unwrap();
    for (path, expected) in [
        ("/staff".to_string(), "&lt;b&gt;张三&lt;/b&gt;"),
        ("/staff?q=E001&status=all".to_string(), "13800138000"),
        ("/staff?q=nobody".to_string(), "没有符合条件的员工"),
        ("/staff/new".to_string(), "创建员工"),
        (format!("/staff/{id}"), "E001"),
        (format!("/staff/{id}"), "停用"),
        (format!("/staff/{id}/edit"), "保存修改"),
        ("/staff/import".to_string(), "上传并预览"),
        ("/".to_string(), r#"href="/staff""#),
    ] {
        let r = app.get(&c, &path).await;
        assert_eq!(r.status(), 200, "{path}");
        let html = r.text().await.unwrap();
        assert!(html.contains(expected), "{path} lacks {expected}");
        assert!(html.contains(r#"<html lang="zh-CN">"#), "{path}");
    }
    let missing = app.get(&c, "/staff/999999").await;
    assert!(missing.text().await.unwrap().contains("找不到"));
    // English.
    assert!(app
        .get(&c, "/lang/en?back=/staff")
        .await
        .status()
        .is_redirection());
    let en = app.get(&c, "/staff").await.text().await.unwrap();
    assert!(
        en.contains(">Staff<") && en.contains("Export CSV"),
        "english page"
    );
    // A viewer sees the list without the buttons that change things.
    let viewer = app.signed_in(Role::Viewer).await;
    let html = app
        .get(&viewer, &format!("/staff/{id}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("E001") && !html.contains("/edit"),
        "viewer: no edit link"
    );
}
both!(
    every_staff_page_renders_on_the_server,
    super::every_staff_page_renders_on_the_server
);
