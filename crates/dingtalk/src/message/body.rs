//! The parts of a webhook message: who to @mention and the body of each message type.

use serde::{Deserialize, Serialize};

/// Who to @mention. Only `text`, `markdown` and `actionCard` messages carry it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct At {
    #[serde(rename = "atMobiles", default, skip_serializing_if = "Vec::is_empty")]
    pub at_mobiles: Vec<String>,
    #[serde(rename = "atUserIds", default, skip_serializing_if = "Vec::is_empty")]
    pub at_user_ids: Vec<String>,
    #[serde(rename = "isAtAll", default)]
    pub is_at_all: bool,
}

impl At {
    pub fn user_ids<I, S>(ids: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        At {
            at_user_ids: ids.into_iter().map(Into::into).collect(),
            ..At::default()
        }
    }

    pub fn mobiles<I, S>(mobiles: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        At {
            at_mobiles: mobiles.into_iter().map(Into::into).collect(),
            ..At::default()
        }
    }

    pub fn all() -> Self {
        At {
            is_at_all: true,
            ..At::default()
        }
    }

    pub fn is_empty(&self) -> bool {
        self.at_mobiles.is_empty() && self.at_user_ids.is_empty() && !self.is_at_all
    }

    /// The `@…` tokens that must appear in the message text for the mention to show.
    pub fn tokens(&self) -> Vec<String> {
        self.at_mobiles
            .iter()
            .chain(self.at_user_ids.iter())
            .map(|s| format!("@{s}"))
            .collect()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TextBody {
    pub content: String,
}

/// `link`: note `messageUrl` / `picUrl` (lower-case `rl`), unlike feedCard.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkBody {
    pub title: String,
    pub text: String,
    #[serde(rename = "messageUrl")]
    pub message_url: String,
    #[serde(rename = "picUrl", default)]
    pub pic_url: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MarkdownBody {
    /// What the chat list shows.
    pub title: String,
    pub text: String,
}

/// Button orientation of an actionCard: `"0"` vertical, `"1"` horizontal.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum BtnOrientation {
    #[default]
    #[serde(rename = "0")]
    Vertical,
    #[serde(rename = "1")]
    Horizontal,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActionButton {
    pub title: String,
    #[serde(rename = "actionURL")]
    pub action_url: String,
}

impl ActionButton {
    pub fn new(title: impl Into<String>, action_url: impl Into<String>) -> Self {
        ActionButton {
            title: title.into(),
            action_url: action_url.into(),
        }
    }
}

/// `actionCard`: either one button (`singleTitle` + `singleURL`) or several (`btns`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActionCardBody {
    pub title: String,
    /// Markdown.
    pub text: String,
    #[serde(
        rename = "singleTitle",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub single_title: Option<String>,
    #[serde(rename = "singleURL", default, skip_serializing_if = "Option::is_none")]
    pub single_url: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub btns: Vec<ActionButton>,
    #[serde(rename = "btnOrientation", default)]
    pub btn_orientation: BtnOrientation,
    /// `"0"` show the sender's avatar, `"1"` hide it.
    #[serde(
        rename = "hideAvatar",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub hide_avatar: Option<String>,
}

/// One entry of a feedCard: note `messageURL` / `picURL` (upper-case `URL`), unlike link.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeedLink {
    pub title: String,
    #[serde(rename = "messageURL")]
    pub message_url: String,
    #[serde(rename = "picURL", default)]
    pub pic_url: String,
}

impl FeedLink {
    pub fn new(
        title: impl Into<String>,
        message_url: impl Into<String>,
        pic_url: impl Into<String>,
    ) -> Self {
        FeedLink {
            title: title.into(),
            message_url: message_url.into(),
            pic_url: pic_url.into(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeedCardBody {
    pub links: Vec<FeedLink>,
}
