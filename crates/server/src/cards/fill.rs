//! Filling a template's variables from an award: every value a string, as DingTalk takes them.

use std::collections::BTreeMap;

use crate::awards::types::AwardItem;
use medal_core::time::fmt_date;
use medal_core::{AwardStatus, Lang};

/// The value of `field` for this award. `base` is the public base URL; `message` the sharer's.
pub fn value(field: &str, a: &AwardItem, base: &str, message: &str) -> String {
    match field {
        "medal_name" => a.medal_name.clone(),
        "tier" => a.tier.label(Lang::Zh).to_string(),
        "icon_url" => format!("{base}{}", a.icon_url),
        "person" => a.staff_name.clone(),
        "department" => a.department.clone(),
        "reason" => a.reason.clone(),
        "awarded_at" => fmt_date(a.awarded_at),
        "awarder" => a.awarded_by.clone(),
        "link" => format!("{base}/a/{}", a.public_token),
        "message" => message.to_string(),
        "status" => status(a),
        _ => String::new(),
    }
}

fn status(a: &AwardItem) -> String {
    match a.status {
        AwardStatus::Revoked => match a.revoke_reason.as_deref().filter(|r| !r.is_empty()) {
            Some(why) => format!("已撤销：{why}"),
            None => "已撤销".to_string(),
        },
        AwardStatus::Expired => "已过期".to_string(),
        AwardStatus::Active => "有效".to_string(),
    }
}

/// Every variable of `mapping` filled for this award. A revoked award's card says so even when
/// no variable shows the status: the medal's name then carries it.
pub fn params(
    mapping: &[(String, String)],
    a: &AwardItem,
    base: &str,
    message: &str,
) -> BTreeMap<String, String> {
    let mut out: BTreeMap<String, String> = mapping
        .iter()
        .map(|(var, field)| (var.clone(), value(field, a, base, message)))
        .collect();
    let shows_status = mapping.iter().any(|(_, f)| f == "status");
    if a.status == AwardStatus::Revoked && !shows_status {
        if let Some((var, _)) = mapping.iter().find(|(_, f)| f == "medal_name") {
            let v = out.entry(var.clone()).or_default();
            v.push_str(&format!("（{}）", status(a)));
        }
    }
    out
}

/// A plain rendering of the card (what the share history and the preview show).
pub fn fallback(name: &str, params: &BTreeMap<String, String>) -> dingtalk::Message {
    let text = params
        .iter()
        .map(|(k, v)| {
            format!(
                "**{}**：{}",
                medal_core::card::escape_md(k),
                medal_core::card::escape_md(v)
            )
        })
        .collect::<Vec<_>>()
        .join("  \n");
    dingtalk::Message::markdown(format!("互动卡片 · {name}"), text)
}
