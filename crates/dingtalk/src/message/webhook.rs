//! [`Message`], a custom robot's message: its constructors, the checks DingTalk makes on it
//! (keywords, mentions, shape) and the JSON body for `robot/send`.

use serde::{Deserialize, Serialize};

use super::body::{
    ActionButton, ActionCardBody, At, BtnOrientation, FeedCardBody, FeedLink, LinkBody,
    MarkdownBody, TextBody,
};
use super::MAX_AT_USER_IDS;

/// A custom-robot (webhook) message, serializing to DingTalk's JSON.
///
/// `msgUuid` is not part of the value: [`crate::RobotClient`] adds it when sending.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "msgtype")]
pub enum Message {
    #[serde(rename = "text")]
    Text {
        text: TextBody,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        at: Option<At>,
    },
    #[serde(rename = "link")]
    Link { link: LinkBody },
    #[serde(rename = "markdown")]
    Markdown {
        markdown: MarkdownBody,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        at: Option<At>,
    },
    #[serde(rename = "actionCard")]
    ActionCard {
        #[serde(rename = "actionCard")]
        action_card: ActionCardBody,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        at: Option<At>,
    },
    #[serde(rename = "feedCard")]
    FeedCard {
        #[serde(rename = "feedCard")]
        feed_card: FeedCardBody,
    },
}

impl Message {
    pub fn text(content: impl Into<String>) -> Self {
        Message::Text {
            text: TextBody {
                content: content.into(),
            },
            at: None,
        }
    }

    pub fn link(
        title: impl Into<String>,
        text: impl Into<String>,
        message_url: impl Into<String>,
        pic_url: impl Into<String>,
    ) -> Self {
        Message::Link {
            link: LinkBody {
                title: title.into(),
                text: text.into(),
                message_url: message_url.into(),
                pic_url: pic_url.into(),
            },
        }
    }

    pub fn markdown(title: impl Into<String>, text: impl Into<String>) -> Self {
        Message::Markdown {
            markdown: MarkdownBody {
                title: title.into(),
                text: text.into(),
            },
            at: None,
        }
    }

    /// actionCard with one button.
    pub fn action_card(
        title: impl Into<String>,
        text: impl Into<String>,
        single_title: impl Into<String>,
        single_url: impl Into<String>,
    ) -> Self {
        Message::ActionCard {
            action_card: ActionCardBody {
                title: title.into(),
                text: text.into(),
                single_title: Some(single_title.into()),
                single_url: Some(single_url.into()),
                btns: Vec::new(),
                btn_orientation: BtnOrientation::Vertical,
                hide_avatar: None,
            },
            at: None,
        }
    }

    /// actionCard with several buttons.
    pub fn action_card_buttons(
        title: impl Into<String>,
        text: impl Into<String>,
        buttons: Vec<ActionButton>,
        orientation: BtnOrientation,
    ) -> Self {
        Message::ActionCard {
            action_card: ActionCardBody {
                title: title.into(),
                text: text.into(),
                single_title: None,
                single_url: None,
                btns: buttons,
                btn_orientation: orientation,
                hide_avatar: None,
            },
            at: None,
        }
    }

    pub fn feed_card(links: Vec<FeedLink>) -> Self {
        Message::FeedCard {
            feed_card: FeedCardBody { links },
        }
    }

    /// Sets the @mentions (ignored by `link` and `feedCard`, which cannot carry them).
    pub fn with_at(mut self, mention: At) -> Self {
        match &mut self {
            Message::Text { at, .. }
            | Message::Markdown { at, .. }
            | Message::ActionCard { at, .. } => *at = Some(mention),
            Message::Link { .. } | Message::FeedCard { .. } => {}
        }
        self
    }

