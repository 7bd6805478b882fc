//! [`AppMessage`], the internal app robot's templates (`msgKey` + `msgParam`), and its
//! conversion from and to a webhook [`Message`].

use super::body::{ActionButton, BtnOrientation};
use super::webhook::Message;

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::At;

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
}
