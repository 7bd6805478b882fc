//! Setting the simulated world up from Rust and reading it back: groups, custom robots, apps,
//! users, honours, faults, counters and the snapshot.

use std::collections::{HashSet, VecDeque};
use std::time::Instant;

use super::info::{AppInfo, GroupInfo, HonourInfo, Received, RobotInfo, Snapshot, Stats, UserInfo};
use super::ip::parse_ipv4_rule;
use super::spec::{AppSpec, Faults, GroupSpec, RobotSpec, UserSpec};
use super::world::RobotRec;
use super::{random_string, Simulator, ALNUM, HEX};

impl Simulator {
    pub fn create_group(&self, spec: GroupSpec) -> GroupInfo {
        let mut w = self.world();
        let cid = w.new_group(spec);
        w.group_info(&cid).unwrap_or_else(|| unreachable!())
    }

    pub fn groups(&self) -> Vec<GroupInfo> {
        let w = self.world();
        w.group_order
            .iter()
            .filter_map(|c| w.group_info(c))
            .collect()
    }

    pub fn disband_group(&self, cid: &str) -> bool {
        match self.world().groups.get_mut(cid) {
            Some(g) => {
                g.disbanded = true;
                true
            }
            None => false,
        }
    }

    /// The 1:1 messages a person received (app robot and work notices), oldest first.
    pub fn direct_messages(&self, user_id: &str) -> Vec<Received> {
        self.world()
            .direct
            .get(user_id)
            .cloned()
            .unwrap_or_default()
    }

    /// Every person's 1:1 messages, by userId.
    pub fn direct_chats(&self) -> Vec<(String, Vec<Received>)> {
        self.world()
            .direct
            .iter()
            .map(|(u, m)| (u.clone(), m.clone()))
            .collect()
    }

    /// Messages a group received, oldest first.
    pub fn messages(&self, cid: &str) -> Vec<Received> {
        self.world()
            .groups
            .get(cid)
            .map(|g| g.messages.clone())
            .unwrap_or_default()
    }

    /// Adds a custom robot to a group; returns its token and secret.
    pub fn create_robot(&self, spec: RobotSpec) -> Result<RobotInfo, String> {
        if spec.keywords.len() > 10 {
            return Err("a robot has at most 10 keywords".into());
        }
        for rule in &spec.ip_allowlist {
            if parse_ipv4_rule(rule).is_none() {
                return Err(format!("not an IPv4 address or CIDR range: {rule}"));
            }
        }
        if !spec.signed && spec.keywords.is_empty() && spec.ip_allowlist.is_empty() {
            return Err("a robot needs at least one of: signature, keywords, IP allowlist".into());
        }
        let token = spec
            .access_token
            .filter(|t| !t.is_empty())
            .unwrap_or_else(|| random_string(64, HEX));
        let secret = if spec.signed {
            Some(
                spec.secret
                    .filter(|s| !s.is_empty())
                    .unwrap_or_else(|| format!("SEC{}", random_string(64, HEX))),
            )
        } else {
            None
        };
        let mut w = self.world();
        if !w.groups.contains_key(&spec.group) {
            return Err(format!("no group {}", spec.group));
        }
        let info = RobotInfo {
            webhook_url: format!(
                "{}/robot/send?access_token={token}",
                crate::robot::REAL_OAPI_BASE
            ),
            webhook_path: format!("robot/send?access_token={token}"),
            access_token: token.clone(),
            secret,
            group: spec.group,
            name: if spec.name.trim().is_empty() {
                "自定义机器人".into()
            } else {
                spec.name
            },
            keywords: spec.keywords,
            ip_allowlist: spec.ip_allowlist,
            enabled: true,
            penalty_secs: 0,
        };
        if !w.robots.contains_key(&token) {
            w.robot_order.push(token.clone());
        }
        w.robots.insert(
            token,
            RobotRec {
                info: info.clone(),
                sends: VecDeque::new(),
                penalty_until: None,
                seen_uuids: HashSet::new(),
            },
        );
        Ok(info)
    }

    pub fn robots(&self) -> Vec<RobotInfo> {
        let w = self.world();
        let now = Instant::now();
        w.robot_order
            .iter()
            .filter_map(|t| w.robot_info(t, now))
            .collect()
    }

    /// Enables or disables (停用) a custom robot.
    pub fn set_robot_enabled(&self, token: &str, enabled: bool) -> bool {
        match self.world().robots.get_mut(token) {
            Some(r) => {
                r.info.enabled = enabled;
                true
            }
            None => false,
        }
    }

    /// Removes a custom robot (its token then "does not exist").
    pub fn delete_robot(&self, token: &str) -> bool {
        let mut w = self.world();
        w.robot_order.retain(|t| t != token);
        w.robots.remove(token).is_some()
    }