    /// The `msgtype` string.
    pub fn msgtype(&self) -> &'static str {
        match self {
            Message::Text { .. } => "text",
            Message::Link { .. } => "link",
            Message::Markdown { .. } => "markdown",
            Message::ActionCard { .. } => "actionCard",
            Message::FeedCard { .. } => "feedCard",
        }
    }

    pub fn at(&self) -> Option<&At> {
        match self {
            Message::Text { at, .. }
            | Message::Markdown { at, .. }
            | Message::ActionCard { at, .. } => at.as_ref(),
            Message::Link { .. } | Message::FeedCard { .. } => None,
        }
    }

    /// The title shown in the chat list (the text itself for `text`).
    pub fn title(&self) -> &str {
        match self {
            Message::Text { text, .. } => &text.content,
            Message::Link { link } => &link.title,
            Message::Markdown { markdown, .. } => &markdown.title,
            Message::ActionCard { action_card, .. } => &action_card.title,
            Message::FeedCard { feed_card } => feed_card
                .links
                .first()
                .map(|l| l.title.as_str())
                .unwrap_or(""),
        }
    }

    /// All the text DingTalk looks at when it checks a robot's keywords.
    pub fn searchable_text(&self) -> String {
        match self {
            Message::Text { text, .. } => text.content.clone(),
            Message::Link { link } => format!("{}\n{}", link.title, link.text),
            Message::Markdown { markdown, .. } => {
                format!("{}\n{}", markdown.title, markdown.text)
            }
            Message::ActionCard { action_card, .. } => {
                let mut s = format!("{}\n{}", action_card.title, action_card.text);
                if let Some(t) = &action_card.single_title {
                    s.push('\n');
                    s.push_str(t);
                }
                for b in &action_card.btns {
                    s.push('\n');
                    s.push_str(&b.title);
                }
                s
            }
            Message::FeedCard { feed_card } => feed_card
                .links
                .iter()
                .map(|l| l.title.as_str())
                .collect::<Vec<_>>()
                .join("\n"),
        }
    }

    /// Whether the message contains at least one of `keywords` (always true when there are none).
    pub fn contains_any_keyword<S: AsRef<str>>(&self, keywords: &[S]) -> bool {
        let keywords: Vec<&str> = keywords
            .iter()
            .map(|k| k.as_ref().trim())
            .filter(|k| !k.is_empty())
            .collect();
        if keywords.is_empty() {
            return true;
        }
        let text = self.searchable_text();
        keywords.iter().any(|k| text.contains(k))
    }

    /// Appends ` @x` to the text for every mentioned mobile / userId that the text lacks
    /// (DingTalk only highlights a mention whose `@…` appears in the text).
    pub fn ensure_mentions_in_text(mut self) -> Self {
        let tokens = match self.at() {
            Some(at) => at.tokens(),
            None => return self,
        };
        let body: &mut String = match &mut self {
            Message::Text { text, .. } => &mut text.content,
            Message::Markdown { markdown, .. } => &mut markdown.text,
            Message::ActionCard { action_card, .. } => &mut action_card.text,
            Message::Link { .. } | Message::FeedCard { .. } => return self,
        };
        for token in tokens {
            if !body.contains(&token) {
                body.push(' ');
                body.push_str(&token);
            }
        }
        self
    }

    /// Checks what DingTalk would refuse for shape reasons (not size or keywords).
    pub fn validate(&self) -> Result<(), String> {
        if let Some(at) = self.at() {
            if at.at_user_ids.len() > MAX_AT_USER_IDS {
                return Err(format!(
                    "at most {MAX_AT_USER_IDS} atUserIds per message, got {}",
                    at.at_user_ids.len()
                ));
            }
        }
        match self {
            Message::ActionCard { action_card, .. } => {
                let single = action_card.single_title.is_some() || action_card.single_url.is_some();
                if single && !action_card.btns.is_empty() {
                    return Err("actionCard has both singleTitle/singleURL and btns".into());
                }
                if single
                    && (action_card.single_title.is_none() || action_card.single_url.is_none())
                {
                    return Err("actionCard needs both singleTitle and singleURL".into());
                }
                if !single && action_card.btns.is_empty() {
                    return Err("actionCard needs a single button or btns".into());
                }
            }
            Message::FeedCard { feed_card } if feed_card.links.is_empty() => {
                return Err("feedCard needs at least one link".into());
            }
            _ => {}
        }
        Ok(())
    }

    /// The JSON body for `robot/send`, with `msgUuid` when given.
    pub fn to_webhook_json(&self, msg_uuid: Option<&str>) -> serde_json::Value {
        let mut value = serde_json::to_value(self).unwrap_or(serde_json::Value::Null);
        if let (Some(uuid), Some(obj)) = (msg_uuid, value.as_object_mut()) {
            obj.insert("msgUuid".into(), serde_json::Value::String(uuid.to_owned()));
        }
        value
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn text_with_at() {
        let m = Message::text("hi @u1").with_at(At::user_ids(["u1"]));
        assert_eq!(
            serde_json::to_value(&m).unwrap(),
            json!({"msgtype":"text","text":{"content":"hi @u1"},"at":{"atUserIds":["u1"],"isAtAll":false}})
        );
    }

    #[test]
    fn link_uses_lowercase_url_fields() {
        let m = Message::link("T", "body", "https://a/b", "https://a/p.png");
        assert_eq!(
            serde_json::to_value(&m).unwrap(),
            json!({"msgtype":"link","link":{"title":"T","text":"body","messageUrl":"https://a/b","picUrl":"https://a/p.png"}})
        );
        // link cannot carry @
        assert_eq!(m.clone().with_at(At::all()), m);
    }

    #[test]
    fn feed_card_uses_uppercase_url_fields() {
        let m = Message::feed_card(vec![FeedLink::new("A", "https://a", "https://p")]);
        assert_eq!(
            serde_json::to_value(&m).unwrap(),
            json!({"msgtype":"feedCard","feedCard":{"links":[{"title":"A","messageURL":"https://a","picURL":"https://p"}]}})
        );
    }

    #[test]
    fn markdown_and_action_cards() {
        let m = Message::markdown("T", "**x**").with_at(At::mobiles(["13800000000"]));
        assert_eq!(
            serde_json::to_value(&m).unwrap(),
            json!({"msgtype":"markdown","markdown":{"title":"T","text":"**x**"},"at":{"atMobiles":["13800000000"],"isAtAll":false}})
        );
        let single = Message::action_card("T", "md", "查看详情", "https://x");
        assert_eq!(
            serde_json::to_value(&single).unwrap(),
            json!({"msgtype":"actionCard","actionCard":{"title":"T","text":"md","singleTitle":"查看详情","singleURL":"https://x","btnOrientation":"0"}})
        );
        let multi = Message::action_card_buttons(
            "T",
            "md",
            vec![
                ActionButton::new("a", "https://a"),
                ActionButton::new("b", "https://b"),
            ],
            BtnOrientation::Horizontal,
        );
        assert_eq!(
            serde_json::to_value(&multi).unwrap(),
            json!({"msgtype":"actionCard","actionCard":{"title":"T","text":"md","btns":[{"title":"a","actionURL":"https://a"},{"title":"b","actionURL":"https://b"}],"btnOrientation":"1"}})
        );
        // round trip
        let back: Message = serde_json::from_value(serde_json::to_value(&multi).unwrap()).unwrap();
        assert_eq!(back, multi);
    }

    #[test]
    fn msg_uuid_is_added() {
        let v = Message::text("x").to_webhook_json(Some("abc"));
        assert_eq!(v["msgUuid"], "abc");
        assert_eq!(v["msgtype"], "text");
    }

    #[test]
    fn keywords_and_mentions() {
        let m = Message::markdown("勋章", "恭喜");
        assert!(m.contains_any_keyword(&["勋章"]));
        assert!(m.contains_any_keyword::<&str>(&[]));
        assert!(!m.contains_any_keyword(&["荣誉"]));
        let m = Message::markdown("T", "恭喜 @u1")
            .with_at(At::user_ids(["u1", "u2"]))
            .ensure_mentions_in_text();
        match m {
            Message::Markdown { markdown, .. } => assert_eq!(markdown.text, "恭喜 @u1 @u2"),
            _ => unreachable!(),
        }
    }

    #[test]
    fn validation() {
        let too_many = Message::text("x").with_at(At::user_ids((0..51).map(|i| i.to_string())));
        assert!(too_many.validate().is_err());
        assert!(Message::feed_card(vec![]).validate().is_err());
        assert!(
            Message::action_card_buttons("t", "x", vec![], BtnOrientation::Vertical)
                .validate()
                .is_err()
        );
        assert!(Message::action_card("t", "x", "a", "b").validate().is_ok());
    }
}
