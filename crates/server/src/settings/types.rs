//! What the settings server functions take and return.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SettingsView {
    pub org_name: String,
    /// As saved ("" means the configured public URL is used).
    pub public_base_url: String,
    pub default_public_url: String,
    pub app_key: String,
    /// `SEC••••••3f`-style, never the secret.
    pub app_secret_masked: Option<String>,
    pub robot_code: String,
    /// The scene-group template (群模板) groups made from the app use; "" when not set.
    pub scene_group_template: String,
    /// The app's AgentId, for work notices; "" when not set.
    pub agent_id: String,
    /// "interactive" for the older interactiveCards/send, "" for createAndDeliver.
    pub card_api: String,
}

/// The settings form. A field the post lacks keeps its stored value (a junk or partial post must
/// not blank the AppKey); an empty AppSecret keeps the stored one too.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SettingsForm {
    pub org_name: Option<String>,
    pub public_base_url: Option<String>,
    pub app_key: Option<String>,
    pub app_secret: Option<String>,
    pub robot_code: Option<String>,
    pub scene_group_template: Option<String>,
    pub agent_id: Option<String>,
    pub card_api: Option<String>,
    pub clear_app_secret: bool,
    /// The post is the settings form, which carries every field (it says so in a hidden field):
    /// an empty field then means "empty". Form decoding gives an empty field as absent, so
    /// without this the organisation name or the public base URL could never be cleared.
    pub fields_set: bool,
}
