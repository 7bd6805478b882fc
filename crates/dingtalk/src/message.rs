//! Message bodies for custom robots (webhook) and for the internal app's robot.
//!
//! [`Message`] serializes to exactly the JSON DingTalk's `robot/send` expects (including the
//! field-name differences between `link` and `feedCard`). [`AppMessage`] is the `msgKey` +
//! `msgParam` pair of `v1.0/robot/groupMessages/send`.

use serde::{Deserialize, Serialize};

/// Most `atUserIds` DingTalk accepts in one message.
pub const MAX_AT_USER_IDS: usize = 50;
/// Approximate size limit of one webhook message body, in bytes (460101 above it).
pub const MAX_WEBHOOK_BODY_BYTES: usize = 20_000;
/// Size limit of `msgParam` for app robot group messages, in bytes.
pub const MAX_APP_MSG_PARAM_BYTES: usize = 15_000;

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

/// A message template of the internal app's robot (`msgKey` + `msgParam`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AppMessage {
    /// `sampleText`
    Text { content: String },
    /// `sampleMarkdown`
    Markdown { title: String, text: String },
    /// `sampleActionCard`: one button.
    ActionCard {
        title: String,
        text: String,
        single_title: String,
        single_url: String,
    },
    /// `sampleActionCard2`..`sampleActionCard5` (2–5 vertical buttons) or
    /// `sampleActionCard6` (exactly 2 horizontal buttons).
    ActionCardButtons {
        title: String,
        text: String,
        buttons: Vec<ActionButton>,
        orientation: BtnOrientation,
    },
    /// `sampleLink`
    Link {
        title: String,
        text: String,
        pic_url: String,
        message_url: String,
    },
}

impl AppMessage {
    /// `(msgKey, msgParam object)`, or why the template cannot express this message.
    pub fn to_key_and_param(&self) -> Result<(String, serde_json::Value), String> {
        use serde_json::json;
        Ok(match self {
            AppMessage::Text { content } => ("sampleText".into(), json!({ "content": content })),
            AppMessage::Markdown { title, text } => (
                "sampleMarkdown".into(),
                json!({ "title": title, "text": text }),
            ),
            AppMessage::ActionCard {
                title,
                text,
                single_title,
                single_url,
            } => (
                "sampleActionCard".into(),
                json!({ "title": title, "text": text, "singleTitle": single_title, "singleURL": single_url }),
            ),
            AppMessage::ActionCardButtons {
                title,
                text,
                buttons,
                orientation,
            } => match orientation {
                BtnOrientation::Vertical => {
                    let n = buttons.len();
                    if !(2..=5).contains(&n) {
                        return Err(format!("vertical app cards take 2 to 5 buttons, got {n}"));
                    }
                    let mut obj = serde_json::Map::new();
                    obj.insert("title".into(), json!(title));
                    obj.insert("text".into(), json!(text));
                    for (i, b) in buttons.iter().enumerate() {
                        obj.insert(format!("actionTitle{}", i + 1), json!(b.title));
                        obj.insert(format!("actionURL{}", i + 1), json!(b.action_url));
                    }
                    (
                        format!("sampleActionCard{n}"),
                        serde_json::Value::Object(obj),
                    )
                }
                BtnOrientation::Horizontal => {
                    if buttons.len() != 2 {
                        return Err(format!(
                            "horizontal app cards take exactly 2 buttons, got {}",
                            buttons.len()
                        ));
                    }
                    (
                        "sampleActionCard6".into(),
                        json!({
                            "title": title, "text": text,
                            "buttonTitle1": buttons[0].title, "buttonUrl1": buttons[0].action_url,
                            "buttonTitle2": buttons[1].title, "buttonUrl2": buttons[1].action_url,
                        }),
                    )
                }
            },
            AppMessage::Link {
                title,
                text,
                pic_url,
                message_url,
            } => (
                "sampleLink".into(),
                json!({ "text": text, "title": title, "picUrl": pic_url, "messageUrl": message_url }),
            ),
        })
    }

    /// Rebuilds an [`AppMessage`] from `msgKey` + `msgParam` (used by the simulator).
    pub fn from_key_and_param(key: &str, param: &serde_json::Value) -> Result<Self, String> {
        let s = |name: &str| -> Result<String, String> {
            param
                .get(name)
                .and_then(|v| v.as_str())
                .map(str::to_owned)
                .ok_or_else(|| format!("msgParam lacks string field {name}"))
        };
        Ok(match key {
            "sampleText" => AppMessage::Text {
                content: s("content")?,
            },
            "sampleMarkdown" => AppMessage::Markdown {
                title: s("title")?,
                text: s("text")?,
            },
            "sampleActionCard" => AppMessage::ActionCard {
                title: s("title")?,
                text: s("text")?,
                single_title: s("singleTitle")?,
                single_url: s("singleURL")?,
            },
            "sampleActionCard2" | "sampleActionCard3" | "sampleActionCard4"
            | "sampleActionCard5" => {
                let n: usize = key["sampleActionCard".len()..].parse().unwrap_or(2);
                let mut buttons = Vec::new();
                for i in 1..=n {
                    buttons.push(ActionButton::new(
                        s(&format!("actionTitle{i}"))?,
                        s(&format!("actionURL{i}"))?,
                    ));
                }
                AppMessage::ActionCardButtons {
                    title: s("title")?,
                    text: s("text")?,
                    buttons,
                    orientation: BtnOrientation::Vertical,
                }
            }
            "sampleActionCard6" => AppMessage::ActionCardButtons {
                title: s("title")?,
                text: s("text")?,
                buttons: vec![
                    ActionButton::new(s("buttonTitle1")?, s("buttonUrl1")?),
                    ActionButton::new(s("buttonTitle2")?, s("buttonUrl2")?),
                ],
                orientation: BtnOrientation::Horizontal,
            },
            "sampleLink" => AppMessage::Link {
                title: s("title")?,
                text: s("text")?,
                pic_url: s("picUrl").unwrap_or_default(),
                message_url: s("messageUrl")?,
            },
            other => return Err(format!("unknown msgKey {other}")),
        })
    }

