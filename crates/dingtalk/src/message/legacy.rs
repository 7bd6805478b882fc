//! The `msg` object of DingTalk's older oapi messages: `chat/send` (a group by `chatid`) and work
//! notices. Its field names differ from the webhook's: `action_card` with `markdown`,
//! `single_title`, `single_url`, `btn_orientation` and `btn_json_list[{title, action_url}]`.
//! Nothing in it can @mention, and the whole object must stay within
//! [`MAX_LEGACY_MSG_BYTES`].

use serde_json::{json, Value};

use super::{ActionButton, BtnOrientation, Message};

/// Most bytes the `msg` object of `chat/send` and of a work notice may take (its JSON text).
pub const MAX_LEGACY_MSG_BYTES: usize = 2048;

/// The `msg` object showing `msg` (mentions dropped); `None` for feedCards, which it cannot
/// carry.
pub fn legacy_msg(msg: &Message) -> Option<Value> {
    Some(match msg {
        Message::Text { text, .. } => {
            json!({ "msgtype": "text", "text": { "content": text.content } })
        }
        Message::Markdown { markdown, .. } => json!({
            "msgtype": "markdown",
            "markdown": { "title": markdown.title, "text": markdown.text },
        }),
        Message::Link { link } => json!({
            "msgtype": "link",
            "link": {
                "title": link.title,
                "text": link.text,
                "messageUrl": link.message_url,
                "picUrl": link.pic_url,
            },
        }),
        Message::ActionCard { action_card: c, .. } => {
            let mut card = json!({ "title": c.title, "markdown": c.text });
            match (&c.single_title, &c.single_url) {
                (Some(t), Some(u)) => {
                    card["single_title"] = json!(t);
                    card["single_url"] = json!(u);
                }
                _ => {
                    card["btn_orientation"] = json!(match c.btn_orientation {
                        BtnOrientation::Vertical => "0",
                        BtnOrientation::Horizontal => "1",
                    });
                    card["btn_json_list"] = c
                        .btns
                        .iter()
                        .map(|b| json!({ "title": b.title, "action_url": b.action_url }))
                        .collect();
                }
            }
            json!({ "msgtype": "action_card", "action_card": card })
        }
        Message::FeedCard { .. } => return None,
    })
}

/// The bytes `msg` takes as JSON text, the size DingTalk limits.
pub fn legacy_msg_len(msg: &Value) -> usize {
    msg.to_string().len()
}

/// Reads a `msg` object back into a [`Message`] (what the simulator shows in a group).
pub fn from_legacy_msg(msg: &Value) -> Result<Message, String> {
    let kind = msg.get("msgtype").and_then(Value::as_str).unwrap_or("");
    let part = |key: &str| {
        msg.get(key)
            .filter(|v| v.is_object())
            .ok_or_else(|| format!("msgtype {kind} needs the object {key}"))
    };
    let s = |v: &Value, key: &str| v.get(key).and_then(Value::as_str).map(str::to_owned);
    let need = |v: &Value, key: &str| s(v, key).ok_or_else(|| format!("{kind}.{key} is missing"));
    Ok(match kind {
        "text" => Message::text(need(part("text")?, "content")?),
        "markdown" => {
            let p = part("markdown")?;
            Message::markdown(need(p, "title")?, need(p, "text")?)
        }
        "link" => {
            let p = part("link")?;
            Message::link(
                need(p, "title")?,
                need(p, "text")?,
                need(p, "messageUrl")?,
                s(p, "picUrl").unwrap_or_default(),
            )
        }
        "action_card" => {
            let p = part("action_card")?;
            let (title, text) = (need(p, "title")?, need(p, "markdown")?);
            match (s(p, "single_title"), s(p, "single_url")) {
                (Some(t), Some(u)) => Message::action_card(title, text, t, u),
                _ => {
                    let buttons: Vec<ActionButton> = p
                        .get("btn_json_list")
                        .and_then(Value::as_array)
                        .ok_or("action_card needs single_title + single_url or btn_json_list")?
                        .iter()
                        .map(|b| Ok(ActionButton::new(need(b, "title")?, need(b, "action_url")?)))
                        .collect::<Result<_, String>>()?;
                    let orientation = match s(p, "btn_orientation").as_deref() {
                        Some("1") => BtnOrientation::Horizontal,
                        _ => BtnOrientation::Vertical,
                    };
                    Message::action_card_buttons(title, text, buttons, orientation)
                }
            }
        }
        "" => return Err("msg.msgtype is missing".into()),
        other => return Err(format!("msgtype {other} is not supported here")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::At;

    #[test]
    fn round_trips_and_uses_the_older_field_names() {
        let single = Message::action_card("标题", "**正文**", "查看", "https://x.cn/a/1");
        let v = legacy_msg(&single).unwrap();
        assert_eq!(v["msgtype"], "action_card");
        assert_eq!(v["action_card"]["markdown"], "**正文**");
        assert_eq!(v["action_card"]["single_url"], "https://x.cn/a/1");
        assert_eq!(from_legacy_msg(&v).unwrap(), single);

        let buttons = Message::action_card_buttons(
            "t",
            "x",
            vec![
                ActionButton::new("a", "https://a"),
                ActionButton::new("b", "https://b"),
            ],
            BtnOrientation::Horizontal,
        );
        let v = legacy_msg(&buttons).unwrap();
        assert_eq!(
            v["action_card"]["btn_json_list"][1]["action_url"],
            "https://b"
        );
        assert_eq!(v["action_card"]["btn_orientation"], "1");
        assert_eq!(from_legacy_msg(&v).unwrap(), buttons);

        let md = Message::markdown("t", "x").with_at(At::user_ids(["u1"]));
        let v = legacy_msg(&md).unwrap();
        assert!(v.get("at").is_none(), "the older msg cannot mention");
        assert_eq!(from_legacy_msg(&v).unwrap(), Message::markdown("t", "x"));

        let link = Message::link("t", "x", "https://m", "https://p");
        assert_eq!(from_legacy_msg(&legacy_msg(&link).unwrap()).unwrap(), link);
        assert!(legacy_msg(&Message::feed_card(vec![])).is_none());
    }

    #[test]
    fn refuses_what_it_cannot_read() {
        assert!(from_legacy_msg(&json!({})).is_err());
        assert!(from_legacy_msg(&json!({ "msgtype": "voice" })).is_err());
        assert!(from_legacy_msg(&json!({ "msgtype": "markdown", "markdown": "x" })).is_err());
        assert!(from_legacy_msg(
            &json!({ "msgtype": "action_card", "action_card": { "title": "t", "markdown": "m" } })
        )
        .is_err());
    }
}
