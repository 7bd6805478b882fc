//! Importing a parsed staff file: what each row would do (new, updated, unchanged, error) and doing it in one transaction.

use crate::error::AppError;
use crate::infra::db::is_unique_violation;
use crate::infra::now_ms;
use crate::infra::Db;
use crate::staff::csv::parse;
use crate::staff::csv::ParsedFile;
use crate::staff::db::StaffRow;
use crate::staff::db::SELECT;
use crate::staff::ImportOutcome;
use crate::staff::ImportRowError;
use crate::with_db;
use medal_core::staff::Column;
use medal_core::Msg;
use std::collections::HashMap;

/// The target values of one row that changes the table.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Target {
    name: String,
    mobile: Option<String>,
    dingtalk_user_id: Option<String>,
    department: String,
    external_id: Option<String>,
}

#[derive(Debug)]
pub(crate) enum Op {
    Insert(Target),
    Update { id: i64, target: Target },
}

#[derive(Debug, Default)]
pub(crate) struct Plan {
    pub(crate) ops: Vec<(u64, Op)>,
    pub(crate) new: u64,
    pub(crate) updated: u64,
    pub(crate) unchanged: u64,
    pub(crate) errors: Vec<ImportRowError>,
}

#[derive(Default)]
struct Existing {
    by_ext: HashMap<String, StaffRow>,
    by_mobile: HashMap<String, StaffRow>,
}

async fn find_many(db: &Db, column: &str, keys: &[String]) -> Result<Vec<StaffRow>, AppError> {
    let mut out = Vec::new();
    for chunk in keys.chunks(500) {
        let ph: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
        let sql = format!("{SELECT} WHERE {column} IN ({})", ph.join(", "));
        let rows = with_db!(db, p => {
            let mut q = sqlx::query_as::<_, StaffRow>(&sql);
            for k in chunk {
                q = q.bind(k);
            }
            q.fetch_all(p).await
        })
        .map_err(AppError::from)?;
        out.extend(rows);
    }
    Ok(out)
}

async fn existing_for(db: &Db, parsed: &ParsedFile) -> Result<Existing, AppError> {
    let mut exts = Vec::new();
    let mut mobiles = Vec::new();
    for (_, r) in &parsed.rows {
        if let Ok(v) = r {
            exts.extend(v.external_id.clone());
            mobiles.extend(v.mobile.as_ref().map(|m| m.as_str().to_string()));
        }
    }
    exts.sort();
    exts.dedup();
    mobiles.sort();
    mobiles.dedup();
    let mut e = Existing::default();
    for r in find_many(db, "external_id", &exts).await? {
        e.by_ext
            .insert(r.external_id.clone().unwrap_or_default(), r);
    }
    for r in find_many(db, "mobile", &mobiles).await? {
        e.by_mobile.insert(r.mobile.clone().unwrap_or_default(), r);
    }
    Ok(e)
}

