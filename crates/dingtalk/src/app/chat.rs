//! Group chats the app makes and reaches itself: the scene-group API (场景群, the current way;
//! the group's template brings the app robot in), the older `chat/create` + `chat/update`, and
//! `chat/send` to a group by its `chatid`. The older calls are closed to apps onboarded after
//! 2022; DingTalk then answers 60011.
//!
//! Limits are checked before calling: a `chat/create` name is 1–20 characters, its members at
//! most 40 per call (more are added by `chat/update`, 40 at a time) and 1,000 in all, the owner
//! one of them; a scene group takes at most 999 members; a `chat/send` `msg` at most
//! [`MAX_LEGACY_MSG_BYTES`].

use serde_json::{json, Value};

use super::AppClient;
use crate::error::{Error, ErrorKind, Result};
use crate::message::{legacy_msg, legacy_msg_len, Message, MAX_LEGACY_MSG_BYTES};

/// Most members one `chat/create` or `chat/update` call takes.
pub const MAX_CHAT_MEMBERS_PER_CALL: usize = 40;
/// Most members of a group made by `chat/create`.
pub const MAX_CHAT_MEMBERS: usize = 1000;
/// Most characters of a `chat/create` name.
pub const MAX_CHAT_NAME_CHARS: usize = 20;
/// Most members of one scene-group create call.
pub const MAX_SCENE_GROUP_MEMBERS: usize = 999;

/// A group to make. `members` may or may not name the owner; the owner is always a member.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewChat {
    pub name: String,
    /// userId of the owner (群主).
    pub owner: String,
    /// userIds.
    pub members: Vec<String>,
}

impl NewChat {
    /// The members with the owner first and no repeats.
    fn everyone(&self) -> Vec<String> {
        let mut out = vec![self.owner.clone()];
        for m in &self.members {
            if !m.is_empty() && !out.contains(m) {
                out.push(m.clone());
            }
        }
        out
    }

    fn check_common(&self) -> Result<()> {
        if self.name.trim().is_empty() {
            return Err(invalid("the group needs a name"));
        }
        if self.owner.trim().is_empty() {
            return Err(invalid("the group needs an owner (a userId)"));
        }
        Ok(())
    }
}

/// The ids of a group just made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChatCreated {
    /// `chatxxx`: what `chat/send` takes.
    pub chat_id: String,
    /// `cidxxx`: what the app robot's group messages take.
    pub open_conversation_id: String,
    /// Members in the group (owner included).
    pub members: usize,
}

fn invalid(why: impl Into<String>) -> Error {
    Error::new(ErrorKind::InvalidParameter, why)
}

fn field(v: &Value, pointer: &str) -> Result<String> {
    v.pointer(pointer)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .ok_or_else(|| Error::new(ErrorKind::ServerError, format!("answer lacks {pointer}")))
}

impl AppClient {
    /// Makes a group with the older `chat/create`, adding members past the first 40 with
    /// `chat/update`.
    pub async fn create_chat(&self, chat: &NewChat) -> Result<ChatCreated> {
        chat.check_common()?;
        let chars = chat.name.chars().count();
        if chars > MAX_CHAT_NAME_CHARS {
            return Err(invalid(format!(
                "the group name has {chars} characters; chat/create takes at most {MAX_CHAT_NAME_CHARS}"
            )));
        }
        let everyone = chat.everyone();
        if everyone.len() > MAX_CHAT_MEMBERS {
            return Err(invalid(format!(
                "{} members; a group holds at most {MAX_CHAT_MEMBERS}",
                everyone.len()
            )));
        }
        let mut chunks = everyone.chunks(MAX_CHAT_MEMBERS_PER_CALL);
        let first = chunks.next().unwrap_or_default();
        let v = self
            .oapi(
                "chat/create",
                &json!({ "name": chat.name, "owner": chat.owner, "useridlist": first }),
            )
            .await?;
        let created = ChatCreated {
            chat_id: field(&v, "/chatid")?,
            open_conversation_id: field(&v, "/openConversationId")?,
            members: everyone.len(),
        };
        for more in chunks {
            self.oapi(
                "chat/update",
                &json!({ "chatid": created.chat_id, "add_useridlist": more }),
            )
            .await?;
        }
        Ok(created)
    }

    /// Makes a scene group from the template `template_id` (its robots join the group).
    /// `uuid` makes the call safe to repeat: DingTalk makes one group per uuid.
    pub async fn create_scene_group(
        &self,
        template_id: &str,
        chat: &NewChat,
        uuid: &str,
    ) -> Result<ChatCreated> {
        chat.check_common()?;
        if template_id.trim().is_empty() {
            return Err(invalid("a scene group needs its template id (群模板 ID)"));
        }
        let everyone = chat.everyone();
        if everyone.len() > MAX_SCENE_GROUP_MEMBERS {
            return Err(invalid(format!(
                "{} members; one scene-group call takes at most {MAX_SCENE_GROUP_MEMBERS}",
                everyone.len()
            )));
        }
        let v = self
            .oapi(
                "topapi/im/chat/scenegroup/create",
                &json!({
                    "title": chat.name,
                    "template_id": template_id,
                    "owner_user_id": chat.owner,
                    "user_ids": everyone.join(","),
                    "uuid": uuid,
                }),
            )
            .await?;
        Ok(ChatCreated {
            chat_id: field(&v, "/result/chat_id")?,
            open_conversation_id: field(&v, "/result/open_conversation_id")?,
            members: everyone.len(),
        })
    }

    /// Sends `msg` to the group `chat_id` with the older `chat/send`; returns its messageId.
    pub async fn send_chat_message(&self, chat_id: &str, msg: &Message) -> Result<String> {
        if chat_id.trim().is_empty() {
            return Err(invalid("no chatid"));
        }
        let body = legacy_msg(msg).ok_or_else(|| {
            Error::new(
                ErrorKind::InvalidMessage,
                "chat/send cannot carry a feedCard",
            )
        })?;
        let len = legacy_msg_len(&body);
        if len > MAX_LEGACY_MSG_BYTES {
            return Err(Error::new(
                ErrorKind::MessageTooLong,
                format!("msg is {len} bytes; chat/send takes at most {MAX_LEGACY_MSG_BYTES}"),
            ));
        }
        let v = self
            .oapi("chat/send", &json!({ "chatid": chat_id, "msg": body }))
            .await?;
        Ok(v.get("messageId")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned())
    }
}
