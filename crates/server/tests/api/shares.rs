//! Sharing over HTTP: the share form, the card (escaping, @mention, keyword footer, digest), the
//! outbox rows a request writes, delivery by the worker, history, retry.

use std::time::Duration;

use dingtalk::sim::{GroupSpec, RobotSpec};
use medal_core::Role;

use medal_server::with_db;
use reqwest::{Client, Response};
use serde_json::Value;

use crate::both;
use crate::helpers::medal_form;
use crate::helpers::Backend;
use crate::helpers::TestApp;
use crate::share_fixtures::sim_app;
use crate::share_fixtures::wait_done;

/// An award row for `staff_id` (awards are made on main; tests write them directly).
pub async fn insert_award(app: &TestApp, medal_id: i64, staff_id: i64, reason: &str) -> i64 {
    with_db!(&app.db, p => sqlx::query_scalar::<_, i64>(
        "INSERT INTO awards (medal_id, staff_id, reason, awarded_at, public_token) VALUES ($1, $2, $3, $4, $5) RETURNING id")
        .bind(medal_id).bind(staff_id).bind(reason).bind(1_763_700_000_000_i64)
        .bind(uuid::Uuid::new_v4().simple().to_string()).fetch_one(p).await)
    .unwrap()
}

pub async fn insert_staff(
    app: &TestApp,
    name: &str,
    user_id: Option<&str>,
    mobile: Option<&str>,
) -> i64 {
    with_db!(&app.db, p => sqlx::query_scalar::<_, i64>(
        "INSERT INTO staff (name, mobile, dingtalk_user_id, created_at, updated_at) VALUES ($1, $2, $3, 0, 0) RETURNING id")
        .bind(name).bind(mobile).bind(user_id).fetch_one(p).await)
    .unwrap()
}

async fn first_id(app: &TestApp, sql: &str) -> Option<i64> {
    with_db!(&app.db, p => sqlx::query_scalar::<_, Option<i64>>(sql).fetch_one(p).await).unwrap()
}

