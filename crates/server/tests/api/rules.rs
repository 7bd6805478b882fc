//! Automatic medals: rules over facts, evaluated after every ingest; once per person per rule
//! (per window); dry run, backfill, the rule's page; events with keys, by index errors.

use crate::both;
use crate::helpers::*;
use medal_core::time::{china_day, fmt_day};
use medal_core::Role;
use medal_server::infra::now_ms;
use medal_server::rules::facts::{ingest, Fact, Op, ATTENDANCE};
use medal_server::rules::types::EventIn;
use medal_server::with_db;

async fn person(app: &TestApp, name: &str, external: &str) -> i64 {
    with_db!(&app.db, p => sqlx::query_scalar::<_, i64>(
        "INSERT INTO staff (name, department, external_id, active, created_at, updated_at) \
         VALUES ($1, '研发部', $2, TRUE, 0, 0) RETURNING id")
        .bind(name).bind(external).fetch_one(p).await)
    .unwrap()
}

fn days(staff_id: i64, from: i64, n: i64) -> Vec<Fact> {
    (0..n)
        .map(|i| Fact {
            staff_id,
            metric: ATTENDANCE.into(),
            day: from + i,
            op: Op::Set(1),
            key: None,
        })
        .collect()
}

async fn save_rule(
    app: &TestApp,
    c: &reqwest::Client,
    fields: &[(&str, &str)],
) -> reqwest::Response {
    let mut form: Vec<(String, String)> = [
        ("name", "连续打卡30天"),
        ("metric", "attendance"),
        ("kind", "streak"),
        ("days", "calendar"),
        ("period", "none"),
        ("threshold", "30"),
    ]
    .iter()
    .map(|(k, v)| (format!("form[{k}]"), v.to_string()))
    .collect();
    for (k, v) in fields {
        let k = if k.ends_with("[]") {
            k.to_string()
        } else {
            format!("form[{k}]")
        };
        form.retain(|(fk, _)| *fk != k);
        form.push((k, v.to_string()));
    }
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    app.post(c, "/sfn/rules/save", &form).await
}

/// (staff id, reason, rule) of every award of a medal.
async fn awards_of(app: &TestApp, medal: i64) -> Vec<(i64, String, Option<i64>)> {
    with_db!(&app.db, p => sqlx::query_as::<_, (i64, String, Option<i64>)>(
        "SELECT staff_id, reason, awarded_by_rule FROM awards WHERE medal_id = $1 ORDER BY staff_id, id")
        .bind(medal).fetch_all(p).await)
    .unwrap()
}

