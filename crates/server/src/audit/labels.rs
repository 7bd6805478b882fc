//! How audit entries read: action and object names in both languages, links to the objects, and
//! the before/after JSON as a compact diff of the keys that changed — with anything that looks
//! like a secret masked (the writers store none; this is defence in depth for old rows and
//! future writers).

use crate::audit::AuditChange;
use medal_core::Lang;
use serde_json::Value;

/// (action, 中文, English) for every action the app writes.
const ACTIONS: &[(&str, &str, &str)] = &[
    ("medal.create", "创建勋章", "Medal created"),
    ("medal.update", "修改勋章", "Medal edited"),
    ("medal.archive", "归档勋章", "Medal archived"),
    ("medal.restore", "恢复勋章", "Medal restored"),
    ("staff.create", "添加员工", "Staff added"),
    ("staff.update", "修改员工", "Staff edited"),
    ("staff.deactivate", "停用员工", "Staff deactivated"),
    ("staff.reactivate", "恢复员工", "Staff reactivated"),
    ("staff.import", "导入员工", "Staff imported"),
    (
        "staff.userid_lookup",
        "查找钉钉 userId",
        "DingTalk userId looked up",
    ),
    (
        "staff.userid_lookup_bulk",
        "批量查找 userId",
        "Bulk userId lookup",
    ),
    (
        "staff.userid_lookup_cancel",
        "取消批量查找",
        "Bulk lookup cancelled",
    ),
    ("rules.events_import", "上传事件 CSV", "Events CSV uploaded"),
    ("award.give", "颁发勋章", "Medal awarded"),
    ("award.revoke", "撤销颁发", "Award revoked"),
    ("group.create", "添加群", "Group added"),
    ("group.update", "修改群", "Group edited"),
    ("group.disable", "停用群", "Group disabled"),
    ("group.enable", "启用群", "Group enabled"),
    ("group.test", "发送测试消息", "Test message sent"),
    ("share.retry", "重试分享", "Share retried"),
    ("settings.update", "修改设置", "Settings changed"),
    ("admin.create", "添加管理员", "Admin added"),
    ("admin.role", "更改角色", "Role changed"),
    ("admin.disable", "停用管理员", "Admin disabled"),
    ("admin.enable", "启用管理员", "Admin enabled"),
    ("admin.password_reset", "重置密码", "Password reset"),
    ("token.create", "创建 API 令牌", "API token made"),
    ("token.revoke", "撤销 API 令牌", "API token revoked"),
];

/// (object type, 中文, English): also the choices of the page's filter.
pub const OBJECT_TYPES: &[(&str, &str, &str)] = &[
    ("medal", "勋章", "Medal"),
    ("staff", "员工", "Staff"),
    ("award", "颁奖", "Award"),
    ("share_group", "群组", "Group"),
    ("share", "分享", "Share"),
    ("settings", "设置", "Settings"),
    ("admin", "管理员", "Admin"),
    ("userid_lookup", "userId 查找", "userId lookup"),
    ("api_token", "API 令牌", "API token"),
];

/// The action in words, or the action itself when it is not one the app knows.
pub fn action_label(lang: Lang, action: &str) -> String {
    ACTIONS.iter().find(|(a, ..)| *a == action).map_or_else(
        || action.to_string(),
        |(_, zh, en)| lang.t(zh, en).to_string(),
    )
}

pub fn object_label(lang: Lang, object_type: &str) -> String {
    OBJECT_TYPES
        .iter()
        .find(|(t, ..)| *t == object_type)
        .map_or_else(
            || object_type.to_string(),
            |(_, zh, en)| lang.t(zh, en).to_string(),
        )
}

/// The page of the object, where there is one (ids must be numbers: they become a path).
pub fn object_href(object_type: &str, object_id: Option<&str>) -> Option<String> {
    let id = object_id.filter(|s| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()));
    match (object_type, id) {
        ("medal", Some(id)) => Some(format!("/medals/{id}")),
        ("staff", Some(id)) => Some(format!("/staff/{id}")),
        ("award", Some(id)) => Some(format!("/awards/{id}")),
        ("share_group", Some(id)) => Some(format!("/groups/{id}")),
        ("share", Some(id)) => Some(format!("/shares/{id}")),
        ("settings", _) => Some("/settings".into()),
        ("admin", _) => Some("/admins".into()),
        ("api_token", _) => Some("/tokens".into()),
        _ => None,
    }
}

