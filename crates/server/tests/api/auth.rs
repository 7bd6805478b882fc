use medal_core::Role;

use crate::both;
use crate::helpers::spawn_app;
use crate::helpers::spawn_app_with;
use crate::helpers::Backend;
use crate::helpers::PASSWORD;

async fn login_success_sets_a_safe_session(b: Backend) {
    let app = spawn_app(b).await;
    app.create_admin("hr.li", Role::Admin).await;
    let c = app.client();
    // A page without a session goes to the login page and remembers where it was going.
    let r = app.get(&c, "/medals?q=x").await;
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/login?next=%2Fmedals%3Fq%3Dx");

    let r = app.login(&c, "HR.Li", PASSWORD).await;
    assert_eq!(r.status(), 200);
    let cookie = r
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .collect::<Vec<_>>()
        .join("\n");
    assert!(cookie.contains("medals_session="), "{cookie}");
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Lax"), "{cookie}");
    assert!(
        !cookie.contains("Secure"),
        "http public URL: no Secure flag: {cookie}"
    );

    let me: serde_json::Value = app
        .post(&c, "/sfn/auth/me", &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(me["username"], "hr.li");
    assert_eq!(me["role"], "Admin");
    let page = app.get(&c, "/medals").await;
    assert_eq!(page.status(), 200);

    // Logout ends the session.
    assert_eq!(app.post(&c, "/sfn/auth/logout", &[]).await.status(), 200);
    let me: serde_json::Value = app
        .post(&c, "/sfn/auth/me", &[])
        .await
        .json()
        .await
        .unwrap();
    assert!(me.is_null());
    assert_eq!(app.get(&c, "/medals").await.status(), 303);
}
both!(
    login_success_sets_a_safe_session,
    super::login_success_sets_a_safe_session
);

async fn login_failure_says_so_the_same_way_for_unknown_users(b: Backend) {
    let app = spawn_app(b).await;
    app.create_admin("hr.li", Role::Admin).await;
    let c = app.client();
    let wrong = app.login(&c, "hr.li", "wrong password").await;
    assert_eq!(wrong.status(), 422);
    let wrong: serde_json::Value = wrong.json().await.unwrap();
    let unknown = app.login(&c, "nobody", "wrong password").await;
    assert_eq!(unknown.status(), 422);
    let unknown: serde_json::Value = unknown.json().await.unwrap();
    assert_eq!(wrong, unknown, "unknown usernames must not be told apart");
    assert_eq!(wrong["Validation"][""][0]["zh"], "用户名或密码不正确。");
    let me: serde_json::Value = app
        .post(&c, "/sfn/auth/me", &[])
        .await
        .json()
        .await
        .unwrap();
    assert!(me.is_null());
    // Empty fields are reported per field.
    let empty: serde_json::Value = app.login(&c, "", "").await.json().await.unwrap();
    assert!(empty["Validation"]["username"].is_array());
    assert!(empty["Validation"]["password"].is_array());
}
both!(
    login_failure_says_so_the_same_way_for_unknown_users,
    super::login_failure_says_so_the_same_way_for_unknown_users
);

async fn five_failures_lock_this_ip_out_of_this_username(b: Backend) {
    let app = spawn_app(b).await;
    app.create_admin("hr.li", Role::Admin).await;
    app.create_admin("hr.wang", Role::Admin).await;
    let c = app.client();
    for i in 0..5 {
        assert_eq!(
            app.login(&c, "hr.li", "wrong password").await.status(),
            422,
            "attempt {i}"
        );
    }
    // Even the right password is refused now from this IP, with a clear message.
    let r = app.login(&c, "hr.li", PASSWORD).await;
    assert_eq!(r.status(), 429);
    let body: serde_json::Value = r.json().await.unwrap();
    assert!(
        body["TooManyAttempts"]["zh"]
            .as_str()
            .unwrap()
            .contains("15 分钟"),
        "{body}"
    );
    assert!(
        body["TooManyAttempts"]["en"]
            .as_str()
            .unwrap()
            .contains("15 minutes"),
        "{body}"
    );
    // Another username from the same IP is not locked out by someone else's failures.
    assert_eq!(app.login(&c, "hr.wang", PASSWORD).await.status(), 200);
    // When the window has passed, sign-in works again.
    app.db
        .execute("UPDATE login_attempts SET at = at - 16 * 60 * 1000")
        .await
        .unwrap();
    assert_eq!(app.login(&c, "hr.li", PASSWORD).await.status(), 200);
}
both!(
    five_failures_lock_this_ip_out_of_this_username,
    super::five_failures_lock_this_ip_out_of_this_username
);

async fn parallel_guesses_get_five_password_checks(b: Backend) {
    let app = spawn_app(b).await;
    app.create_admin("hr.zhao", Role::Admin).await;
    let c = app.client();
    let tries = (0..20).map(|_| app.login(&c, "hr.zhao", "wrong password"));
    let statuses: Vec<u16> = futures::future::join_all(tries)
        .await
        .iter()
        .map(|r| r.status().as_u16())
        .collect();
    let checked = statuses.iter().filter(|s| **s == 422).count();
    let refused = statuses.iter().filter(|s| **s == 429).count();
    assert_eq!((checked, refused), (5, 15), "{statuses:?}");
    let failures: i64 = medal_server::with_db!(&app.db, p => sqlx::query_scalar::<_, i64>(
        "SELECT COUNT(*) FROM login_attempts WHERE username = 'hr.zhao' AND success = FALSE").fetch_one(p).await)
    .unwrap();
    assert_eq!(
        failures, 5,
        "a refused attempt checks no password and is not kept"
    );
}
both!(
    parallel_guesses_get_five_password_checks,
    super::parallel_guesses_get_five_password_checks
);

/// Behind a proxy (`client_ip_header`), attempts from many addresses: each address is limited on
/// its own, the username as a whole for addresses it was never signed in from, and the owner on
/// a known browser is only slowed down.
async fn the_owner_is_slowed_not_locked_out(b: Backend) {
    let app = spawn_app_with(b, |c| c.client_ip_header = Some("x-forwarded-for".into())).await;
    app.create_admin("owner1", Role::Owner).await;
    let login_from = |c: &reqwest::Client, ip: &str, pw: &str| {
        c.post(app.url("/sfn/auth/login"))
            .header("accept", "application/json")
            .header("x-forwarded-for", format!("10.9.9.9, {ip}"))
            .form(&[("username", "owner1"), ("password", pw)])
            .send()
    };
    // The owner signs in once from the office: that browser and that IP are known now.
    let owner = app.client();
    assert_eq!(
        login_from(&owner, "10.0.0.1", PASSWORD)
            .await
            .unwrap()
            .status(),
        200
    );
    // An attacker tries from 10 addresses, 3 each (under the per-address limit): 30 failures.
    let attacker = app.client();
    for n in 0..10 {
        for _ in 0..3 {
            let ip = format!("203.0.113.{n}");
            assert_eq!(
                login_from(&attacker, &ip, "guess").await.unwrap().status(),
                422
            );
        }
    }
    // The username is under attack: a new address is refused even with the right password...
    let r = login_from(&app.client(), "198.51.100.7", PASSWORD)
        .await
        .unwrap();
    assert_eq!(r.status(), 429);
    // ...but the owner's browser and the office IP still get in.
    assert_eq!(
        login_from(&owner, "10.0.0.1", PASSWORD)
            .await
            .unwrap()
            .status(),
        200
    );
    assert_eq!(
        login_from(&app.client(), "10.0.0.1", PASSWORD)
            .await
            .unwrap()
            .status(),
        200
    );
    // The owner mistyping on a known browser is slowed down past five failures, never locked out.
    for _ in 0..5 {
        assert_eq!(
            login_from(&owner, "10.0.0.2", "typo")
                .await
                .unwrap()
                .status(),
            422
        );
    }
    let t = std::time::Instant::now();
    assert_eq!(
        login_from(&owner, "10.0.0.2", PASSWORD)
            .await
            .unwrap()
            .status(),
        200
    );
    assert!(
        t.elapsed() >= std::time::Duration::from_millis(1900),
        "{:?}",
        t.elapsed()
    );
}
both!(
    the_owner_is_slowed_not_locked_out,
    super::the_owner_is_slowed_not_locked_out
);

async fn plain_form_login_works_without_javascript(b: Backend) {
    let app = spawn_app(b).await;
    app.create_admin("hr.li", Role::Admin).await;
    let (c, jar) = app.client_with_jar();
    // A failed plain post goes back to the form, which then shows the message and the username typed.
    let r = app
        .post_plain(
            &c,
            "/sfn/auth/login",
            "/login?next=/medals",
            &[
                ("username", "hr.li"),
                ("password", "nope"),
                ("next", "/medals"),
            ],
        )
        .await;
    assert_eq!(r.status(), 302);
    let back = r.headers()["location"].to_str().unwrap().to_string();
    assert!(back.starts_with(&app.url("/login?next=/medals")), "{back}");
    let before = app.session_cookie(&jar).expect("the flash made a session");
    let page = app
        .get(&c, "/login?next=/medals")
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("用户名或密码不正确"), "{page}");
    assert!(
        page.contains(r#"value="hr.li""#),
        "the typed username is kept"
    );
    // Shown once only.
    let again = app
        .get(&c, "/login?next=/medals")
        .await
        .text()
        .await
        .unwrap();
    assert!(!again.contains("用户名或密码不正确"));

    let r = app
        .post_plain(
            &c,
            "/sfn/auth/login",
            "/login?next=/medals",
            &[
                ("username", "hr.li"),
                ("password", PASSWORD),
                ("next", "/medals"),
            ],
        )
        .await;
    assert_eq!(r.status(), 302);
    assert_eq!(r.headers()["location"], "/medals");
    assert_ne!(
        Some(before),
        app.session_cookie(&jar),
        "the session id changes at login"
    );
    // `next` never leaves the site.
    let c2 = app.client();
    let r = app
        .post_plain(
            &c2,
            "/sfn/auth/login",
            "/login",
            &[
                ("username", "hr.li"),
                ("password", PASSWORD),
                ("next", "//evil.example/"),
            ],
        )
        .await;
    assert_eq!(r.headers()["location"], "/");
}
both!(
    plain_form_login_works_without_javascript,
    super::plain_form_login_works_without_javascript
);

async fn setup_link_creates_the_owner_once(b: Backend) {
    let app = spawn_app(b).await;
    let token = medal_server::session::auth::issue_setup_token(&app.db)
        .await
        .unwrap()
        .expect("no admin yet");
    let c = app.client();
    let bad = app
        .post(
            &c,
            "/sfn/auth/setup",
            &[
                ("token", "guess"),
                ("username", "owner1"),
                ("password", "long enough pw"),
            ],
        )
        .await;
    assert_eq!(bad.status(), 422);
    let ok = app
        .post(
            &c,
            "/sfn/auth/setup",
            &[
                ("token", &token),
                ("username", "owner1"),
                ("password", "long enough pw"),
            ],
        )
        .await;
    assert_eq!(ok.status(), 200, "{}", ok.text().await.unwrap());
    let me: serde_json::Value = app
        .post(&c, "/sfn/auth/me", &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(me["role"], "Owner");
    let again = app
        .post(
            &app.client(),
            "/sfn/auth/setup",
            &[
                ("token", &token),
                ("username", "owner2"),
                ("password", "long enough pw"),
            ],
        )
        .await;
    assert_eq!(again.status(), 422, "a used link does nothing");
    assert!(medal_server::session::auth::issue_setup_token(&app.db)
        .await
        .unwrap()
        .is_none());
}
both!(
    setup_link_creates_the_owner_once,
    super::setup_link_creates_the_owner_once
);

async fn health_endpoints(b: Backend) {
    let app = spawn_app(b).await;
    let c = app.client();
    assert_eq!(app.get(&c, "/healthz").await.status(), 200);
    let r = app.get(&c, "/readyz").await;
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains(match b {
        Backend::Sqlite => "sqlite",
        Backend::Postgres => "postgres",
    }));
}
both!(health_endpoints, super::health_endpoints);
