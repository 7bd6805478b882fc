//! A word to people, 1:1: the app robot's batch of single chats (`robot/oToMessages/batchSend`,
//! at most [`MAX_OTO_USERS`] userIds a call; the answer lists the invalid and the
//! flow-controlled ones) and work notices (工作通知, `topapi/message/corpconversation/
//! asyncsend_v2`, at most [`MAX_NOTICE_USERS`] a call, `msg` at most [`MAX_LEGACY_MSG_BYTES`];
//! DingTalk answers success even for what it drops, so the send result is read back with
//! `getsendresult`). Limits are checked before calling.

use std::time::Duration;

use serde_json::{json, Value};

use super::AppClient;
use crate::error::{Error, ErrorKind, Result};
use crate::message::{legacy_msg, legacy_msg_len, AppMessage, Message, MAX_LEGACY_MSG_BYTES};

/// Most userIds of one `oToMessages/batchSend` call.
pub const MAX_OTO_USERS: usize = 20;
/// Most userIds of one work notice.
pub const MAX_NOTICE_USERS: usize = 100;

/// What DingTalk did with a 1:1 send: its key (`processQueryKey`, or the work notice's
/// `task_id`) and the people it did not reach, by why.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DirectReport {
    pub key: String,
    /// Not in the organisation (or not reachable by this app): sending again will not help.
    pub invalid: Vec<String>,
    /// Held back for sending too often (flow control, or a work notice over its daily limits):
    /// may pass later.
    pub held: Vec<String>,
    /// Failed for another reason (work notices).
    pub failed: Vec<String>,
}

impl DirectReport {
    /// Everyone asked, less those not reached.
    pub fn reached<'a>(&self, asked: &'a [String]) -> Vec<&'a String> {
        asked
            .iter()
            .filter(|u| {
                !self.invalid.contains(u) && !self.held.contains(u) && !self.failed.contains(u)
            })
            .collect()
    }
}

fn strings(v: &Value, key: &str) -> Vec<String> {
    match v.get(key) {
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(|x| match x {
                Value::String(s) => Some(s.clone()),
                Value::Number(n) => Some(n.to_string()),
                _ => None,
            })
            .collect(),
        // some answers give the lists as comma-separated text
        Some(Value::String(s)) => s
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect(),
        _ => Vec::new(),
    }
}

fn check_people(user_ids: &[String], most: usize, api: &str) -> Result<()> {
    if user_ids.is_empty() {
        return Err(Error::new(
            ErrorKind::InvalidRequest,
            "no userIds to send to",
        ));
    }
    if user_ids.len() > most {
        return Err(Error::new(
            ErrorKind::InvalidRequest,
            format!(
                "{} userIds; {api} takes at most {most} a call",
                user_ids.len()
            ),
        ));
    }
    Ok(())
}

impl AppClient {
    /// Sends `msg` to each of `user_ids` in a single chat with the app's robot.
    pub async fn send_to_people(
        &self,
        robot_code: &str,
        user_ids: &[String],
        msg: &AppMessage,
    ) -> Result<DirectReport> {
        check_people(user_ids, MAX_OTO_USERS, "oToMessages/batchSend")?;
        let (key, param) = super::key_and_param(msg)?;
        let body = json!({
            "robotCode": robot_code,
            "userIds": user_ids,
            "msgKey": key,
            "msgParam": param,
        });
        let v = self
            .v1(
                reqwest::Method::POST,
                "v1.0/robot/oToMessages/batchSend",
                Some(&body),
            )
            .await?;
        Ok(DirectReport {
            key: v
                .get("processQueryKey")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned(),
            invalid: strings(&v, "invalidStaffIdList"),
            held: strings(&v, "flowControlledStaffIdList"),
            failed: Vec::new(),
        })
    }

    /// Sends `msg` as a work notice of the app `agent_id` to `user_ids`, then reads back who it
    /// reached.
    pub async fn send_work_notice(
        &self,
        agent_id: &str,
        user_ids: &[String],
        msg: &Message,
    ) -> Result<DirectReport> {
        check_people(user_ids, MAX_NOTICE_USERS, "a work notice")?;
        let agent: i64 = agent_id.trim().parse().map_err(|_| {
            Error::new(
                ErrorKind::InvalidRequest,
                "the AgentId is a number (应用详情 → AgentId)",
            )
        })?;
        let body = legacy_msg(msg).ok_or_else(|| {
            Error::new(
                ErrorKind::InvalidMessage,
                "a work notice cannot carry a feedCard",
            )
        })?;
        let len = legacy_msg_len(&body);
        if len > MAX_LEGACY_MSG_BYTES {
            return Err(Error::new(
                ErrorKind::MessageTooLong,
                format!("msg is {len} bytes; a work notice takes at most {MAX_LEGACY_MSG_BYTES}"),
            ));
        }
        let v = self
            .oapi(
                "topapi/message/corpconversation/asyncsend_v2",
                &json!({ "agent_id": agent, "userid_list": user_ids.join(","), "msg": body }),
            )
            .await?;
        let task = v
            .get("task_id")
            .and_then(|t| {
                t.as_i64()
                    .or_else(|| t.as_str().and_then(|s| s.parse().ok()))
            })
            .ok_or_else(|| Error::new(ErrorKind::ServerError, "answer lacks task_id"))?;
        // The notice is sent; from here on a failure to read the result must not send it again.
        let result = self.notice_result(agent, task).await.map_err(|e| {
            Error::new(
                ErrorKind::UnknownSendResult,
                format!("work notice {task} sent; its result could not be read: {e}"),
            )
        })?;
        let sr = result.get("send_result").cloned().unwrap_or_default();
        let mut held = strings(&sr, "forbidden_user_id_list");
        if let Some(Value::Array(list)) = sr.get("forbidden_list") {
            for f in list {
                if let Some(u) = f.get("userid").and_then(Value::as_str) {
                    if !held.iter().any(|h| h == u) {
                        held.push(u.to_owned());
                    }
                }
            }
        }
        Ok(DirectReport {
            key: task.to_string(),
            invalid: strings(&sr, "invalid_user_id_list"),
            held,
            failed: strings(&sr, "failed_user_id_list"),
        })
    }

    /// `getsendresult`, asked a few times while DingTalk is still working on the task.
    async fn notice_result(&self, agent: i64, task: i64) -> Result<Value> {
        let mut tried = 0;
        loop {
            tried += 1;
            match self
                .oapi(
                    "topapi/message/corpconversation/getsendresult",
                    &json!({ "agent_id": agent, "task_id": task }),
                )
                .await
            {
                Ok(v) => return Ok(v),
                Err(e) if e.is_permanent() || tried >= 3 => return Err(e),
                Err(_) => tokio::time::sleep(Duration::from_millis(300 * tried)).await,
            }
        }
    }
}
