#![allow(dead_code)]

use std::time::Duration;

use dingtalk::sim::{self, GroupSpec, RobotInfo, RobotSpec, RunningSim, SimConfig, Simulator};
use dingtalk::{ClientConfig, Robot, RobotClient};

pub async fn start(cfg: SimConfig) -> RunningSim {
    sim::spawn_local(Simulator::new(cfg))
        .await
        .expect("start simulator")
}

pub fn config(running: &RunningSim) -> ClientConfig {
    ClientConfig {
        connect_timeout: Duration::from_secs(5),
        timeout: Duration::from_secs(20),
        ..running.client_config()
    }
}

pub fn robot_client(running: &RunningSim) -> RobotClient {
    RobotClient::new(config(running)).expect("client")
}

/// A group with one signed robot having the keyword 勋章.
pub fn group_and_robot(running: &RunningSim) -> (String, RobotInfo) {
    let g = running.sim.create_group(GroupSpec::named("研发部"));
    let r = running
        .sim
        .create_robot(RobotSpec::signed(&g.open_conversation_id, &["勋章"]))
        .expect("robot");
    (g.open_conversation_id, r)
}

pub fn robot_of(client: &RobotClient, info: &RobotInfo) -> Robot {
    client
        .robot(&info.webhook_url, info.secret.as_deref(), &info.keywords)
        .expect("webhook accepted")
}
