//! The counters pages read instead of counting awards (migrations 0010, 0016): after awards given
//! by the form, revoked, moved across months, deleted and their medal's tier changed, every
//! counter equals what a recount of the awards gives — the months and quarters computed here in
//! Rust, so the databases' month arithmetic (China time) is checked too — and the month's and
//! the quarter's leaderboards equal a ranking of that recount. And the awards list's keyset pages:
//! walked forwards and back, every award once, in order; totals from counters or capped.

use std::collections::BTreeMap;

use medal_core::time::china_month;
use medal_core::Role;
use medal_server::with_db;
use reqwest::{multipart, Client};
use serde_json::Value;

use crate::both;
use crate::helpers::medal_form;
use crate::helpers::spawn_app;
use crate::helpers::Backend;
use crate::helpers::TestApp;

async fn medal(app: &TestApp, c: &Client, fields: &[(&str, &str)]) -> i64 {
    crate::helpers::create_medal(app, c, fields).await
}

async fn people(app: &TestApp, n: usize) -> Vec<i64> {
    let mut ids = Vec::new();
    for i in 0..n {
        let id = with_db!(&app.db, p => sqlx::query_scalar::<_, i64>(
            "INSERT INTO staff (name, department, active, created_at, updated_at) \
             VALUES ($1, '计数部', TRUE, 0, 0) RETURNING id")
            .bind(format!("计数{i:02}")).fetch_one(p).await)
        .unwrap();
        ids.push(id);
    }
    ids
}

async fn give(app: &TestApp, c: &Client, medal: i64, staff: &[i64]) {
    let mut f = multipart::Form::new()
        .text("medal_id", medal.to_string())
        .text("reason", "计数测试");
    for s in staff {
        f = f.text("staff", s.to_string());
    }
    let r = app.post_multipart(c, "/sfn/awards/give", f).await;
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
}