    /// The app template showing the same content as a webhook [`Message`], if there is one
    /// (feedCards and actionCards with more than 5 vertical / other than 2 horizontal buttons
    /// have none; @mentions are dropped, app templates cannot carry them).
    pub fn from_message(msg: &Message) -> Option<AppMessage> {
        Some(match msg.clone() {
            Message::Text { text, .. } => AppMessage::Text {
                content: text.content,
            },
            Message::Markdown { markdown, .. } => AppMessage::Markdown {
                title: markdown.title,
                text: markdown.text,
            },
            Message::Link { link } => AppMessage::Link {
                title: link.title,
                text: link.text,
                pic_url: link.pic_url,
                message_url: link.message_url,
            },
            Message::ActionCard { action_card, .. } => {
                match (action_card.single_title, action_card.single_url) {
                    (Some(single_title), Some(single_url)) => AppMessage::ActionCard {
                        title: action_card.title,
                        text: action_card.text,
                        single_title,
                        single_url,
                    },
                    _ => {
                        let m = AppMessage::ActionCardButtons {
                            title: action_card.title,
                            text: action_card.text,
                            buttons: action_card.btns,
                            orientation: action_card.btn_orientation,
                        };
                        m.to_key_and_param().ok()?;
                        m
                    }
                }
            }
            Message::FeedCard { .. } => return None,
        })
    }

    /// The webhook-style [`Message`] showing the same content (for rendering).
    pub fn to_message(&self) -> Message {
        match self.clone() {
            AppMessage::Text { content } => Message::text(content),
            AppMessage::Markdown { title, text } => Message::markdown(title, text),
            AppMessage::ActionCard {
                title,
                text,
                single_title,
                single_url,
            } => Message::action_card(title, text, single_title, single_url),
            AppMessage::ActionCardButtons {
                title,
                text,
                buttons,
                orientation,
            } => Message::action_card_buttons(title, text, buttons, orientation),
            AppMessage::Link {
                title,
                text,
                pic_url,
                message_url,
            } => Message::link(title, text, message_url, pic_url),
        }
    }
}

/// A link that DingTalk opens inside the client: in the PC sidebar (`pc_slide = true`) or in
/// the browser.
pub fn dingtalk_open_link(url: &str, pc_slide: bool) -> String {
    let encoded: String = url::form_urlencoded::byte_serialize(url.as_bytes()).collect();
    format!("dingtalk://dingtalkclient/page/link?url={encoded}&pc_slide={pc_slide}")
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

    #[test]
    fn app_templates() {
        let m = AppMessage::ActionCardButtons {
            title: "T".into(),
            text: "x".into(),
            buttons: vec![
                ActionButton::new("a", "https://a"),
                ActionButton::new("b", "https://b"),
                ActionButton::new("c", "https://c"),
            ],
            orientation: BtnOrientation::Vertical,
        };
        let (key, param) = m.to_key_and_param().unwrap();
        assert_eq!(key, "sampleActionCard3");
        assert_eq!(param["actionTitle3"], "c");
        assert_eq!(param["actionURL1"], "https://a");
        assert_eq!(AppMessage::from_key_and_param(&key, &param).unwrap(), m);

        let h = AppMessage::ActionCardButtons {
            title: "T".into(),
            text: "x".into(),
            buttons: vec![ActionButton::new("a", "u1"), ActionButton::new("b", "u2")],
            orientation: BtnOrientation::Horizontal,
        };
        let (key, param) = h.to_key_and_param().unwrap();
        assert_eq!(key, "sampleActionCard6");
        assert_eq!(param["buttonUrl2"], "u2");
        assert_eq!(AppMessage::from_key_and_param(&key, &param).unwrap(), h);

        let single = AppMessage::ActionCard {
            title: "T".into(),
            text: "x".into(),
            single_title: "查看".into(),
            single_url: "https://x".into(),
        };
        let (key, param) = single.to_key_and_param().unwrap();
        assert_eq!(key, "sampleActionCard");
        assert_eq!(param["singleURL"], "https://x");
        let too_many = AppMessage::ActionCardButtons {
            title: "T".into(),
            text: "x".into(),
            buttons: vec![ActionButton::new("a", "u"); 6],
            orientation: BtnOrientation::Vertical,
        };
        assert!(too_many.to_key_and_param().is_err());
    }

    #[test]
    fn app_from_webhook_message() {
        let m = Message::action_card("T", "x", "查看", "https://a");
        assert_eq!(AppMessage::from_message(&m).unwrap().to_message(), m);
        let md = Message::markdown("T", "x").with_at(At::all());
        assert_eq!(
            AppMessage::from_message(&md),
            Some(AppMessage::Markdown {
                title: "T".into(),
                text: "x".into()
            })
        );
        let three_horizontal = Message::action_card_buttons(
            "T",
            "x",
            vec![ActionButton::new("a", "u"); 3],
            BtnOrientation::Horizontal,
        );
        assert_eq!(AppMessage::from_message(&three_horizontal), None);
        assert_eq!(AppMessage::from_message(&Message::feed_card(vec![])), None);
    }

    #[test]
    fn open_link() {
        assert_eq!(
            dingtalk_open_link("https://x.cn/a?b=1", true),
            "dingtalk://dingtalkclient/page/link?url=https%3A%2F%2Fx.cn%2Fa%3Fb%3D1&pc_slide=true"
        );
    }
}
