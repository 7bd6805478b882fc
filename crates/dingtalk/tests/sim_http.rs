#![cfg(feature = "sim")]
//! The simulator over HTTP: nested under /sim like the server does, control API, the chat page.

mod common;

use std::net::SocketAddr;

use axum::Router;
use dingtalk::sim::{self, RobotInfo, SimConfig, Simulator};
use dingtalk::{ClientConfig, Message, RobotClient};
use serde_json::{json, Value};

/// Serves the simulator under `/sim` on a random port, as the server's demo mode does.
async fn nested(with_mount: bool) -> (Simulator, String) {
    let simulator = Simulator::new(SimConfig::default());
    let app: Router = if with_mount {
        sim::mount(Router::new(), "/sim", simulator.clone())
    } else {
        Router::new().nest("/sim", sim::router(simulator.clone()))
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await
        .unwrap();
    });
    (simulator, format!("http://{addr}"))
}

#[tokio::test]
async fn control_api_and_clients_under_a_prefix() {
    let (simulator, host) = nested(false).await;
    let base = format!("{host}/sim");
    let http = reqwest::Client::new();
    let post = |path: &str, body: Value| {
        http.post(format!("{base}/_control/{path}"))
            .json(&body)
            .send()
    };
    let group: Value = post("groups", json!({"name": "<b>研发部</b>", "members": []}))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let cid = group["open_conversation_id"].as_str().unwrap().to_owned();
    assert!(cid.starts_with("cid"));
    let resp = post(
        "robots",
        json!({"group": cid, "name": "播报", "keywords": ["勋章"], "signed": true}),
    )
    .await
    .unwrap();
    assert_eq!(resp.status(), 201);
    let robot: RobotInfo = resp.json().await.unwrap();
    assert!(robot.secret.as_deref().unwrap().starts_with("SEC"));
    // bad robot specs are refused
    let resp = post("robots", json!({"group": "cidNOPE"})).await.unwrap();
    assert_eq!(resp.status(), 400);

    // the client pointed at the prefix; the webhook URL pasted as the simulator shows it
    let client = RobotClient::new(ClientConfig::simulator(&base)).unwrap();
    let r = client
        .robot(
            &format!("{base}/{}", robot.webhook_path),
            robot.secret.as_deref(),
            &robot.keywords,
        )
        .unwrap();
    client
        .send(
            &r,
            &Message::markdown("勋章", "### 勋章\n<script>alert(1)</script> **好**"),
        )
        .await
        .unwrap();
    let msgs: Value = http
        .get(format!("{base}/_control/groups/{cid}/messages"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(msgs.as_array().unwrap().len(), 1);
    assert_eq!(msgs[0]["message"]["msgtype"], "markdown");
    assert_eq!(msgs[0]["via"], "webhook");
    assert_eq!(simulator.messages(&cid).len(), 1);

    // faults over HTTP
    let resp = http
        .put(format!("{base}/_control/faults/{}", robot.access_token))
        .json(&json!({"busy": 1.0, "times": 1}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let faults: Value = http
        .get(format!("{base}/_control/faults"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(faults[&robot.access_token]["busy"], 1.0);
    assert!(client.send(&r, &Message::text("勋章")).await.is_err());
    client.send(&r, &Message::text("勋章")).await.unwrap();

    // apps, users, clock, disband, state, stats, reset
    let app: Value = post("apps", json!({"name": "勋章墙"}))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(app["robot_code"], app["app_key"]);
    let resp = post(
        &format!("groups/{cid}/app-robots"),
        json!({"robot_code": app["robot_code"]}),
    )
    .await
    .unwrap();
    assert_eq!(resp.status(), 200);
    let user: Value = post("users", json!({"name": "张三", "mobile": "13800000001"}))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(user["active"], true);
    assert_eq!(
        post("clock", json!({"skew_ms": 0})).await.unwrap().status(),
        200
    );
    let state: Value = http
        .get(format!("{base}/_control/state"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(state["groups"][0]["app_robots"][0], app["robot_code"]);
    assert_eq!(state["users"].as_array().unwrap().len(), 1);
    let stats: Value = http
        .get(format!("{base}/_control/stats"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(stats["requests"]["robot/send"], 3);

    // the page at /sim: relative links resolve against <base href="/sim/">; all escaped
    let page = http.get(format!("{host}/sim")).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("钉钉模拟器"));
    assert!(html.contains("&lt;b&gt;研发部&lt;/b&gt;"));
    assert!(!html.contains("<script>"));
    assert!(html.contains("<strong>好</strong>"));
    assert!(html.contains(r#"href="_control/state""#));
    assert!(html.contains(r#"<base href="/sim/">"#));

    assert_eq!(
        post(&format!("groups/{cid}/disband"), json!({}))
            .await
            .unwrap()
            .status(),
        200
    );
    assert!(simulator.groups()[0].disbanded);
    assert_eq!(post("reset", json!({})).await.unwrap().status(), 200);
    assert!(simulator.groups().is_empty());
    let resp = http
        .get(format!("{base}/_control/groups/{cid}/messages"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 404);
}

#[tokio::test]
async fn mount_serves_the_page_with_and_without_slash() {
    let (simulator, host) = nested(true).await;
    simulator.create_group(sim::GroupSpec::named("市场部"));
    for path in ["/sim", "/sim/"] {
        let resp = reqwest::get(format!("{host}{path}")).await.unwrap();
        assert_eq!(resp.status(), 200, "{path}");
        let html = resp.text().await.unwrap();
        assert!(html.contains("市场部"));
        assert!(html.contains(r#"<base href="/sim/">"#));
    }
    let groups: Value = reqwest::get(format!("{host}/sim/_control/groups"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(groups[0]["name"], "市场部");
}