/// Every counter against a recount of the awards.
async fn assert_counters(app: &TestApp, c: &Client, when: &str) {
    let awards = with_db!(&app.db, p => sqlx::query_as::<_, (i64, i64, i64, Option<i64>, String)>(
        "SELECT a.medal_id, a.staff_id, a.awarded_at, a.revoked_at, m.tier \
         FROM awards a JOIN medals m ON m.id = a.medal_id").fetch_all(p).await)
    .unwrap();
    let mut medals: BTreeMap<i64, (i64, i64)> = BTreeMap::new();
    let mut medal_months: BTreeMap<(i64, i64), i64> = BTreeMap::new();
    let mut staff: BTreeMap<i64, [i64; 4]> = BTreeMap::new();
    let mut staff_months: BTreeMap<(i64, i64), [i64; 4]> = BTreeMap::new();
    let mut staff_quarters: BTreeMap<(i64, i64), [i64; 4]> = BTreeMap::new();
    for (m, s, at, revoked, tier) in &awards {
        let e = medals.entry(*m).or_default();
        e.1 += 1;
        if revoked.is_some() {
            continue;
        }
        e.0 += 1;
        let month = china_month(*at);
        *medal_months.entry((*m, month)).or_default() += 1;
        let t = [
            1,
            (tier == "gold") as i64,
            (tier == "silver") as i64,
            (tier == "bronze") as i64,
        ];
        for (k, v) in t.iter().enumerate() {
            staff.entry(*s).or_default()[k] += v;
            staff_months.entry((*s, month)).or_default()[k] += v;
            staff_quarters.entry((*s, month / 3)).or_default()[k] += v;
        }
    }
    let got = with_db!(&app.db, p => sqlx::query_as::<_, (i64, i64, i64)>(
        "SELECT id, live_awards, all_awards FROM medals").fetch_all(p).await)
    .unwrap();
    for (id, live, all) in got {
        assert_eq!(
            (live, all),
            medals.get(&id).copied().unwrap_or_default(),
            "medal {id} {when}"
        );
    }
    let got: BTreeMap<(i64, i64), i64> = with_db!(&app.db, p => sqlx::query_as::<_, (i64, i64, i64)>(
        "SELECT medal_id, CAST(month AS BIGINT), awards FROM medal_months WHERE awards <> 0").fetch_all(p).await)
    .unwrap()
    .into_iter()
    .map(|(m, month, n)| ((m, month), n))
    .collect();
    assert_eq!(got, medal_months, "medal_months {when}");
    let got: BTreeMap<i64, [i64; 4]> = with_db!(&app.db, p => sqlx::query_as::<_, (i64, i64, i64, i64, i64)>(
        "SELECT id, live_awards, live_gold, live_silver, live_bronze FROM staff \
         WHERE live_awards <> 0 OR live_gold <> 0 OR live_silver <> 0 OR live_bronze <> 0").fetch_all(p).await)
    .unwrap()
    .into_iter()
    .map(|(s, a, g, si, b)| (s, [a, g, si, b]))
    .collect();
    assert_eq!(got, staff, "staff counters {when}");
    // a person's counts per month or quarter (`key`), the rows that are not all zero
    let per_person = |table: &'static str, key: &'static str| async move {
        let sql = format!(
            "SELECT staff_id, CAST({key} AS BIGINT), awards, gold, silver, bronze FROM {table} \
             WHERE awards <> 0 OR gold <> 0 OR silver <> 0 OR bronze <> 0"
        );
        with_db!(&app.db, p => sqlx::query_as::<_, (i64, i64, i64, i64, i64, i64)>(&sql)
            .fetch_all(p).await)
        .unwrap()
        .into_iter()
        .map(|(s, k, a, g, si, b)| ((s, k), [a, g, si, b]))
        .collect::<BTreeMap<(i64, i64), [i64; 4]>>()
    };
    let got = per_person("staff_months", "month").await;
    assert_eq!(got, staff_months, "staff_months {when}");
    let got = per_person("staff_quarters", "quarter").await;
    assert_eq!(got, staff_quarters, "staff_quarters {when}");

    // The month's and the quarter's leaderboards: the recount ranked (counts, then name).
    let names: BTreeMap<i64, String> = with_db!(&app.db, p => sqlx::query_as::<_, (i64, String)>(
        "SELECT id, name FROM staff").fetch_all(p).await)
    .unwrap()
    .into_iter()
    .collect();
    let this_month = china_month(medal_server::infra::now_ms());
    for (period, key, counts) in [
        ("month", this_month, &staff_months),
        ("quarter", this_month / 3, &staff_quarters),
    ] {
        let mut want: Vec<(i64, [i64; 4])> = counts
            .iter()
            .filter(|((_, k), c)| *k == key && c[0] > 0)
            .map(|((s, _), c)| (*s, *c))
            .collect();
        want.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| names[&a.0].cmp(&names[&b.0])));
        let lb: Value = app
            .post(c, "/sfn/awards/leaderboard", &[("period", period)])
            .await
            .json()
            .await
            .unwrap();
        let got: Vec<(i64, [i64; 4])> = lb
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                let n = |f: &str| r[f].as_i64().unwrap();
                (
                    n("staff_id"),
                    [n("awards"), n("gold"), n("silver"), n("bronze")],
                )
            })
            .collect();
        assert_eq!(got, want, "{period} leaderboard {when}");
    }
}

