//! A recipients CSV: each row names a person (工号, mobile or userId), optionally their name (checked) and reason.

use crate::awards::give::Recipient;
use crate::awards::give::LOOKUP_CHUNK;
use crate::error::AppError;
use crate::infra::Db;
use crate::with_db;
use medal_core::award::reason as parse_reason;
use medal_core::staff::Mobile;
use medal_core::Msg;
use std::collections::{BTreeMap, HashMap};

/// One data row of a recipients CSV.
pub use medal_core::csv::RecipientRow as CsvRow;

/// Parses a recipients CSV (decoded like the staff import: UTF-8 with or without BOM, or GBK).
/// Fails as a whole when the header names no way to find people.
pub fn parse_recipients(text: &str) -> Result<Vec<CsvRow>, AppError> {
    medal_core::csv::parse_recipients(text).map_err(|m| AppError::field("file", m))
}

#[derive(sqlx::FromRow)]
struct Keyed {
    id: i64,
    name: String,
    active: bool,
    mobile: Option<String>,
    external_id: Option<String>,
    dingtalk_user_id: Option<String>,
}

/// Staff whose `column` is one of `keys`.
async fn staff_by(db: &Db, column: &str, keys: &[String]) -> Result<Vec<Keyed>, AppError> {
    let mut out = Vec::new();
    for chunk in keys.chunks(LOOKUP_CHUNK) {
        let marks = (1..=chunk.len())
            .map(|i| format!("${i}"))
            .collect::<Vec<_>>()
            .join(",");
        let sql = format!(
            "SELECT id, name, active, mobile, external_id, dingtalk_user_id FROM staff \
             WHERE {column} IN ({marks})"
        );
        let rows = with_db!(db, p => {
            let mut q = sqlx::query_as::<_, Keyed>(&sql);
            for k in chunk { q = q.bind(k.as_str()); }
            q.fetch_all(p).await
        })
        .map_err(AppError::from)?;
        out.extend(rows);
    }
    Ok(out)
}

/// Resolves the CSV's rows to people. Any row that cannot be used fails the whole list, each
/// such row named by its line number, so nothing is given to half a list.
pub(crate) async fn recipients_from_csv(
    db: &Db,
    bytes: &[u8],
    has_default_reason: bool,
) -> Result<Vec<Recipient>, AppError> {
    let (text, _) = crate::staff::csv::decode(bytes);
    let rows = parse_recipients(&text)?;
    let mut ext = Vec::new();
    let mut mob = Vec::new();
    let mut uid = Vec::new();
    for r in &rows {
        if !r.external_id.is_empty() {
            ext.push(r.external_id.clone());
        } else if let Ok(m) = Mobile::parse(&r.mobile) {
            mob.push(m.as_str().to_string());
        } else if !r.user_id.is_empty() {
            uid.push(r.user_id.clone());
        }
    }
    let by_ext: HashMap<String, Keyed> = staff_by(db, "external_id", &ext)
        .await?
        .into_iter()
        .filter_map(|k| Some((k.external_id.clone()?, k)))
        .collect();
    let by_mob: HashMap<String, Keyed> = staff_by(db, "mobile", &mob)
        .await?
        .into_iter()
        .filter_map(|k| Some((k.mobile.clone()?, k)))
        .collect();
    let by_uid: HashMap<String, Keyed> = staff_by(db, "dingtalk_user_id", &uid)
        .await?
        .into_iter()
        .filter_map(|k| Some((k.dingtalk_user_id.clone()?, k)))
        .collect();

    let mut errors: Vec<Msg> = Vec::new();
    let mut out = Vec::new();
    let mut first_line: HashMap<i64, u64> = HashMap::new();
    for r in &rows {
        let line = r.line;
        let err = |zh: String, en: String| {
            Msg::new(format!("第 {line} 行：{zh}"), format!("Line {line}: {en}"))
        };
        if r.name == "\u{0}bad" {
            errors.push(err(
                "无法按 CSV 读取（引号不配对？）".into(),
                "not valid CSV (unbalanced quotes?)".into(),
            ));
            continue;
        }
        let found = if !r.external_id.is_empty() {
            by_ext.get(&r.external_id).ok_or_else(|| {
                err(
                    format!("找不到工号为 {} 的员工", r.external_id),
                    format!("nobody has external id {}", r.external_id),
                )
            })
        } else if !r.mobile.is_empty() {
            match Mobile::parse(&r.mobile) {
                Ok(m) => by_mob.get(m.as_str()).ok_or_else(|| {
                    err(
                        format!("找不到手机号为 {} 的员工", r.mobile),
                        format!("nobody has mobile {}", r.mobile),
                    )
                }),
                Err(m) => Err(err(m.zh.to_string(), m.en.to_string())),
            }
        } else if !r.user_id.is_empty() {
            by_uid.get(&r.user_id).ok_or_else(|| {
                err(
                    format!("找不到钉钉ID为 {} 的员工", r.user_id),
                    format!("nobody has DingTalk userId {}", r.user_id),
                )
            })
        } else {
            Err(err(
                "没有工号、手机号或钉钉ID".into(),
                "no external id, mobile or userId".into(),
            ))
        };
        let person = match found {
            Ok(p) => p,
            Err(m) => {
                errors.push(m);
                continue;
            }
        };
        if !person.active {
            errors.push(err(
                format!("{} 已停用", person.name),
                format!("{} is deactivated", person.name),
            ));
            continue;
        }
        if !r.name.is_empty() && r.name != person.name {
            errors.push(err(
                format!("姓名「{}」与员工档案中的「{}」不一致", r.name, person.name),
                format!(
                    "name “{}” does not match the directory's “{}”",
                    r.name, person.name
                ),
            ));
            continue;
        }
        if let Some(prev) = first_line.get(&person.id) {
            errors.push(err(
                format!("与第 {prev} 行是同一人（{}）", person.name),
                format!("same person as line {prev} ({})", person.name),
            ));
            continue;
        }
        let reason = if r.reason.is_empty() {
            None
        } else {
            match parse_reason(&r.reason) {
                Ok(s) => Some(s),
                Err(m) => {
                    errors.push(err(m.zh.to_string(), m.en.to_string()));
                    continue;
                }
            }
        };
        if reason.is_none() && !has_default_reason {
            errors.push(err(
                "没有理由（可在表单中填写统一的理由）".into(),
                "no reason (or fill in one reason on the form for all)".into(),
            ));
            continue;
        }
        first_line.insert(person.id, line);
        out.push(Recipient {
            staff_id: person.id,
            reason,
        });
    }
    if !errors.is_empty() {
        let total = errors.len();
        errors.truncate(200);
        if total > 200 {
            errors.push(Msg::new(
                format!("……共 {total} 行有错误，只列出前 200 行。"),
                format!("… {total} rows have errors; the first 200 are listed."),
            ));
        }
        errors.insert(
            0,
            Msg::new(
                "名单中有错误，没有颁发任何勋章。请修改以下各行后重新上传：",
                "The list has errors; nothing was awarded. Fix these lines and upload it again:",
            ),
        );
        return Err(AppError::Validation(BTreeMap::from([(
            "file".to_string(),
            errors,
        )])));
    }
    if out.is_empty() {
        return Err(AppError::field(
            "file",
            Msg::new("名单里没有人。", "The list has nobody in it."),
        ));
    }
    Ok(out)
}