/// For roles.rs: calls the sharing server functions with arguments that work, making the
/// group, award and share they need (nothing the roles test counts).
pub async fn call_for_roles(app: &TestApp, c: &Client, path: &str) -> Option<Response> {
    if !(path.starts_with("/sfn/groups/")
        || path.starts_with("/sfn/shares/")
        || path.starts_with("/sfn/settings/")
        || path.starts_with("/sfn/cards/"))
    {
        return None;
    }
    let group = match first_id(app, "SELECT MIN(id) FROM share_groups WHERE kind = 'app'").await {
        Some(g) => g,
        None => with_db!(&app.db, p => sqlx::query_scalar::<_, i64>(
            "INSERT INTO share_groups (name, kind, open_conversation_id, created_at, updated_at) VALUES ('角色群', 'app', 'cidroles', 0, 0) RETURNING id")
            .fetch_one(p).await).unwrap(),
    };
    with_db!(&app.db, p => sqlx::query("UPDATE share_groups SET disabled = FALSE WHERE id = $1").bind(group).execute(p).await.map(|_| ())).unwrap();
    let award = match first_id(app, "SELECT MIN(id) FROM awards WHERE revoked_at IS NULL").await {
        Some(a) => a,
        None => {
            let medal = first_id(app, "SELECT MIN(id) FROM medals").await.unwrap();
            let staff = first_id(app, "SELECT MIN(id) FROM staff").await.unwrap();
            insert_award(app, medal, staff, "角色测试").await
        }
    };
    let share = match first_id(app, "SELECT MIN(id) FROM shares").await {
        Some(s) => s,
        None => with_db!(&app.db, p => sqlx::query_scalar::<_, i64>(
            "INSERT INTO shares (group_id, award_ids, status, next_attempt_at, msg_uuid, message_json, created_at, updated_at) \
             VALUES ($1, $2, 'failed', 0, $3, '{\"msgtype\":\"text\",\"text\":{\"content\":\"x\"}}', 0, 0) RETURNING id")
            .bind(group).bind(award.to_string()).bind(uuid::Uuid::new_v4().simple().to_string()).fetch_one(p).await).unwrap(),
    };
    with_db!(&app.db, p => sqlx::query("UPDATE shares SET status = 'failed' WHERE id = $1").bind(share).execute(p).await.map(|_| ())).unwrap();
    let (g, a, s) = (group.to_string(), award.to_string(), share.to_string());
    let opts = [("options[message]", "好"), ("options[style]", "markdown")];
    Some(match path {
        "/sfn/groups/get" | "/sfn/groups/disable" | "/sfn/groups/enable" | "/sfn/groups/test" => {
            app.post(c, path, &[("id", &g)]).await
        }
        "/sfn/groups/save" => {
            app.post(
                c,
                path,
                &[
                    ("form[name]", "角色群2"),
                    ("form[kind]", "app"),
                    ("form[open_conversation_id]", "cidroles2"),
                ],
            )
            .await
        }
        "/sfn/shares/get" | "/sfn/shares/retry" => app.post(c, path, &[("id", &s)]).await,
        "/sfn/shares/form" => app.post(c, path, &[("awards", &a)]).await,
        "/sfn/shares/preview" | "/sfn/shares/preview_html" => {
            app.post(c, path, &[("awards", a.as_str()), opts[0], opts[1]])
                .await
        }
        "/sfn/shares/create" => {
            app.post(
                c,
                path,
                &[
                    ("awards", a.as_str()),
                    ("group_ids[]", g.as_str()),
                    opts[0],
                    opts[1],
                ],
            )
            .await
        }
        "/sfn/settings/save" => app.post(c, path, &[("form[org_name]", "示例")]).await,
        "/sfn/cards/save" => {
            let form = [
                ("form[name]", "角色卡片"),
                ("form[template_id]", "roles.schema"),
                ("form[mapping]", "title = medal_name"),
            ];
            app.post(c, path, &form).await
        }
        "/sfn/cards/delete" => {
            let id = match first_id(app, "SELECT MIN(id) FROM card_templates").await {
                Some(t) => t,
                None => with_db!(&app.db, p => sqlx::query_scalar::<_, i64>(
                    "INSERT INTO card_templates (name, template_id, mapping, created_at, updated_at) VALUES ('x', 'x.schema', '[]', 0, 0) RETURNING id")
                    .fetch_one(p).await).unwrap(),
            };
            app.post(c, path, &[("id", &id.to_string())]).await
        }
        "/sfn/groups/make" => {
            let form = [
                ("form[name]", "角色建群"),
                ("form[owner]", "13800000000"),
                ("form[department][]", "研发部"),
            ];
            app.post(c, path, &form).await
        }
        "/sfn/shares/guard/save" => app.post(c, path, &[("form[daily_cap]", "30")]).await,
        "/sfn/shares/list" | "/sfn/shares/progress" => {
            app.post(c, path, &[("filter[status]", "")]).await
        }
        _ => app.post(c, path, &[]).await,
    })
}

async fn create_medal(app: &TestApp, admin: &Client) -> i64 {
    let r = app
        .post_multipart(admin, "/sfn/medals/save", medal_form(&[]))
        .await;
    assert_eq!(r.status(), 200);
    r.json().await.unwrap()
}