async fn streak_rule_awards_once(b: Backend) {
    let app = spawn_app(b).await;
    let st = app.state();
    let c = app.signed_in(Role::Admin).await;
    let medal = create_medal(&app, &c, &[("name", "全勤达人"), ("kind", "automatic")]).await;
    let (a, bb, gap) = (
        person(&app, "甲", "E1").await,
        person(&app, "乙", "E2").await,
        person(&app, "丙", "E3").await,
    );
    let r = save_rule(
        &app,
        &c,
        &[("medal_id", &medal.to_string()), ("backfill", "true")],
    )
    .await;
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    let rule: i64 = r.json().await.unwrap();
    let today = china_day(now_ms());

    // 29 days ending yesterday: not yet
    let done = ingest(&st, days(a, today - 29, 29)).await.unwrap();
    assert_eq!((done.accepted, done.awarded), (29, 0));
    assert!(awards_of(&app, medal).await.is_empty());
    // the 30th day: the medal, given by the rule
    assert_eq!(ingest(&st, days(a, today, 1)).await.unwrap().awarded, 1);
    // the same facts again, and more days: never twice
    assert_eq!(
        ingest(&st, days(a, today - 29, 30)).await.unwrap().awarded,
        0
    );
    // 30 days reported in reverse order, one day twice
    let mut rev = days(bb, today - 40, 30);
    rev.reverse();
    rev.push(days(bb, today - 30, 1).remove(0));
    assert_eq!(ingest(&st, rev).await.unwrap().awarded, 1);
    // a one-day gap (a 0 for a day not attended) breaks the streak
    let mut g = days(gap, today - 30, 31);
    g[15].op = Op::Set(0);
    assert_eq!(ingest(&st, g).await.unwrap().awarded, 0);

    let given = awards_of(&app, medal).await;
    assert_eq!(given.iter().map(|g| g.0).collect::<Vec<_>>(), vec![a, bb]);
    assert!(given.iter().all(|g| g.2 == Some(rule)));
    assert!(
        given[0].1.contains("连续打卡30天") && given[0].1.contains("连续 30 天"),
        "{}",
        given[0].1
    );
    let from = fmt_day(today - 29);
    assert!(
        given[0].1.contains(&from),
        "the facts' first day in {}",
        given[0].1
    );

    // an automatic medal is not given by hand
    let form = reqwest::multipart::Form::new()
        .text("medal_id", medal.to_string())
        .text("reason", "手动")
        .text("staff", gap.to_string());
    let r = app.post_multipart(&c, "/sfn/awards/give", form).await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("规则"));

    // the rule's page: its awards, and 丙 closest (15 days since the gap, 15 to go)
    let page = app
        .get(&c, &format!("/rules/{rule}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("甲") && page.contains("乙"),
        "recent awards listed"
    );
    assert!(page.contains("还差 15 天"), "closest listed: {page}");
    let list = app.get(&c, "/rules").await.text().await.unwrap();
    assert!(list.contains("连续打卡30天") && list.contains("全勤达人"));

    // paused: facts are kept, nothing given; resumed: the backfill gives what is due
    let r = app
        .post(
            &c,
            "/sfn/rules/pause",
            &[("id", &rule.to_string()), ("active", "false")],
        )
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(
        ingest(&st, days(gap, today - 14, 15))
            .await
            .unwrap()
            .awarded,
        0
    );
    let r = app
        .post(
            &c,
            "/sfn/rules/pause",
            &[("id", &rule.to_string()), ("active", "true")],
        )
        .await;
    assert_eq!(r.status(), 200);
    let owed = app
        .post(
            &c,
            "/sfn/rules/dry_run",
            &[
                ("form[id]", &rule.to_string()),
                ("form[name]", "连续打卡30天"),
                ("form[medal_id]", &medal.to_string()),
                ("form[metric]", "attendance"),
                ("form[kind]", "streak"),
                ("form[period]", "none"),
                ("form[threshold]", "30"),
            ],
        )
        .await;
    assert_eq!(owed.status(), 200);
    let owed: serde_json::Value = owed.json().await.unwrap();
    assert_eq!(owed["qualify"], 0, "15 + 15 with the gap between: not 30");
    // the award's page names its rule, links it, and says which facts earned it
    let award: i64 = with_db!(&app.db, p => sqlx::query_scalar(
        "SELECT MIN(id) FROM awards WHERE medal_id = $1").bind(medal).fetch_one(p).await)
    .unwrap();
    let page = app
        .get(&c, &format!("/awards/{award}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains(&format!("href=\"/rules/{rule}\"")),
        "links its rule"
    );
    assert!(
        page.contains("规则「连续打卡30天」") && page.contains("连续 30 天"),
        "{page}"
    );
    // a viewer reads the rules but does not change them
    let v = app.signed_in(Role::Viewer).await;
    assert_eq!(app.get(&v, "/rules").await.status(), 200);
    assert_eq!(
        save_rule(&app, &v, &[("medal_id", &medal.to_string())])
            .await
            .status(),
        403
    );
}
both!(streak_rule_awards_once, super::streak_rule_awards_once);

async fn windows_totals_and_events(b: Backend) {
    let app = spawn_app(b).await;
    let st = app.state();
    let c = app.signed_in(Role::Admin).await;
    let once = create_medal(&app, &c, &[("name", "任务达人"), ("kind", "automatic")]).await;
    let monthly = create_medal(
        &app,
        &c,
        &[
            ("name", "月度任务王"),
            ("kind", "automatic"),
            ("repeatable", "on"),
        ],
    )
    .await;
    let a = person(&app, "甲", "E1").await;
    let _b = person(&app, "乙", "E2").await;
    // a monthly rule needs a repeatable medal
    let r = save_rule(
        &app,
        &c,
        &[
            ("medal_id", &once.to_string()),
            ("kind", "total"),
            ("metric", "tasks_completed"),
            ("threshold", "10"),
            ("period", "month"),
        ],
    )
    .await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("可重复"));
    let r = save_rule(
        &app,
        &c,
        &[
            ("name", "月度10个任务"),
            ("medal_id", &monthly.to_string()),
            ("kind", "total"),
            ("metric", "tasks_completed"),
            ("threshold", "10"),
            ("period", "month"),
            ("backfill", "true"),
        ],
    )
    .await;
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    let r = save_rule(
        &app,
        &c,
        &[
            ("name", "100个任务"),
            ("medal_id", &once.to_string()),
            ("kind", "total"),
            ("metric", "tasks_completed"),
            ("threshold", "100"),
            ("backfill", "true"),
        ],
    )
    .await;
    assert_eq!(r.status(), 200);

    let ev =
        |ext: &str, date: &str, inc: Option<i64>, value: Option<i64>, key: Option<&str>| EventIn {
            external_id: Some(ext.into()),
            metric: "tasks_completed".into(),
            increment: inc,
            value,
            date: date.into(),
            idempotency_key: key.map(str::to_string),
            ..Default::default()
        };
    // November: 6 + 5 by increments (late and out of order); December: a reading of 60, then 40
    let batch = vec![
        ev("E1", "2026-11-20", Some(5), None, Some("k2")),
        ev("E1", "2026-11-02", Some(6), None, Some("k1")),
        ev("E1", "2026-12-01", None, Some(60), None),
        ev("nobody", "2026-12-01", Some(1), None, Some("k3")),
        ev("E1", "2026-13-01", Some(1), None, Some("k4")),
        ev("E1", "2026-12-01", Some(1), None, None),
        ev("E1", "2026-12-02", None, Some(40), None),
    ];
    let out = medal_server::rules::events::ingest_events(&st, batch.clone())
        .await
        .unwrap();
    assert_eq!((out.accepted, out.duplicates), (4, 0));
    let bad: Vec<(usize, &str)> = out
        .errors
        .iter()
        .map(|e| (e.index, e.field.as_str()))
        .collect();
    assert_eq!(
        bad,
        vec![(3, "external_id"), (4, "date"), (5, "idempotency_key")]
    );
    // two months of ≥ 10 → two monthly awards; 11 + 100 ≥ 100 → the all-time one
    assert_eq!(out.awarded, 3);
    assert_eq!(awards_of(&app, monthly).await.len(), 2);
    assert_eq!(awards_of(&app, once).await.len(), 1);
    // the batch again: keys seen, readings the same — nothing changes
    let again = medal_server::rules::events::ingest_events(&st, batch)
        .await
        .unwrap();
    assert_eq!((again.accepted, again.duplicates, again.awarded), (2, 2, 0));
    let total: i64 = with_db!(&app.db, p => sqlx::query_scalar::<_, i64>(
        "SELECT CAST(SUM(value) AS BIGINT) FROM facts WHERE staff_id = $1 AND metric = 'tasks_completed'").bind(a).fetch_one(p).await)
    .unwrap();
    assert_eq!(total, 111);
    assert_eq!(awards_of(&app, monthly).await.len(), 2);
}
both!(windows_totals_and_events, super::windows_totals_and_events);