/// Decides for each row: new, update, unchanged or error. Columns the file lacks keep the
/// existing values; columns it has set them (an empty cell clears an optional field).
fn plan(parsed: &ParsedFile, existing: &Existing) -> Plan {
    let mut plan = Plan::default();
    let mut seen_ext: HashMap<String, u64> = HashMap::new();
    let mut seen_mobile: HashMap<String, u64> = HashMap::new();
    let mut seen_id: HashMap<i64, u64> = HashMap::new();
    let has = |c: Column| parsed.columns.contains(&c);
    for (line, r) in &parsed.rows {
        let line = *line;
        let v = match r {
            Ok(v) => v,
            Err(msgs) => {
                plan.errors.push(ImportRowError {
                    line,
                    messages: msgs.clone(),
                });
                continue;
            }
        };
        let mobile = v.mobile.as_ref().map(|m| m.as_str().to_string());
        let mut msgs = Vec::new();
        if let Some(e) = &v.external_id {
            if let Some(first) = seen_ext.get(e) {
                msgs.push(Msg::new(
                    format!("工号 {e} 与第 {first} 行重复"),
                    format!("External id {e} repeats line {first}"),
                ));
            }
        }
        if let Some(m) = &mobile {
            if let Some(first) = seen_mobile.get(m) {
                msgs.push(Msg::new(
                    format!("手机号 {m} 与第 {first} 行重复"),
                    format!("Mobile {m} repeats line {first}"),
                ));
            }
        }
        let by_ext = v.external_id.as_ref().and_then(|e| existing.by_ext.get(e));
        let by_mobile = mobile.as_ref().and_then(|m| existing.by_mobile.get(m));
        let matched = by_ext.or(by_mobile);
        if let (None, Some(o), Some(e)) = (by_ext, by_mobile, &v.external_id) {
            if let Some(other) = &o.external_id {
                msgs.push(Msg::new(
                    format!(
                        "手机号已属于工号为 {other} 的「{}」，与本行工号 {e} 不符",
                        o.name
                    ),
                    format!(
                        "The mobile belongs to “{}” with external id {other}, not {e}",
                        o.name
                    ),
                ));
            }
        }
        if let (Some(m), Some(o), Some(t)) = (&mobile, by_mobile, matched) {
            if o.id != t.id && has(Column::Mobile) {
                msgs.push(Msg::new(
                    format!("手机号 {m} 已属于另一位员工「{}」", o.name),
                    format!("Mobile {m} belongs to another person, “{}”", o.name),
                ));
            }
        }
        if let Some(t) = matched {
            if let Some(first) = seen_id.get(&t.id) {
                msgs.push(Msg::new(
                    format!("与第 {first} 行是同一位员工「{}」", t.name),
                    format!("Same person as line {first} (“{}”)", t.name),
                ));
            }
        }
        if let Some(e) = &v.external_id {
            seen_ext.entry(e.clone()).or_insert(line);
        }
        if let Some(m) = &mobile {
            seen_mobile.entry(m.clone()).or_insert(line);
        }
        if let Some(t) = matched {
            seen_id.entry(t.id).or_insert(line);
        }
        if !msgs.is_empty() {
            plan.errors.push(ImportRowError {
                line,
                messages: msgs,
            });
            continue;
        }
        match matched {
            None => {
                plan.new += 1;
                plan.ops.push((
                    line,
                    Op::Insert(Target {
                        name: v.name.as_str().to_string(),
                        mobile,
                        dingtalk_user_id: v.dingtalk_user_id.clone(),
                        department: v.department.clone(),
                        external_id: v.external_id.clone(),
                    }),
                ));
            }
            Some(o) => {
                let pick = |c: Column, new: Option<String>, old: &Option<String>| {
                    if has(c) {
                        new
                    } else {
                        old.clone()
                    }
                };
                let target = Target {
                    name: v.name.as_str().to_string(),
                    mobile: pick(Column::Mobile, mobile, &o.mobile),
                    dingtalk_user_id: pick(
                        Column::UserId,
                        v.dingtalk_user_id.clone(),
                        &o.dingtalk_user_id,
                    ),
                    department: if has(Column::Department) {
                        v.department.clone()
                    } else {
                        o.department.clone()
                    },
                    // Matched by mobile without an external id in the row: keep the existing one.
                    external_id: v.external_id.clone().or_else(|| o.external_id.clone()),
                };
                let current = Target {
                    name: o.name.clone(),
                    mobile: o.mobile.clone(),
                    dingtalk_user_id: o.dingtalk_user_id.clone(),
                    department: o.department.clone(),
                    external_id: o.external_id.clone(),
                };
                if target == current {
                    plan.unchanged += 1;
                } else {
                    plan.updated += 1;
                    plan.ops.push((line, Op::Update { id: o.id, target }));
                }
            }
        }
    }
    plan.errors.sort_by_key(|e| e.line);
    plan
}

pub(crate) async fn plan_for(db: &Db, text: &str) -> Result<Plan, AppError> {
    let parsed = parse(text)?;
    let existing = existing_for(db, &parsed).await?;
    Ok(plan(&parsed, &existing))
}

