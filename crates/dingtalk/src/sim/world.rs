//! The simulated world behind a [`Simulator`](super::Simulator): per-robot, per-group and
//! per-token records, and the fault dice.

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::time::{Duration, Instant};

use rand::Rng;

use super::info::{AppInfo, GroupInfo, HonourInfo, Received, RobotInfo, Stats, UserInfo};
use super::spec::{Faults, GroupSpec};
use super::{random_string, ALNUM, HEX};
use crate::app::AttendanceRecord;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FaultAction {
    None,
    Throttle,
    Timeout,
    Error5xx,
    Busy,
    UnknownResult,
    LostAnswer,
}

#[derive(Debug)]
pub(crate) struct RobotRec {
    pub info: RobotInfo,
    pub sends: VecDeque<Instant>,
    pub penalty_until: Option<Instant>,
    pub seen_uuids: HashSet<String>,
}

#[derive(Debug)]
pub(crate) struct GroupRec {
    pub name: String,
    /// The older `chatxxx` id of the same group (`chat/send`).
    pub chat_id: String,
    /// userId of the owner, for groups made through the API.
    pub owner: Option<String>,
    /// `chat/create` or `scenegroup` for groups an app made; `None` for groups set up by hand.
    pub made_via: Option<String>,
    pub disbanded: bool,
    pub members: Vec<String>,
    pub app_robots: Vec<String>,
    pub messages: Vec<Received>,
    /// App robot sends per robotCode (rate limit).
    pub app_sends: HashMap<String, VecDeque<Instant>>,
}

#[derive(Debug)]
pub(crate) struct TokenRec {
    pub app_key: String,
    pub expires: Instant,
}

#[derive(Debug, Default)]
pub(crate) struct World {
    pub robots: HashMap<String, RobotRec>,
    pub robot_order: Vec<String>,
    pub groups: HashMap<String, GroupRec>,
    pub group_order: Vec<String>,
    pub apps: HashMap<String, AppInfo>,
    pub app_order: Vec<String>,
    pub tokens: HashMap<String, TokenRec>,
    pub users: Vec<UserInfo>,
    pub honours: Vec<HonourInfo>,
    pub grants_in_flight: HashSet<String>,
    /// Uploaded media by media id.
    pub media: HashMap<String, super::api::media::Media>,
    /// Card templates (互动卡片), made through the control API.
    pub card_templates: Vec<super::info::CardTemplateInfo>,
    /// Template cards delivered, by outTrackId: (template id, variables).
    pub cards: HashMap<String, (String, std::collections::BTreeMap<String, String>)>,
    /// 1:1 messages (app robot single chats and work notices) by the receiver's userId.
    pub direct: BTreeMap<String, Vec<Received>>,
    /// Work notice results by task_id (`getsendresult`).
    pub notice_tasks: HashMap<i64, serde_json::Value>,
    /// (userId, content, China day) of work notices delivered: the same again that day is
    /// dropped, as DingTalk does.
    pub notice_seen: HashSet<(String, String, i64)>,
    /// Scene groups by (appKey, uuid): the same uuid makes no second group.
    pub scene_uuids: HashMap<(String, String), String>,
    pub faults: HashMap<String, Faults>,
    pub qps: HashMap<(String, String), VecDeque<Instant>>,
    pub monthly_sent: u32,
    /// Attendance results by (userId, workDate, check): what `attendance/list` answers from.
    pub attendance: BTreeMap<(String, i64, u8), AttendanceRecord>,
    pub clock_skew_ms: i64,
    pub seq: u64,
    pub stats: Stats,
}

impl World {
    pub fn robot_info(&self, token: &str, now: Instant) -> Option<RobotInfo> {
        self.robots.get(token).map(|r| {
            let mut info = r.info.clone();
            info.penalty_secs = r
                .penalty_until
                .map(|t| t.saturating_duration_since(now).as_secs())
                .unwrap_or(0);
            info
        })
    }