/// Whether a key names something secret (a token, a secret, a password or its hash).
pub fn is_secret_key(key: &str) -> bool {
    let k = key.to_ascii_lowercase();
    [
        "secret",
        "token",
        "password",
        "passwd",
        "hash",
        "credential",
        "private",
    ]
    .iter()
    .any(|w| k.contains(w))
}

pub const MASK: &str = "••••••";

/// A value as one short line; secrets masked. A secret-named key may still say *whether* it is
/// set (`"set"`, `"none"`, true / false) — that is no secret.
fn show(key: &str, v: &Value) -> String {
    let text = match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    let harmless = matches!(v, Value::Bool(_) | Value::Null | Value::Number(_))
        || matches!(text.as_str(), "set" | "none" | "");
    let lower = text.to_ascii_lowercase();
    if (is_secret_key(key) && !harmless)
        || lower.contains("access_token=")
        || lower.contains("$argon2")
    {
        return MASK.into();
    }
    if text.chars().count() > 200 {
        let cut: String = text.chars().take(200).collect();
        format!("{cut}…")
    } else {
        text
    }
}

fn parse(json: Option<&str>) -> Option<Value> {
    json.and_then(|s| serde_json::from_str(s).ok())
}

/// The keys whose values differ between `before` and `after` (all keys of the one present when
/// only one is), in key order; a JSON value that is not an object counts as one key `""`.
pub fn changes(before: Option<&str>, after: Option<&str>) -> Vec<AuditChange> {
    let as_map = |v: Option<Value>| -> serde_json::Map<String, Value> {
        match v {
            Some(Value::Object(m)) => m,
            Some(other) => serde_json::Map::from_iter([(String::new(), other)]),
            None => serde_json::Map::new(),
        }
    };
    let (b, a) = (as_map(parse(before)), as_map(parse(after)));
    let mut keys: Vec<&String> = b.keys().chain(a.keys()).collect();
    keys.sort();
    keys.dedup();
    keys.into_iter()
        .filter(|k| b.get(*k) != a.get(*k))
        .map(|k| AuditChange {
            key: k.clone(),
            before: b.get(k).map(|v| show(k, v)),
            after: a.get(k).map(|v| show(k, v)),
        })
        .collect()
}

/// One side of the changes as one line of text (for CSV): `key: value; …`, keys absent on that
/// side left out.
pub fn side_text(changes: &[AuditChange], before: bool) -> String {
    changes
        .iter()
        .filter_map(|c| {
            let v = if before { &c.before } else { &c.after };
            v.as_ref().map(|v| {
                if c.key.is_empty() {
                    v.clone()
                } else {
                    format!("{}: {v}", c.key)
                }
            })
        })
        .collect::<Vec<_>>()
        .join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_changed_keys_and_no_secrets() {
        let c = changes(
            Some(r#"{"role":"admin","disabled":false,"app_secret_masked":"SEC••••3f","same":1}"#),
            Some(
                r#"{"role":"viewer","disabled":false,"app_secret_masked":"SEC••••9a","same":1,"secret":"set","token":"abc"}"#,
            ),
        );
        let keys: Vec<&str> = c.iter().map(|c| c.key.as_str()).collect();
        assert_eq!(keys, ["app_secret_masked", "role", "secret", "token"]);
        assert_eq!(c[0].after.as_deref(), Some(MASK));
        assert_eq!(c[1].before.as_deref(), Some("admin"));
        assert_eq!(c[2].after.as_deref(), Some("set"));
        assert_eq!(c[3].after.as_deref(), Some(MASK));
        let url = changes(
            None,
            Some(r#"{"note":"https://x/robot/send?access_token=abc"}"#),
        );
        assert_eq!(url[0].after.as_deref(), Some(MASK));
        assert_eq!(changes(Some("3"), None)[0].key, "");
        assert!(changes(Some("not json"), None).is_empty());
    }

    #[test]
    fn labels_and_links() {
        assert_eq!(action_label(Lang::Zh, "medal.create"), "创建勋章");
        assert_eq!(action_label(Lang::En, "x.unknown"), "x.unknown");
        assert_eq!(
            object_href("medal", Some("7")).as_deref(),
            Some("/medals/7")
        );
        assert_eq!(object_href("medal", Some("7/../x")), None);
        assert_eq!(object_href("userid_lookup", Some("1")), None);
    }
}
