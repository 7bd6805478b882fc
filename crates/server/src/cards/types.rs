//! What the card template server functions take and return.

use serde::{Deserialize, Serialize};

/// The medal fields a template's variables can show: (key, 中文, English).
pub const FIELDS: &[(&str, &str, &str)] = &[
    ("medal_name", "勋章名称", "medal name"),
    ("tier", "等级", "tier"),
    ("icon_url", "勋章图标地址", "icon URL"),
    ("person", "获奖人", "person"),
    ("department", "部门", "department"),
    ("reason", "颁发理由", "reason"),
    ("awarded_at", "颁发日期", "awarded on"),
    ("awarder", "颁发人", "awarded by"),
    ("link", "公开链接", "public link"),
    ("message", "寄语", "personal message"),
    (
        "status",
        "状态（有效 / 已撤销及原因）",
        "status (valid / revoked and why)",
    ),
];

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CardTemplateView {
    pub id: i64,
    pub name: String,
    /// DingTalk's id of the template (from the card builder).
    pub template_id: String,
    /// (variable, field), in the order given.
    pub mapping: Vec<(String, String)>,
    /// The variables filled from the latest award (none when there is no award yet).
    pub preview: Vec<(String, String)>,
    /// Which award the preview shows.
    pub preview_award: Option<i64>,
}

/// The template form: `mapping` is one `variable = field` per line.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct CardTemplateForm {
    pub id: Option<String>,
    pub name: Option<String>,
    pub template_id: Option<String>,
    pub mapping: Option<String>,
}

/// The stored template and data of one template card share.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CardPayload {
    /// Our template's id (its mapping fills an update).
    pub template: i64,
    /// DingTalk's template id.
    pub template_id: String,
    pub params: std::collections::BTreeMap<String, String>,
    /// An update in place of the card with the share's outTrackId, not a new card.
    #[serde(default)]
    pub update: bool,
    /// Sent (and so updated) by the older interactiveCards API, as the settings chose when the
    /// share was made.
    #[serde(default)]
    pub legacy: bool,
}