async fn backfill_counts_history_only_when_asked(b: Backend) {
    let app = spawn_app(b).await;
    let st = app.state();
    let c = app.signed_in(Role::Admin).await;
    let medal = create_medal(&app, &c, &[("name", "全勤达人"), ("kind", "automatic")]).await;
    let a = person(&app, "甲", "E1").await;
    let today = china_day(now_ms());
    ingest(&st, days(a, today - 40, 30)).await.unwrap();
    // the dry run counts history
    let r = app
        .post(
            &c,
            "/sfn/rules/dry_run",
            &[
                ("form[name]", "r"),
                ("form[medal_id]", &medal.to_string()),
                ("form[metric]", "attendance"),
                ("form[kind]", "streak"),
                ("form[period]", "none"),
                ("form[threshold]", "30"),
            ],
        )
        .await;
    let d: serde_json::Value = r.json().await.unwrap();
    assert_eq!(
        (d["qualify"].as_u64(), d["names"][0].as_str()),
        (Some(1), Some("甲"))
    );
    // saved without backfill: only facts from today count, history is not awarded
    let r = save_rule(&app, &c, &[("medal_id", &medal.to_string())]).await;
    let rule: i64 = r.json().await.unwrap();
    assert_eq!(
        ingest(&st, days(a, today - 40, 30)).await.unwrap().awarded,
        0
    );
    assert!(awards_of(&app, medal).await.is_empty());
    // the backfill button gives it
    let r = app
        .post(&c, "/sfn/rules/backfill", &[("id", &rule.to_string())])
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.json::<u64>().await.unwrap(), 1);
    assert_eq!(awards_of(&app, medal).await.len(), 1);
}
both!(
    backfill_counts_history_only_when_asked,
    super::backfill_counts_history_only_when_asked
);

/// Two ingests of the same facts at once (two instances on one database): one award.
async fn concurrent_ingests_award_once(b: Backend) {
    let app = spawn_app(b).await;
    let c = app.signed_in(Role::Admin).await;
    let medal = create_medal(&app, &c, &[("name", "全勤达人"), ("kind", "automatic")]).await;
    let mut people = Vec::new();
    for i in 0..20 {
        people.push(person(&app, &format!("员工{i}"), &format!("E{i}")).await);
    }
    save_rule(
        &app,
        &c,
        &[("medal_id", &medal.to_string()), ("backfill", "true")],
    )
    .await;
    let today = china_day(now_ms());
    let facts: Vec<Fact> = people
        .iter()
        .flat_map(|p| days(*p, today - 29, 30))
        .collect();
    let (s1, s2) = (app.state(), app.state());
    let (f1, f2) = (facts.clone(), facts);
    let (x, y) = tokio::join!(
        tokio::spawn(async move { ingest(&s1, f1).await }),
        tokio::spawn(async move { ingest(&s2, f2).await })
    );
    let (x, y) = (x.unwrap().unwrap(), y.unwrap().unwrap());
    assert_eq!(x.awarded + y.awarded, 20, "{x:?} {y:?}");
    assert_eq!(awards_of(&app, medal).await.len(), 20);
}
both!(
    concurrent_ingests_award_once,
    super::concurrent_ingests_award_once
);
