use medal_core::Role;
use reqwest::{multipart, Client};
use serde_json::Value;

use crate::both;
use crate::helpers::spawn_app;
use crate::helpers::Backend;
use crate::helpers::TestApp;

async fn medal(app: &TestApp, c: &Client, fields: &[(&str, &str)]) -> i64 {
    crate::helpers::create_medal(app, c, fields).await
}

/// Inserts `n` active staff of `dept` straight into the table (names `{prefix}{i}`, 工号
/// `{prefix}-{i}`, mobiles from `mobile_base`); returns their ids in order.
async fn staff(app: &TestApp, prefix: &str, dept: &str, n: usize, mobile_base: u64) -> Vec<i64> {
    let mut ids = Vec::new();
    for i in 0..n {
        let id = medal_server::with_db!(&app.db, p => sqlx::query_scalar::<_, i64>(
            "INSERT INTO staff (name, mobile, department, external_id, active, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, TRUE, 0, 0) RETURNING id")
            .bind(format!("{prefix}{i}")).bind(format!("{}", mobile_base + i as u64))
            .bind(dept).bind(format!("{prefix}-{i}")).fetch_one(p).await)
        .unwrap();
        ids.push(id);
    }
    ids
}

struct Give<'a> {
    medal: i64,
    reason: &'a str,
    staff: Vec<i64>,
    departments: Vec<&'a str>,
    csv: Option<Vec<u8>>,
    skip_holders: bool,
}

impl Default for Give<'_> {
    fn default() -> Self {
        Give {
            medal: 0,
            reason: "季度表现突出",
            staff: vec![],
            departments: vec![],
            csv: None,
            skip_holders: false,
        }
    }
}

fn give_form(g: &Give) -> multipart::Form {
    let mut f = multipart::Form::new()
        .text("medal_id", g.medal.to_string())
        .text("reason", g.reason.to_string());
    for s in &g.staff {
        f = f.text("staff", s.to_string());
    }
    for d in &g.departments {
        f = f.text("department", d.to_string());
    }
    if g.skip_holders {
        f = f.text("skip_holders", "1");
    }
    if let Some(bytes) = &g.csv {
        f = f.part(
            "file",
            multipart::Part::bytes(bytes.clone()).file_name("recipients.csv"),
        );
    }
    f
}

async fn give(app: &TestApp, c: &Client, g: Give<'_>) -> reqwest::Response {
    app.post_multipart(c, "/sfn/awards/give", give_form(&g))
        .await
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    medal_server::with_db!(&app.db, p => sqlx::query_scalar::<_, i64>(sql).fetch_one(p).await)
        .unwrap()
}

async fn get_award(app: &TestApp, c: &Client, id: i64) -> Value {
    let r = app
        .post(c, "/sfn/awards/get", &[("id", &id.to_string())])
        .await;
    assert_eq!(r.status(), 200);
    r.json().await.unwrap()
}

async fn list(app: &TestApp, c: &Client, filter: &[(&str, &str)]) -> Value {
    crate::helpers::award_list(app, c, filter).await
}

fn messages(v: &Value, field: &str) -> String {
    v["Validation"][field].to_string()
}