/// Writes the plan's rows in one transaction: all of them, or (on any failure) none.
pub(crate) async fn apply(db: &Db, plan: &Plan) -> Result<(), AppError> {
    let now = now_ms();
    let r: Result<(), sqlx::Error> = with_db!(db, p => async {
        let mut tx = p.begin().await?;
        for (_, op) in &plan.ops {
            match op {
                Op::Insert(t) => {
                    sqlx::query(
                        "INSERT INTO staff (name, mobile, dingtalk_user_id, department, external_id, active, created_at, updated_at) \
                         VALUES ($1, $2, $3, $4, $5, TRUE, $6, $6)")
                        .bind(&t.name).bind(&t.mobile).bind(&t.dingtalk_user_id).bind(&t.department)
                        .bind(&t.external_id).bind(now).execute(&mut *tx).await?;
                }
                Op::Update { id, target: t } => {
                    sqlx::query(
                        "UPDATE staff SET name = $1, mobile = $2, dingtalk_user_id = $3, department = $4, \
                         external_id = $5, updated_at = $6 WHERE id = $7")
                        .bind(&t.name).bind(&t.mobile).bind(&t.dingtalk_user_id).bind(&t.department)
                        .bind(&t.external_id).bind(now).bind(id).execute(&mut *tx).await?;
                }
            }
        }
        tx.commit().await
    }.await);
    match r {
        Ok(()) => Ok(()),
        Err(e) if is_unique_violation(&e) => Err(AppError::Conflict(Msg::new(
            "导入未执行：有手机号或工号与其他员工冲突（可能是文件中互换了手机号），请修改文件后重试。",
            "Nothing was imported: a mobile or external id collides with another person's (swapped within the file?). Fix the file and try again.",
        ))),
        Err(e) => Err(AppError::from(e)),
    }
}

pub(crate) fn outcome(plan: &Plan) -> ImportOutcome {
    ImportOutcome {
        created: plan.new,
        updated: plan.updated,
        unchanged: plan.unchanged,
        skipped: plan.errors.len() as u64,
    }
}

pub(crate) fn outcome_json(file_name: &str, o: &ImportOutcome) -> serde_json::Value {
    serde_json::json!({
        "file": file_name, "created": o.created, "updated": o.updated,
        "unchanged": o.unchanged, "skipped": o.skipped,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::staff::csv::decode;

    fn row(id: i64, name: &str, mobile: Option<&str>, ext: Option<&str>) -> StaffRow {
        StaffRow {
            id,
            name: name.into(),
            mobile: mobile.map(Into::into),
            dingtalk_user_id: None,
            department: "研发部".into(),
            external_id: ext.map(Into::into),
            active: true,
            created_at: 0,
            updated_at: 0,
            userid_lookup_at: None,
            userid_lookup_error: None,
        }
    }

    #[test]
    fn decodes_utf8_with_and_without_bom_and_gbk() {
        assert_eq!(decode("姓名\n".as_bytes()), ("姓名\n".to_string(), "UTF-8"));
        let bom = [&[0xEF, 0xBB, 0xBF][..], "姓名\n".as_bytes()].concat();
        assert_eq!(decode(&bom).0, "姓名\n");
        let (gbk, _, _) = encoding_rs::GBK.encode("姓名,部门\n张三,研发部\n");
        let (text, enc) = decode(&gbk);
        assert_eq!(text, "姓名,部门\n张三,研发部\n");
        assert_eq!(enc, "GB18030");
    }

    #[test]
    fn rows_carry_their_file_line_numbers() {
        let p =
            parse("姓名,手机号,工号\n张三,13800138000,E1\n\n\"李\n四\",bad,E2\n王五,,\n").unwrap();
        let lines: Vec<u64> = p.rows.iter().map(|(l, _)| *l).collect();
        assert_eq!(lines, [2, 4, 6]);
        assert!(p.rows[0].1.is_ok());
        assert!(p.rows[1].1.is_err());
        assert!(p.rows[2].1.is_err(), "no external id and no mobile");
    }

    #[test]
    fn a_header_without_a_name_column_is_refused() {
        assert!(parse("手机号,部门\n13800138000,研发部\n").is_err());
        assert!(parse("").is_err());
    }

    #[test]
    fn plan_upserts_by_external_id_then_mobile() {
        let parsed = parse(
            "name,mobile,external_id\n张三,13800138000,E1\n李四,13900139000,\n王五,13700137000,E3\n赵六,13600136000,E1\n",
        )
        .unwrap();
        let mut e = Existing::default();
        e.by_ext
            .insert("E1".into(), row(1, "张三", Some("13800138000"), Some("E1")));
        e.by_mobile.insert(
            "13800138000".into(),
            row(1, "张三", Some("13800138000"), Some("E1")),
        );
        e.by_mobile.insert(
            "13900139000".into(),
            row(2, "李四", Some("13900139000"), None),
        );
        let p = plan(&parsed, &e);
        assert_eq!((p.new, p.updated, p.unchanged), (1, 0, 2));
        assert_eq!(p.errors.len(), 1);
        assert_eq!(p.errors[0].line, 5);
    }
}