    pub fn group_info(&self, cid: &str) -> Option<GroupInfo> {
        self.groups.get(cid).map(|g| GroupInfo {
            open_conversation_id: cid.to_owned(),
            name: g.name.clone(),
            chat_id: g.chat_id.clone(),
            owner: g.owner.clone(),
            made_via: g.made_via.clone(),
            disbanded: g.disbanded,
            members: g.members.clone(),
            app_robots: g.app_robots.clone(),
            message_count: g.messages.len(),
        })
    }

    /// Adds a group (replacing one with the same openConversationId); returns its
    /// openConversationId.
    pub fn new_group(&mut self, spec: GroupSpec) -> String {
        let cid = spec
            .open_conversation_id
            .filter(|c| !c.is_empty())
            .unwrap_or_else(|| format!("cid{}", random_string(22, ALNUM)));
        let name = if spec.name.trim().is_empty() {
            "未命名群".to_owned()
        } else {
            spec.name
        };
        if !self.groups.contains_key(&cid) {
            self.group_order.push(cid.clone());
        }
        self.groups.insert(
            cid.clone(),
            GroupRec {
                name,
                chat_id: format!("chat{}", random_string(32, HEX)),
                owner: None,
                made_via: None,
                disbanded: false,
                members: spec.members,
                app_robots: Vec::new(),
                messages: Vec::new(),
                app_sends: HashMap::new(),
            },
        );
        cid
    }

    /// The openConversationId of the group with this chatid.
    pub fn cid_of_chat(&self, chat_id: &str) -> Option<String> {
        self.groups
            .iter()
            .find(|(_, g)| g.chat_id == chat_id)
            .map(|(cid, _)| cid.clone())
    }

    pub fn user_by_id(&self, id: &str) -> Option<&UserInfo> {
        self.users.iter().find(|u| u.userid == id)
    }

    pub fn next_seq(&mut self) -> u64 {
        self.seq += 1;
        self.seq
    }

    pub fn count(&mut self, endpoint: &str) {
        *self.stats.requests.entry(endpoint.to_owned()).or_default() += 1;
    }

    /// Looks up faults for the first matching key, rolls the dice and consumes `times`.
    pub fn take_fault(&mut self, keys: &[&str]) -> (Duration, FaultAction) {
        let mut keys: Vec<&str> = keys.iter().copied().filter(|k| !k.is_empty()).collect();
        keys.push("*");
        let Some(key) = keys.into_iter().find(|k| self.faults.contains_key(*k)) else {
            return (Duration::ZERO, FaultAction::None);
        };
        let key = key.to_owned();
        let Some(f) = self.faults.get_mut(&key) else {
            return (Duration::ZERO, FaultAction::None);
        };
        let mut rng = rand::thread_rng();
        let mut roll = |p: f64| p > 0.0 && rng.gen::<f64>() < p;
        let action = if f.throttle {
            FaultAction::Throttle
        } else if roll(f.timeout) {
            FaultAction::Timeout
        } else if roll(f.error_5xx) {
            FaultAction::Error5xx
        } else if roll(f.busy) {
            FaultAction::Busy
        } else if roll(f.unknown_result) {
            FaultAction::UnknownResult
        } else if roll(f.lost_answer) {
            FaultAction::LostAnswer
        } else {
            FaultAction::None
        };
        let latency = Duration::from_millis(f.latency_ms);
        if let Some(n) = f.times.as_mut() {
            *n = n.saturating_sub(1);
            if *n == 0 {
                self.faults.remove(&key);
            }
        }
        (latency, action)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::Simulator;

    #[test]
    fn faults_times_are_consumed() {
        let sim = Simulator::default();
        sim.set_faults(
            "g",
            Faults {
                busy: 1.0,
                times: Some(1),
                ..Faults::default()
            },
        );
        let mut w = sim.world();
        assert_eq!(w.take_fault(&["g"]).1, FaultAction::Busy);
        assert_eq!(w.take_fault(&["g"]).1, FaultAction::None);
    }
}