async fn batch_award_by_department_and_people(b: Backend) {
    let app = spawn_app(b).await;
    let c = app.signed_in(Role::Awarder).await;
    let admin = app.signed_in(Role::Admin).await;
    let m = medal(&app, &admin, &[("validity_days", "30")]).await;
    // 2,600 people: more than one INSERT chunk and more than one lookup chunk.
    let dev = staff(&app, "研发", "研发部", 2600, 13800000000).await;
    let sales = staff(&app, "销售", "销售部", 3, 13900000000).await;

    let r = give(
        &app,
        &c,
        Give {
            medal: m,
            departments: vec!["研发部"],
            staff: vec![sales[0], dev[0]],
            ..Give::default()
        },
    )
    .await;
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    let out: Value = r.json().await.unwrap();
    assert_eq!(out["awarded"], 2601, "each person once");
    let batch = out["batch_id"].as_str().unwrap().to_string();
    assert_eq!(
        count(
            &app,
            &format!("SELECT COUNT(*) FROM awards WHERE batch_id = '{batch}'")
        )
        .await,
        2601
    );
    assert_eq!(
        count(&app, "SELECT COUNT(DISTINCT public_token) FROM awards").await,
        2601,
        "every award has its own public token"
    );
    // Validity 30 days sets the expiry.
    let span = count(&app, "SELECT MAX(expires_at - awarded_at) FROM awards").await;
    assert_eq!(span, 30 * 24 * 3600 * 1000);
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM audit_entries WHERE action = 'award.give'"
        )
        .await,
        1,
        "one audit entry for the batch"
    );

    // The batch filter of the list, with the total.
    let page = list(&app, &c, &[("batch", &batch)]).await;
    assert_eq!(page["total"], 2601);
    assert_eq!(page["items"].as_array().unwrap().len(), 50);
    assert!(page["next"].is_string(), "{page}");
    let page = list(&app, &c, &[("department", "销售部")]).await;
    assert_eq!(page["total"], 1);
    assert_eq!(page["items"][0]["staff_name"], "销售0");
    assert_eq!(page["items"][0]["reason"], "季度表现突出");
    assert_eq!(page["items"][0]["status"], "Active");
    let page = list(&app, &c, &[("person", "销售")]).await;
    assert_eq!(page["total"], 1);

    // Nothing without a reason, nobody, or an archived medal; nothing written.
    let r = give(
        &app,
        &c,
        Give {
            medal: m,
            reason: " ",
            staff: vec![sales[1]],
            ..Give::default()
        },
    )
    .await;
    assert_eq!(r.status(), 422);
    assert!(messages(&r.json().await.unwrap(), "reason").contains("理由"));
    let r = give(
        &app,
        &c,
        Give {
            medal: m,
            ..Give::default()
        },
    )
    .await;
    assert_eq!(r.status(), 422);
    let r = give(
        &app,
        &c,
        Give {
            medal: m,
            departments: vec!["不存在的部门"],
            ..Give::default()
        },
    )
    .await;
    assert_eq!(r.status(), 422);
    assert!(messages(&r.json().await.unwrap(), "department").contains("不存在的部门"));
    // Deactivated staff cannot receive one.
    app.db
        .execute(&format!(
            "UPDATE staff SET active = FALSE WHERE id = {}",
            sales[2]
        ))
        .await
        .unwrap();
    let r = give(
        &app,
        &c,
        Give {
            medal: m,
            staff: vec![sales[1], sales[2]],
            ..Give::default()
        },
    )
    .await;
    assert_eq!(r.status(), 422);
    assert!(messages(&r.json().await.unwrap(), "recipients").contains("销售2"));
    assert_eq!(count(&app, "SELECT COUNT(*) FROM awards").await, 2601);

    // Viewers cannot award.
    let viewer = app.signed_in(Role::Viewer).await;
    let r = give(
        &app,
        &viewer,
        Give {
            medal: m,
            staff: vec![sales[1]],
            ..Give::default()
        },
    )
    .await;
    assert_eq!(r.status(), 403);
}
both!(
    batch_award_by_department_and_people,
    super::batch_award_by_department_and_people
);

