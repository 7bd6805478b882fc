//! The award INSERT every writer uses.

/// One medal given to people at one time, as the `awards` table keeps it.
pub struct NewAwards<'a> {
    pub medal_id: i64,
    pub awarded_by_admin: Option<i64>,
    /// The rule that gave them (automatic medals).
    pub awarded_by_rule: Option<i64>,
    pub awarded_at: i64,
    pub expires_at: Option<i64>,
    pub batch_id: Option<&'a str>,
    /// (staff id, reason)
    pub rows: &'a [(i64, String)],
}

/// Rows per multi-row INSERT (9 values each, well under both databases' parameter limits).
const INSERT_CHUNK: usize = 1000;

/// The award INSERT, the one every writer uses (the award form and its CSV path, the demo, the
/// benchmark's baseline): multi-row statements of up to 1,000 rows, each award with a fresh
/// public token, inside the caller's transaction.
pub async fn insert_awards<DB>(
    tx: &mut sqlx::Transaction<'_, DB>,
    a: &NewAwards<'_>,
) -> sqlx::Result<()>
where
    DB: sqlx::Database,
    for<'e> &'e mut DB::Connection: sqlx::Executor<'e, Database = DB>,
    for<'q> DB::Arguments<'q>: sqlx::IntoArguments<'q, DB>,
    for<'q> i64: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> Option<i64>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> String: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> Option<String>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
{
    // In person order: on PostgreSQL the counters' triggers lock each person's row, and locks
    // taken in one order by every writer cannot deadlock (see migrations/postgres/0010).
    let mut rows: Vec<&(i64, String)> = a.rows.iter().collect();
    rows.sort_by_key(|r| r.0);
    for chunk in rows.chunks(INSERT_CHUNK) {
        let mut sql = String::from(
            "INSERT INTO awards (medal_id, staff_id, reason, awarded_by_admin, awarded_by_rule, \
             awarded_at, expires_at, public_token, batch_id) VALUES ",
        );
        for i in 0..chunk.len() {
            let b = i * 9;
            if i > 0 {
                sql.push(',');
            }
            sql.push_str(&format!(
                "(${},${},${},${},${},${},${},${},${})",
                b + 1,
                b + 2,
                b + 3,
                b + 4,
                b + 5,
                b + 6,
                b + 7,
                b + 8,
                b + 9
            ));
        }
        let mut q = sqlx::query::<DB>(&sql);
        for &(staff_id, reason) in chunk {
            q = q
                .bind(a.medal_id)
                .bind(*staff_id)
                .bind(reason.clone())
                .bind(a.awarded_by_admin)
                .bind(a.awarded_by_rule)
                .bind(a.awarded_at)
                .bind(a.expires_at)
                .bind(crate::awards::give::public_token())
                .bind(a.batch_id.map(str::to_string));
        }
        q.execute(&mut **tx).await?;
    }
    Ok(())
}
