//! Message bodies for custom robots (webhook) and for the internal app's robot.
//!
//! [`Message`] serializes to exactly the JSON DingTalk's `robot/send` expects (including the
//! field-name differences between `link` and `feedCard`). [`AppMessage`] is the `msgKey` +
//! `msgParam` pair of `v1.0/robot/groupMessages/send`.

mod app;
mod body;
mod legacy;
mod webhook;

pub use app::AppMessage;
pub use body::{
    ActionButton, ActionCardBody, At, BtnOrientation, FeedCardBody, FeedLink, LinkBody,
    MarkdownBody, TextBody,
};
pub use legacy::{from_legacy_msg, legacy_msg, legacy_msg_len, MAX_LEGACY_MSG_BYTES};
pub use webhook::Message;

/// Most `atUserIds` DingTalk accepts in one message.
pub const MAX_AT_USER_IDS: usize = 50;
/// Approximate size limit of one webhook message body, in bytes (460101 above it).
pub const MAX_WEBHOOK_BODY_BYTES: usize = 20_000;
/// Size limit of `msgParam` for app robot group messages, in bytes.
pub const MAX_APP_MSG_PARAM_BYTES: usize = 15_000;

/// A link that DingTalk opens inside the client: in the PC sidebar (`pc_slide = true`) or in
/// the browser.
pub fn dingtalk_open_link(url: &str, pc_slide: bool) -> String {
    let encoded: String = url::form_urlencoded::byte_serialize(url.as_bytes()).collect();
    format!("dingtalk://dingtalkclient/page/link?url={encoded}&pc_slide={pc_slide}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn open_link() {
        assert_eq!(
            dingtalk_open_link("https://x.cn/a?b=1", true),
            "dingtalk://dingtalkclient/page/link?url=https%3A%2F%2Fx.cn%2Fa%3Fb%3D1&pc_slide=true"
        );
    }
}