async fn counters_follow_awards(b: Backend) {
    let app = spawn_app(b).await;
    let admin = app.signed_in(Role::Admin).await;
    let gold = medal(&app, &admin, &[("name", "金章"), ("tier", "gold")]).await;
    let silver = medal(&app, &admin, &[("name", "银章"), ("tier", "silver")]).await;
    let staff = people(&app, 30).await;
    // Given out of person order (the writer sorts them).
    let mut some: Vec<i64> = staff[..20].to_vec();
    some.reverse();
    give(&app, &admin, gold, &some).await;
    give(&app, &admin, silver, &staff[10..]).await;
    assert_counters(&app, &admin, "after giving").await;

    let ids = with_db!(&app.db, p => sqlx::query_scalar::<_, i64>(
        "SELECT id FROM awards ORDER BY id").fetch_all(p).await)
    .unwrap();
    for id in &ids[..3] {
        let r = app
            .post(
                &admin,
                "/sfn/awards/revoke",
                &[("id", &id.to_string()), ("reason", "计数")],
            )
            .await;
        assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    }
    assert_counters(&app, &admin, "after revoking").await;

    // Moved to the last instant of 2025 and the first of 2026, China time (UTC+8), and to a
    // year before: the months the databases compute must be the ones Rust does.
    let first_2026 = medal_core::time::china_midnight(2026, 1, 1);
    for (id, at) in [
        (ids[5], first_2026 - 1),
        (ids[6], first_2026),
        (ids[7], first_2026 - 365 * 86_400_000),
    ] {
        with_db!(&app.db, p => sqlx::query("UPDATE awards SET awarded_at = $1 WHERE id = $2")
            .bind(at).bind(id).execute(p).await.map(|_| ()))
        .unwrap();
    }
    assert_eq!(china_month(first_2026 - 1) + 1, china_month(first_2026));
    assert_counters(&app, &admin, "after moving across months").await;

    // The silver medal becomes bronze: its holders' tier counts move.
    let r = app
        .post_multipart(
            &admin,
            "/sfn/medals/save",
            medal_form(&[
                ("id", &silver.to_string()),
                ("name", "银章"),
                ("tier", "bronze"),
            ]),
        )
        .await;
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    assert_counters(&app, &admin, "after a tier change").await;

    with_db!(&app.db, p => sqlx::query("DELETE FROM awards WHERE id = $1 OR id = $2")
        .bind(ids[1]).bind(ids[8]).execute(p).await.map(|_| ()))
    .unwrap();
    assert_counters(&app, &admin, "after deleting").await;

    // The figures pages show come from the counters.
    let stats: Value = app
        .post(&admin, "/sfn/awards/stats", &[])
        .await
        .json()
        .await
        .unwrap();
    let live = ids.len() as i64 - 3 - 1; // ids[1] was among the revoked
                                         // People 0–2 lost their only award (revoked), person 8 too (deleted).
    assert_eq!(stats["people_awarded"], 26, "{stats}");
    let top = &stats["top_medals"];
    assert_eq!(top[0]["medal"]["id"], silver, "{stats}");
    assert_eq!(top[0]["awards"], 20, "{stats}");
    assert_eq!(top[1]["awards"], 16, "{stats}");
    let dash: Value = app
        .post(&admin, "/sfn/dashboard", &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(dash["awards"], live, "{dash}");
    let lb: Value = app
        .post(&admin, "/sfn/awards/leaderboard", &[("period", "all")])
        .await
        .json()
        .await
        .unwrap();
    // People 10..20 hold both medals (less any revoked): they lead, gold first.
    assert_eq!(lb[0]["awards"], 2, "{lb}");
    assert_eq!(lb[0]["gold"], 1, "{lb}");
    assert_eq!(lb[0]["bronze"], 1, "{lb}");
}
both!(counters_follow_awards, super::counters_follow_awards);

async fn page(app: &TestApp, c: &Client, filter: &[(&str, &str)]) -> Value {
    crate::helpers::award_list(app, c, filter).await
}

fn ids_of(p: &Value) -> Vec<i64> {
    p["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_i64().unwrap())
        .collect()
}

async fn keyset_pages(b: Backend) {
    let app = spawn_app(b).await;
    let admin = app.signed_in(Role::Admin).await;
    let m = medal(&app, &admin, &[("name", "翻页章")]).await;
    let staff = people(&app, 60).await;
    // 60 awards at one instant (one batch), then 10,050 more spread over time by raw SQL: ties
    // on awarded_at are ordered by id.
    give(&app, &admin, m, &staff).await;
    let now = medal_server::infra::now_ms();
    for chunk in (0..10_050i64).collect::<Vec<_>>().chunks(1000) {
        let values = chunk
            .iter()
            .map(|i| {
                format!(
                    "({m}, {}, '补录', {}, 'kp{i}')",
                    staff[*i as usize % staff.len()],
                    now - 1000 - (i / 3) * 60_000
                )
            })
            .collect::<Vec<_>>()
            .join(",");
        app.db
            .execute(&format!(
                "INSERT INTO awards (medal_id, staff_id, reason, awarded_at, public_token) VALUES {values}"
            ))
            .await
            .unwrap();
    }
    let want = with_db!(&app.db, p => sqlx::query_scalar::<_, i64>(
        "SELECT id FROM awards ORDER BY awarded_at DESC, id DESC").fetch_all(p).await)
    .unwrap();
    assert_eq!(want.len(), 10_110);

    // Forwards to the end, then back to the start.
    let mut pages = vec![page(&app, &admin, &[]).await];
    assert_eq!(pages[0]["total"], 10_110);
    assert_eq!(pages[0]["capped"], false);
    assert!(pages[0]["prev"].is_null());
    while let Some(next) = pages.last().unwrap()["next"].as_str().map(str::to_string) {
        pages.push(page(&app, &admin, &[("after", &next)]).await);
    }
    let seen: Vec<i64> = pages.iter().flat_map(ids_of).collect();
    assert_eq!(seen, want, "every award once, newest first");
    assert_eq!(pages.len(), 10_110usize.div_ceil(50));
    let mut back = vec![pages.last().unwrap().clone()];
    while let Some(prev) = back.last().unwrap()["prev"].as_str().map(str::to_string) {
        back.push(page(&app, &admin, &[("before", &prev)]).await);
    }
    back.reverse();
    let seen_back: Vec<i64> = back.iter().flat_map(ids_of).collect();
    assert_eq!(seen_back, want, "the same pages walking back");

    // Filtered totals are counted up to the cap; a medal alone comes from its counter.
    let active = page(&app, &admin, &[("status", "active")]).await;
    assert_eq!(
        (active["total"].clone(), active["capped"].clone()),
        (10_000.into(), true.into())
    );
    let medal_only = page(&app, &admin, &[("medal", &m.to_string())]).await;
    assert_eq!(
        (medal_only["total"].clone(), medal_only["capped"].clone()),
        (10_110.into(), false.into())
    );
    let few = page(&app, &admin, &[("person", "计数00")]).await;
    assert_eq!(few["capped"], false);
    assert_eq!(few["total"], 10_050 / 60 + 1 + 1);

    // An export holds at most its cap, and says it was cut.
    let csv = medal_server::awards::export::export(
        &app.db,
        &medal_server::awards::AwardFilter::default(),
        medal_core::Lang::Zh,
        "http://medals.example",
        100,
    )
    .await
    .unwrap();
    let text = String::from_utf8(csv).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 1 + 100 + 1, "header, 100 rows, the note");
    assert!(
        lines[101].contains("已截断") && lines[101].contains("100"),
        "{}",
        lines[101]
    );

    // The page as a browser gets it: links carry cursors; a bad cursor is a clear 400.
    let html = app.get(&admin, "/awards").await.text().await.unwrap();
    assert!(html.contains("共 10110 条"), "{html}");
    assert!(html.contains(&format!("after={}", pages[0]["next"].as_str().unwrap())));
    let r = app
        .post(&admin, "/sfn/awards/list", &[("filter[after]", "12.x")])
        .await;
    assert_eq!(r.status(), 422);
    let html = app
        .get(&admin, "/awards?after=oops")
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("翻页位置无效"), "{html}");
}
both!(keyset_pages, super::keyset_pages);