/// Share one award to two groups (one robot with an unusual keyword), with JavaScript's calls.
async fn share_cards_arrive_once_with_the_right_content(b: Backend) {
    let (app, sim, config) = sim_app(b).await;
    let admin = app.signed_in(Role::Admin).await;
    let awarder = app.signed_in(Role::Awarder).await;
    let medal = create_medal(&app, &admin).await;
    let staff = insert_staff(
        &app,
        "**张三** [点我](https://evil.example)",
        Some("zhangsan"),
        None,
    )
    .await;
    let award = insert_award(
        &app,
        medal,
        staff,
        "# 标题\n> 引用 ![x](https://evil.example/x.png)",
    )
    .await;
    let mut group_ids = Vec::new();
    let mut cids = Vec::new();
    for (name, kw) in [("研发部", "勋章"), ("市场部", "喜报")] {
        let g = sim.sim.create_group(GroupSpec::named(name));
        let robot = sim
            .sim
            .create_robot(RobotSpec {
                group: g.open_conversation_id.clone(),
                keywords: vec![kw.into()],
                ..RobotSpec::default()
            })
            .unwrap();
        let form = [
            ("form[name]", name),
            ("form[kind]", "webhook"),
            ("form[webhook_url]", robot.webhook_url.as_str()),
            ("form[sign_secret]", robot.secret.as_deref().unwrap()),
            ("form[keywords]", kw),
        ];
        let r = app.post(&admin, "/sfn/groups/save", &form).await;
        assert_eq!(r.status(), 200);
        group_ids.push(r.json::<i64>().await.unwrap().to_string());
        cids.push(g.open_conversation_id);
    }
    with_db!(&app.db, p => sqlx::query("INSERT INTO settings (key, value, updated_at) VALUES ('public_base_url', 'https://medals.example.com', 0)").execute(p).await.map(|_| ())).unwrap();

    // The form data and the preview (as /sim draws it: escaped, no markup from user text).
    let d: Value = app
        .post(
            &awarder,
            "/sfn/shares/form",
            &[("awards", &award.to_string())],
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(d["awards"][0]["mentionable"], true);
    assert_eq!(d["groups"].as_array().unwrap().len(), 2);
    let r = app
        .post(
            &awarder,
            "/sfn/shares/preview",
            &[
                ("awards", award.to_string().as_str()),
                ("group", group_ids[1].as_str()),
                ("options[message]", "恭喜 *你*"),
                ("options[style]", "action_card"),
                ("options[mention]", "true"),
            ],
        )
        .await;
    assert_eq!(r.status(), 200);
    // The preview is the card as data (drawn by the page with Leptos' escaping).
    let card: Value = r.json().await.unwrap();
    let json = card.to_string();
    assert!(
        !json.contains("\"url\":\"https://evil.example")
            && !json.contains("\"src\":\"https://evil.example"),
        "no link or image from user text: {json}"
    );
    assert!(
        !json.contains("{\"Strong\":[{\"Text\":\"张三"),
        "user markup is text: {json}"
    );
    assert_eq!(card["Action"]["buttons"][0]["title"], "查看详情", "{json}");
    assert!(json.contains("喜报"), "keyword footer: {json}");

    // Submitting writes one outbox row per group and sends nothing itself.
    let r = app
        .post(
            &awarder,
            "/sfn/shares/create",
            &[
                ("awards", award.to_string().as_str()),
                ("group_ids[]", group_ids[0].as_str()),
                ("group_ids[]", group_ids[1].as_str()),
                ("options[message]", "恭喜 *你*"),
                ("options[style]", "action_card"),
                ("options[mention]", "true"),
            ],
        )
        .await;
    assert_eq!(r.status(), 200, "{:?}", r.text().await);
    let request: String = r.json().await.unwrap();
    assert_eq!(
        sim.sim.messages(&cids[0]).len(),
        0,
        "nothing is sent inside the request"
    );
    let list: Value = app
        .post(
            &awarder,
            "/sfn/shares/list",
            &[("filter[request]", request.as_str())],
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["progress"]["total"], 2);
    assert_eq!(list["progress"]["in_flight"], 2);

    medal_server::shares::outbox::spawn(app.db.clone(), &config).unwrap();
    let c = wait_done(&app.db, Duration::from_secs(20)).await;
    assert_eq!(c.get("sent").copied(), Some(2), "{c:?}");
    for cid in &cids {
        let msgs = sim.sim.messages(cid);
        assert_eq!(msgs.len(), 1);
        let m = serde_json::to_value(&msgs[0].message).unwrap();
        let text = m["actionCard"]["text"].as_str().unwrap();
        assert!(
            text.contains("＊＊张三＊＊ ［点我］（https://evil.example）"),
            "{text}"
        );
        assert!(text.contains("＃ 标题 ＞ 引用 ！［x］"), "{text}");
        assert!(
            text.contains("恭喜 ＊你＊")
                && text.contains("＊＊张三＊＊ ［点我］（https://evil.example）** @zhangsan 获得"),
            "{text}"
        );
        assert!(
            text.contains("https://medals.example.com/icons/"),
            "absolute icon: {text}"
        );
        assert!(
            m["actionCard"]["singleURL"]
                .as_str()
                .unwrap()
                .starts_with("https://medals.example.com/a/"),
            "{m}"
        );
        assert_eq!(m["at"]["atUserIds"], serde_json::json!(["zhangsan"]));
    }
    // The keyword footer only where the card lacked the keyword.
    let t0 = serde_json::to_value(&sim.sim.messages(&cids[0])[0].message).unwrap()["actionCard"]
        ["text"]
        .as_str()
        .unwrap()
        .to_string();
    let t1 = serde_json::to_value(&sim.sim.messages(&cids[1])[0].message).unwrap()["actionCard"]
        ["text"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        !t0.contains("#### 勋章") && t1.ends_with("#### 喜报"),
        "{t0}\n{t1}"
    );

    // History: the exact message, filters; progress done.
    let list: Value = app
        .post(
            &awarder,
            "/sfn/shares/list",
            &[
                ("filter[request]", request.as_str()),
                ("filter[status]", "sent"),
            ],
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["progress"]["sent"], 2);
    let id = list["items"][0]["id"].as_i64().unwrap();
    let d: Value = app
        .post(&awarder, "/sfn/shares/get", &[("id", &id.to_string())])
        .await
        .json()
        .await
        .unwrap();
    assert!(
        d["message_json"]
            .as_str()
            .unwrap()
            .contains("\"msgtype\": \"actionCard\""),
        "{d}"
    );
    assert_eq!(
        d["preview"]["Action"]["buttons"][0]["title"], "查看详情",
        "{d}"
    );
    let html = app
        .get(&awarder, &format!("/shares?request={request}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("已发送 2 / 2"), "progress text");
    // Retry is for failed shares only, by admins.
    assert_eq!(
        app.post(&awarder, "/sfn/shares/retry", &[("id", &id.to_string())])
            .await
            .status(),
        403
    );
    assert_eq!(
        app.post(&admin, "/sfn/shares/retry", &[("id", &id.to_string())])
            .await
            .status(),
        409
    );
}
both!(
    share_cards_arrive_once_with_the_right_content,
    super::share_cards_arrive_once_with_the_right_content
);

/// Several awards become one digest per group; a disabled robot fails at once with the
/// explanation, and an admin's retry delivers it after the robot is fixed.
async fn digest_failure_and_retry(b: Backend) {
    let (app, sim, config) = sim_app(b).await;
    let admin = app.signed_in(Role::Admin).await;
    let medal = create_medal(&app, &admin).await;
    let mut awards = Vec::new();
    for i in 0..6 {
        // every other person has a userId; the others only a mobile (never mentioned by it)
        let user_id = (i % 2 == 0).then(|| format!("u{i}"));
        let s = insert_staff(
            &app,
            &format!("员工{i}"),
            user_id.as_deref(),
            Some(&format!("1380013800{i}")),
        )
        .await;
        awards.push(insert_award(&app, medal, s, "表现突出").await.to_string());
    }
    let g = sim.sim.create_group(GroupSpec::named("全员群"));
    let robot = sim
        .sim
        .create_robot(RobotSpec {
            group: g.open_conversation_id.clone(),
            ..RobotSpec::default()
        })
        .unwrap();
    let r = app
        .post(
            &admin,
            "/sfn/groups/save",
            &[
                ("form[name]", "全员群"),
                ("form[kind]", "webhook"),
                ("form[webhook_url]", robot.webhook_url.as_str()),
                ("form[sign_secret]", robot.secret.as_deref().unwrap()),
            ],
        )
        .await;
    let gid = r.json::<i64>().await.unwrap().to_string();
    let d: Value = app
        .post(&admin, "/sfn/shares/form", &[("awards", &awards.join(","))])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(d["digest_from"], 5);
    // The preview is what the group will get: the digest when asked for (or for more than
    // five awards), else the first card.
    let n = awards.len();
    let all = awards.join(",");
    let few = awards[..3].join(",");
    for (digest, ids, people) in [(true, &all, n), (false, &all, n), (false, &few, 1)] {
        let mut form = vec![("awards", ids.as_str()), ("options[style]", "action_card")];
        if digest {
            form.push(("options[digest]", "true"));
        }
        let r = app.post(&admin, "/sfn/shares/preview", &form).await;
        assert_eq!(r.status(), 200);
        let card = r.text().await.unwrap();
        let names = d["awards"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|a| card.contains(a["staff_name"].as_str().unwrap()))
            .count();
        assert_eq!(names, people, "digest={digest:?}: {card}");
    }
    sim.sim.set_robot_enabled(&robot.access_token, false);
    let all = awards.join(",");
    let r = app
        .post(
            &admin,
            "/sfn/shares/create",
            &[
                ("awards", all.as_str()),
                ("group_ids[]", gid.as_str()),
                ("options[digest]", "true"),
                ("options[mention]", "true"),
            ],
        )
        .await;
    assert_eq!(r.status(), 200);
    medal_server::shares::outbox::spawn(app.db.clone(), &config).unwrap();
    let c = wait_done(&app.db, Duration::from_secs(20)).await;
    assert_eq!(
        c.get("failed").copied(),
        Some(1),
        "one digest, failed at once: {c:?}"
    );
    let list: Value = app
        .post(&admin, "/sfn/shares/list", &[("filter[status]", "failed")])
        .await
        .json()
        .await
        .unwrap();
    let row = &list["items"][0];
    assert_eq!(row["attempts"], 1, "a permanent error is not retried");
    assert!(
        row["error"]["zh"].as_str().unwrap().contains("400102"),
        "{row}"
    );
    sim.sim.set_robot_enabled(&robot.access_token, true);
    let id = row["id"].as_i64().unwrap().to_string();
    assert_eq!(
        app.post(&admin, "/sfn/shares/retry", &[("id", &id)])
            .await
            .status(),
        200
    );
    let c = wait_done(&app.db, Duration::from_secs(20)).await;
    assert_eq!(c.get("sent").copied(), Some(1), "{c:?}");
    let msgs = sim.sim.messages(&g.open_conversation_id);
    assert_eq!(msgs.len(), 1);
    let m = serde_json::to_value(&msgs[0].message).unwrap();
    assert_eq!(m["msgtype"], "markdown");
    let text = m["markdown"]["text"].as_str().unwrap();
    assert!(
        text.contains("勋章喜报（6 人）")
            && text.contains("5. **员工4** @u4 获得")
            && text.contains("6. **员工5** 获得"),
        "{text}"
    );
    assert!(
        !text.contains("1380013800"),
        "no phone number in the card: {text}"
    );
    assert_eq!(m["at"]["atUserIds"], serde_json::json!(["u0", "u2", "u4"]));
    assert!(
        m["at"]
            .get("atMobiles")
            .is_none_or(|v| v.as_array().is_none_or(|a| a.is_empty())),
        "{m}"
    );
    let audited: i64 = with_db!(&app.db, p => sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM audit_entries WHERE action = 'share.retry'").fetch_one(p).await).unwrap();
    assert_eq!(audited, 1);
}
both!(digest_failure_and_retry, super::digest_failure_and_retry);