    pub fn create_app(&self, spec: AppSpec) -> AppInfo {
        let app_key = spec.app_key.filter(|k| !k.is_empty()).unwrap_or_else(|| {
            format!(
                "ding{}",
                random_string(16, b"abcdefghijklmnopqrstuvwxyz0123456789")
            )
        });
        let info = AppInfo {
            name: if spec.name.trim().is_empty() {
                "勋章墙".into()
            } else {
                spec.name
            },
            app_secret: spec
                .app_secret
                .filter(|s| !s.is_empty())
                .unwrap_or_else(|| random_string(64, ALNUM)),
            robot_code: spec
                .robot_code
                .filter(|s| !s.is_empty())
                .unwrap_or_else(|| app_key.clone()),
            app_key: app_key.clone(),
            robot_enabled: true,
            scene_group_template_id: spec
                .scene_group_template_id
                .filter(|s| !s.is_empty())
                .unwrap_or_else(|| {
                    let h = random_string(32, HEX);
                    format!(
                        "{}-{}-{}-{}-{}",
                        &h[..8],
                        &h[8..12],
                        &h[12..16],
                        &h[16..20],
                        &h[20..]
                    )
                }),
            new_app: spec.new_app,
            agent_id: spec
                .agent_id
                .filter(|s| !s.is_empty())
                .unwrap_or_else(|| format!("3{}", random_string(9, b"0123456789"))),
        };
        let mut w = self.world();
        if !w.apps.contains_key(&app_key) {
            w.app_order.push(app_key.clone());
        }
        w.apps.insert(app_key, info.clone());
        info
    }

    pub fn apps(&self) -> Vec<AppInfo> {
        let w = self.world();
        w.app_order
            .iter()
            .filter_map(|k| w.apps.get(k).cloned())
            .collect()
    }

    /// Stops or restarts an app's robot (`bot.stopped`).
    pub fn set_app_robot_enabled(&self, app_key: &str, enabled: bool) -> bool {
        match self.world().apps.get_mut(app_key) {
            Some(a) => {
                a.robot_enabled = enabled;
                true
            }
            None => false,
        }
    }

    /// Invalidates every access token of an app (its next call gets `InvalidAuthentication`).
    pub fn expire_app_tokens(&self, app_key: &str) {
        self.world().tokens.retain(|_, t| t.app_key != app_key);
    }

    /// Puts an app's robot (by robotCode) into a group.
    pub fn add_app_robot_to_group(&self, robot_code: &str, cid: &str) -> bool {
        match self.world().groups.get_mut(cid) {
            Some(g) => {
                if !g.app_robots.iter().any(|r| r == robot_code) {
                    g.app_robots.push(robot_code.to_owned());
                }
                true
            }
            None => false,
        }
    }

    pub fn create_user(&self, spec: UserSpec) -> UserInfo {
        let info = UserInfo {
            userid: spec
                .userid
                .filter(|s| !s.is_empty())
                .unwrap_or_else(|| format!("user{}", random_string(10, b"0123456789"))),
            name: spec.name,
            mobile: spec.mobile,
            active: spec.active,
        };
        let mut w = self.world();
        w.users.retain(|u| u.userid != info.userid);
        w.users.push(info.clone());
        info
    }

    pub fn users(&self) -> Vec<UserInfo> {
        self.world().users.clone()
    }

    pub fn honours(&self) -> Vec<HonourInfo> {
        self.world().honours.clone()
    }

    /// Injects faults for a target: a robot access token, a group openConversationId, an
    /// appKey, or `*`.
    pub fn set_faults(&self, target: &str, faults: Faults) {
        self.world().faults.insert(target.to_owned(), faults);
    }

    pub fn clear_faults(&self, target: &str) {
        self.world().faults.remove(target);
    }

    pub fn stats(&self) -> Stats {
        self.world().stats.clone()
    }

    pub fn snapshot(&self) -> Snapshot {
        let w = self.world();
        let now = Instant::now();
        Snapshot {
            groups: w
                .group_order
                .iter()
                .filter_map(|c| w.group_info(c))
                .collect(),
            robots: w
                .robot_order
                .iter()
                .filter_map(|t| w.robot_info(t, now))
                .collect(),
            apps: w
                .app_order
                .iter()
                .filter_map(|k| w.apps.get(k).cloned())
                .collect(),
            users: w.users.clone(),
            honours: w.honours.clone(),
            card_templates: w.card_templates.clone(),
            faults: w.faults.clone(),
            clock_skew_ms: w.clock_skew_ms,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn robot_needs_a_group_and_valid_rules() {
        let sim = Simulator::default();
        assert!(sim.create_robot(RobotSpec::signed("nope", &[])).is_err());
        let g = sim.create_group(GroupSpec::named("g"));
        let mut spec = RobotSpec::signed(&g.open_conversation_id, &[]);
        spec.ip_allowlist = vec!["::1".into()];
        assert!(sim.create_robot(spec).is_err());
        let r = sim
            .create_robot(RobotSpec::signed(&g.open_conversation_id, &["勋章"]))
            .unwrap();
        assert!(r.secret.unwrap().starts_with("SEC"));
        assert_eq!(sim.robots().len(), 1);
    }
}
