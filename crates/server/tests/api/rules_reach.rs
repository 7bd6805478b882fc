//! An ingest evaluates only what its facts can change (the windows they fall in, the people the
//! database says may meet a rule there): rules evaluated batch by batch as random facts arrive,
//! late and out of order, must end with exactly the awards the same rules give when saved
//! afterwards with a backfill over all the history.

use crate::both;
use crate::helpers::*;
use medal_core::time::days_from_civil;
use medal_core::Role;
use medal_server::rules::facts::{ingest, Fact, Op};
use medal_server::with_db;

/// (kind, days, period, threshold) of the rules compared.
const SHAPES: &[(&str, &str, &str, &str)] = &[
    ("streak", "calendar", "none", "6"),
    ("streak", "workdays", "month", "4"),
    ("streak", "calendar", "quarter", "9"),
    ("total", "calendar", "quarter", "14"),
    ("total", "calendar", "none", "40"),
    ("total", "calendar", "month", "7"),
];

async fn rule(app: &TestApp, c: &reqwest::Client, n: usize, suffix: &str) -> i64 {
    let (kind, days, period, threshold) = SHAPES[n];
    let name = format!("规则{n}{suffix}");
    let medal = create_medal(
        app,
        c,
        &[
            ("name", name.as_str()),
            ("kind", "automatic"),
            ("repeatable", "on"),
        ],
    )
    .await;
    let form: Vec<(String, String)> = [
        ("name", name.as_str()),
        ("medal_id", medal.to_string().as_str()),
        ("metric", "m1"),
        ("kind", kind),
        ("days", days),
        ("period", period),
        ("threshold", threshold),
        ("backfill", "true"),
    ]
    .iter()
    .map(|(k, v)| (format!("form[{k}]"), v.to_string()))
    .collect();
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let r = app.post(c, "/sfn/rules/save", &form).await;
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    r.json().await.unwrap()
}

/// (person, window) pairs a rule gave.
async fn given(app: &TestApp, rule: i64) -> Vec<(i64, i64)> {
    with_db!(&app.db, p => sqlx::query_as::<_, (i64, i64)>(
        "SELECT staff_id, window_key FROM rule_awards WHERE rule_id = $1 ORDER BY staff_id, window_key")
        .bind(rule).fetch_all(p).await)
    .unwrap()
}

async fn incremental_evaluation_matches_a_backfill(b: Backend) {
    let app = spawn_app(b).await;
    let st = app.state();
    let c = app.signed_in(Role::Admin).await;
    let base = days_from_civil(2026, 9, 14); // a Monday, two weeks before a quarter ends
    let holiday = base + 17; // a Thursday
    with_db!(&app.db, p => sqlx::query("INSERT INTO holidays (day) VALUES ($1)")
        .bind(holiday).execute(p).await.map(|_| ()))
    .unwrap();
    let mut live = Vec::new();
    for n in 0..SHAPES.len() {
        live.push(rule(&app, &c, n, "").await);
    }
    let mut people = Vec::new();
    for i in 0..8 {
        let id = with_db!(&app.db, p => sqlx::query_scalar::<_, i64>(
            "INSERT INTO staff (name, department, external_id, active, created_at, updated_at) \
             VALUES ($1, '研发部', $2, TRUE, 0, 0) RETURNING id")
            .bind(format!("员工{i}")).bind(format!("E{i}")).fetch_one(p).await)
        .unwrap();
        people.push(id);
    }
    // random facts over 110 days, in batches of random width and order, the same day again
    let mut seed = 7u64;
    let mut rnd = |n: u64| {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (seed >> 33) % n
    };
    let mut awarded = 0;
    for _ in 0..60 {
        let width = 1 + rnd(20) as i64;
        let start = base + rnd(110) as i64;
        let mut batch = Vec::new();
        for _ in 0..1 + rnd(25) {
            // increments only: a reading that lowers a day could take back what a
            // backfill over the final facts would not give, and awards are never taken back
            let op = Op::Add(1 + rnd(3) as i64);
            batch.push(Fact {
                staff_id: people[rnd(people.len() as u64) as usize],
                metric: "m1".into(),
                day: start + rnd(width as u64) as i64,
                op,
                key: None,
            });
        }
        awarded += ingest(&st, batch).await.unwrap().awarded;
    }
    assert!(awarded > 20, "the run earns awards: {awarded}");
    for (n, live) in live.iter().enumerate() {
        let later = rule(&app, &c, n, "（补发）").await;
        let (a, b) = (given(&app, *live).await, given(&app, later).await);
        assert!(!b.is_empty(), "{:?} earns something", SHAPES[n]);
        assert_eq!(
            a, b,
            "{:?}: evaluated as facts came vs all at once",
            SHAPES[n]
        );
    }
}
both!(
    incremental_evaluation_matches_a_backfill,
    super::incremental_evaluation_matches_a_backfill
);