async fn non_repeatable_medal_is_not_given_twice(b: Backend) {
    let app = spawn_app(b).await;
    let c = app.signed_in(Role::Admin).await;
    let once = medal(&app, &c, &[("name", "入职十年")]).await;
    let again = medal(&app, &c, &[("name", "本月之星"), ("repeatable", "on")]).await;
    let people = staff(&app, "员工", "市场部", 4, 13700000000).await;

    let r = give(
        &app,
        &c,
        Give {
            medal: once,
            staff: vec![people[0], people[1]],
            ..Give::default()
        },
    )
    .await;
    assert_eq!(r.status(), 200);
    // Giving it again to one of them (with a new person) names who has it; nothing is written.
    let r = give(
        &app,
        &c,
        Give {
            medal: once,
            staff: vec![people[1], people[2]],
            ..Give::default()
        },
    )
    .await;
    assert_eq!(r.status(), 422);
    let msg = messages(&r.json().await.unwrap(), "recipients");
    assert!(msg.contains("员工1") && msg.contains("不能重复"), "{msg}");
    assert!(!msg.contains("员工2"), "{msg}");
    assert_eq!(
        count(
            &app,
            &format!("SELECT COUNT(*) FROM awards WHERE medal_id = {once}")
        )
        .await,
        2
    );
    // Skipping holders awards the others.
    let r = give(
        &app,
        &c,
        Give {
            medal: once,
            staff: vec![people[1], people[2]],
            skip_holders: true,
            ..Give::default()
        },
    )
    .await;
    assert_eq!(r.status(), 200);
    let out: Value = r.json().await.unwrap();
    assert_eq!(
        (out["awarded"].as_i64(), out["skipped_holders"].as_i64()),
        (Some(1), Some(1))
    );
    // A revoked or expired award no longer counts.
    app.db
        .execute(&format!(
            "UPDATE awards SET expires_at = 1 WHERE medal_id = {once} AND staff_id = {}",
            people[0]
        ))
        .await
        .unwrap();
    let r = give(
        &app,
        &c,
        Give {
            medal: once,
            staff: vec![people[0]],
            ..Give::default()
        },
    )
    .await;
    assert_eq!(r.status(), 200, "an expired award can be earned again");
    // A repeatable medal can be given twice.
    for _ in 0..2 {
        let r = give(
            &app,
            &c,
            Give {
                medal: again,
                staff: vec![people[3]],
                ..Give::default()
            },
        )
        .await;
        assert_eq!(r.status(), 200);
    }
    assert_eq!(
        count(
            &app,
            &format!("SELECT COUNT(*) FROM awards WHERE medal_id = {again}")
        )
        .await,
        2
    );
}
both!(
    non_repeatable_medal_is_not_given_twice,
    super::non_repeatable_medal_is_not_given_twice
);

async fn recipients_csv_with_reasons_and_bad_rows(b: Backend) {
    let app = spawn_app(b).await;
    let c = app.signed_in(Role::Awarder).await;
    let admin = app.signed_in(Role::Admin).await;
    let m = medal(&app, &admin, &[]).await;
    let people = staff(&app, "张", "客服部", 3, 13600000000).await;
    let _ = people;

    // UTF-8 with BOM; by 工号, by mobile; one row with its own reason, one with the form's.
    let csv = "\u{feff}工号,姓名,手机号,理由\n张-0,张0,,连续三月好评第一\n,张1,13600000001,\n"
        .as_bytes()
        .to_vec();
    let r = give(
        &app,
        &c,
        Give {
            medal: m,
            reason: "服务之星",
            csv: Some(csv),
            ..Give::default()
        },
    )
    .await;
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    let page = list(&app, &c, &[("medal", &m.to_string())]).await;
    let mut reasons: Vec<(String, String)> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["staff_name"].as_str().unwrap().into(),
                a["reason"].as_str().unwrap().into(),
            )
        })
        .collect();
    reasons.sort();
    assert_eq!(
        reasons,
        vec![
            ("张0".into(), "连续三月好评第一".into()),
            ("张1".into(), "服务之星".into())
        ]
    );

    // GBK (Excel on Chinese Windows), English headers.
    let (gbk, _, _) = encoding_rs::GBK.encode("external_id,name,reason\n张-2,张2,年度最佳\n");
    let r = give(
        &app,
        &c,
        Give {
            medal: m,
            reason: "",
            csv: Some(gbk.into_owned()),
            ..Give::default()
        },
    )
    .await;
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    let page = list(&app, &c, &[("person", "张2")]).await;
    assert_eq!(page["items"][0]["reason"], "年度最佳");

    // Bad rows: every one reported by its line; nothing written.
    let before = count(&app, "SELECT COUNT(*) FROM awards").await;
    let csv = "工号,姓名,理由\n张-0,张0,好\nE404,谁,好\n张-1,李四,好\n张-0,张0,重复\n张-2,张2,\n"
        .as_bytes()
        .to_vec();
    let r = give(
        &app,
        &c,
        Give {
            medal: m,
            reason: "",
            csv: Some(csv),
            ..Give::default()
        },
    )
    .await;
    assert_eq!(r.status(), 422);
    let msg = messages(&r.json().await.unwrap(), "file");
    assert!(msg.contains("第 3 行") && msg.contains("E404"), "{msg}");
    assert!(
        msg.contains("第 4 行") && msg.contains("李四"),
        "name mismatch: {msg}"
    );
    assert!(
        msg.contains("第 5 行") && msg.contains("第 2 行"),
        "duplicate: {msg}"
    );
    assert!(
        msg.contains("第 6 行") && msg.contains("理由"),
        "no reason: {msg}"
    );
    assert!(!msg.contains("第 2 行："), "line 2 is fine: {msg}");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM awards").await, before);

    // A header without a way to find people.
    let r = give(
        &app,
        &c,
        Give {
            medal: m,
            csv: Some(b"name\nX\n".to_vec()),
            ..Give::default()
        },
    )
    .await;
    assert_eq!(r.status(), 422);
    assert!(messages(&r.json().await.unwrap(), "file").contains("表头"));
}
both!(
    recipients_csv_with_reasons_and_bad_rows,
    super::recipients_csv_with_reasons_and_bad_rows
);

async fn revoke_expiry_wall_and_public_page(b: Backend) {
    let app = spawn_app(b).await;
    let c = app.signed_in(Role::Admin).await;
    let gold = medal(
        &app,
        &c,
        &[("name", "创新奖"), ("description", "奖励大胆的新点子")],
    )
    .await;
    let bronze = medal(
        &app,
        &c,
        &[("name", "热心肠"), ("tier", "bronze"), ("repeatable", "on")],
    )
    .await;
    let people = staff(&app, "王", "研发部", 1, 13500000000).await;
    let p = people[0];
    app.db
        .execute(&format!(
            "UPDATE staff SET dingtalk_user_id = 'wang-secret-uid' WHERE id = {p}"
        ))
        .await
        .unwrap();
    for (m, reason) in [
        (gold, "提出<新架构>"),
        (bronze, "帮助新人"),
        (bronze, "周末支援"),
    ] {
        let r = give(
            &app,
            &c,
            Give {
                medal: m,
                reason,
                staff: vec![p],
                ..Give::default()
            },
        )
        .await;
        assert_eq!(r.status(), 200);
    }
    let ids: Vec<i64> = medal_server::with_db!(&app.db, p => sqlx::query_scalar::<_, i64>(
        "SELECT id FROM awards ORDER BY id").fetch_all(p).await)
    .unwrap();

    // The public page: no login, the award's facts, OpenGraph tags, nothing private.
    let a = get_award(&app, &c, ids[0]).await;
    let token = a["public_token"].as_str().unwrap().to_string();
    assert!(token.len() >= 22);
    let anon = app.client();
    let r = app.get(&anon, &format!("/a/{token}")).await;
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    for want in [
        "创新奖",
        "王0",
        "研发部",
        "提出&lt;新架构&gt;",
        "奖励大胆的新点子",
        "og:title",
        "og:image",
        "og:description",
    ] {
        assert!(html.contains(want), "public page lacks {want}");
    }
    for private in ["13500000000", "王-0", "wang-secret-uid"] {
        assert!(!html.contains(private), "public page shows {private}");
    }
    let r = app
        .post(&anon, "/sfn/awards/public", &[("token", &token)])
        .await;
    assert_eq!(r.status(), 200);
    let body = r.text().await.unwrap();
    assert!(!body.contains("13500000000") && !body.contains("wang-secret-uid"));
    assert_eq!(
        app.get(&anon, "/a/nosuchtoken0000000000").await.status(),
        404
    );

    // Revoke: a reason is needed; the award shows as revoked everywhere; not twice.
    let viewer = app.signed_in(Role::Viewer).await;
    let r = app
        .post(
            &viewer,
            "/sfn/awards/revoke",
            &[("id", &ids[0].to_string()), ("reason", "x")],
        )
        .await;
    assert_eq!(r.status(), 403);
    let r = app
        .post(
            &c,
            "/sfn/awards/revoke",
            &[("id", &ids[0].to_string()), ("reason", "")],
        )
        .await;
    assert_eq!(r.status(), 422);
    let r = app
        .post(
            &c,
            "/sfn/awards/revoke",
            &[("id", &ids[0].to_string()), ("reason", "评审有误")],
        )
        .await;
    assert_eq!(r.status(), 200);
    let r = app
        .post(
            &c,
            "/sfn/awards/revoke",
            &[("id", &ids[0].to_string()), ("reason", "再来")],
        )
        .await;
    assert_eq!(r.status(), 409);
    let a = get_award(&app, &c, ids[0]).await;
    assert_eq!(a["status"], "Revoked");
    assert_eq!(a["revoke_reason"], "评审有误");
    assert_eq!(a["revoked_by"], "admin-user");
    let html = app
        .get(&anon, &format!("/a/{token}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("已被撤销"),
        "the public page says it was revoked"
    );
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM audit_entries WHERE action = 'award.revoke'"
        )
        .await,
        1
    );

    // Expired: past its end.
    app.db
        .execute(&format!(
            "UPDATE awards SET expires_at = 1000 WHERE id = {}",
            ids[1]
        ))
        .await
        .unwrap();
    assert_eq!(get_award(&app, &c, ids[1]).await["status"], "Expired");

    // The wall: current apart from revoked/expired; counts per tier of current ones.
    let r = app
        .post(&c, "/sfn/awards/wall", &[("staff_id", &p.to_string())])
        .await;
    let wall: Value = r.json().await.unwrap();
    let ids_of = |k: &str| -> Vec<i64> {
        wall[k]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["id"].as_i64().unwrap())
            .collect()
    };
    assert_eq!(ids_of("current"), vec![ids[2]]);
    let mut past = ids_of("past");
    past.sort();
    assert_eq!(past, vec![ids[0], ids[1]]);
    assert_eq!(
        wall["tiers"],
        serde_json::json!([["Gold", 0], ["Silver", 0], ["Bronze", 1], ["None", 0]])
    );
    // The staff page shows the wall without JavaScript.
    let html = app
        .get(&c, &format!("/staff/{p}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("勋章墙") && html.contains("已撤销") && html.contains("已过期"));

    // Status filters of the list.
    assert_eq!(list(&app, &c, &[("status", "revoked")]).await["total"], 1);
    assert_eq!(list(&app, &c, &[("status", "expired")]).await["total"], 1);
    assert_eq!(list(&app, &c, &[("status", "active")]).await["total"], 1);
    let r = app
        .post(&c, "/sfn/awards/list", &[("filter[from]", "2026-13-01")])
        .await;
    assert_eq!(r.status(), 422);
}
both!(
    revoke_expiry_wall_and_public_page,
    super::revoke_expiry_wall_and_public_page
);

async fn export_leaderboard_and_dashboard(b: Backend) {
    let app = spawn_app(b).await;
    let c = app.signed_in(Role::Admin).await;
    let m = medal(&app, &c, &[("repeatable", "on")]).await;
    let people = staff(&app, "赵", "财务部", 3, 13400000000).await;
    // 赵0 ×3, 赵1 ×1, 赵2 ×1 (then revoked).
    for s in [people[0], people[0], people[0], people[1], people[2]] {
        let r = give(
            &app,
            &c,
            Give {
                medal: m,
                reason: "对账, \"准确\"",
                staff: vec![s],
                ..Give::default()
            },
        )
        .await;
        assert_eq!(r.status(), 200);
    }
    let last: i64 = count(&app, "SELECT MAX(id) FROM awards").await;
    let r = app
        .post(
            &c,
            "/sfn/awards/revoke",
            &[("id", &last.to_string()), ("reason", "重复")],
        )
        .await;
    assert_eq!(r.status(), 200);

    // CSV export of the filtered list (UTF-8 with BOM, quoted as needed).
    let r = app.get(&c, "/awards/export.csv?status=active").await;
    assert_eq!(r.status(), 200);
    assert!(r.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/csv"));
    let text = r.text().await.unwrap();
    assert!(text.starts_with('\u{feff}'));
    let mut rdr = csv::Reader::from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    let header = rdr.headers().unwrap().clone();
    assert_eq!(&header[0], "勋章");
    let rows: Vec<csv::StringRecord> = rdr.records().map(|r| r.unwrap()).collect();
    assert_eq!(rows.len(), 4);
    assert_eq!(&rows[0][4], "对账, \"准确\"");
    assert!(rows.iter().all(|r| r[10].contains("/a/")));
    // Without a session: to the login page.
    let r = app.get(&app.client(), "/awards/export.csv").await;
    assert_eq!(r.status(), 303);

    let r = app
        .post(&c, "/sfn/awards/leaderboard", &[("period", "month")])
        .await;
    let board: Value = r.json().await.unwrap();
    let top: Vec<(String, i64, i64)> = board
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["name"].as_str().unwrap().into(),
                r["awards"].as_i64().unwrap(),
                r["rank"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        top,
        vec![("赵0".into(), 3, 1), ("赵1".into(), 1, 2)],
        "revoked awards do not count"
    );

    let r = app.post(&c, "/sfn/awards/stats", &[]).await;
    let stats: Value = r.json().await.unwrap();
    assert_eq!(stats["awards_this_month"], 4);
    assert_eq!(stats["per_month"].as_array().unwrap().len(), 12);
    assert_eq!(stats["people_awarded"], 2);
    assert_eq!(stats["top_medals"][0]["awards"], 4);
    // The dashboard's chart is drawn on the server.
    let html = app.get(&c, "/").await.text().await.unwrap();
    assert!(
        html.contains("<svg") && html.contains("data-awards=\"4\""),
        "chart in the page"
    );
    let html = app
        .get(&c, "/leaderboard?period=all")
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("赵0"));
}
both!(
    export_leaderboard_and_dashboard,
    super::export_leaderboard_and_dashboard
);

async fn plain_form_award_without_javascript(b: Backend) {
    let app = spawn_app(b).await;
    let c = app.signed_in(Role::Admin).await;
    let m = medal(&app, &c, &[]).await;
    let people = staff(&app, "孙", "法务部", 2, 13300000000).await;
    let post = |g: Give<'static>| {
        let form = give_form(&g);
        c.post(app.url("/sfn/awards/give"))
            .header("accept", "text/html")
            .header("referer", app.url(&format!("/awards/new?medal={m}")))
            .multipart(form)
            .send()
    };
    // One person: to the award's page.
    let r = post(Give {
        medal: m,
        staff: vec![people[0]],
        ..Give::default()
    })
    .await
    .unwrap();
    assert_eq!(r.status(), 302);
    let to = r.headers()["location"].to_str().unwrap().to_string();
    assert!(
        to.starts_with("/awards/") && to.ends_with("?given=1"),
        "{to}"
    );
    // A failure goes back to the form, which shows the message and keeps what was typed.
    let r = post(Give {
        medal: m,
        reason: "",
        staff: vec![people[1]],
        ..Give::default()
    })
    .await
    .unwrap();
    assert_eq!(r.status(), 302);
    let html = app
        .get(&c, &format!("/awards/new?medal={m}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("请填写颁发理由"), "the error is shown");
    assert!(
        html.contains(&format!("name=\"staff\" value=\"{}\"", people[1])),
        "the person stays chosen"
    );
}
both!(
    plain_form_award_without_javascript,
    super::plain_form_award_without_javascript
);
