//! `dingtalk-sim`: the DingTalk simulator on its own port.

use std::net::SocketAddr;
use std::time::Duration;

use clap::Parser;
use dingtalk::sim::{self, AppSpec, GroupSpec, RobotSpec, SimConfig, Simulator, UserSpec};

#[derive(Parser, Debug)]
#[command(
    name = "dingtalk-sim",
    about = "A DingTalk-compatible simulator (robots, app, honours)"
)]
struct Args {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:3100", env = "DINGTALK_SIM_LISTEN")]
    listen: SocketAddr,
    /// Messages per robot per window.
    #[arg(long, default_value_t = 20)]
    rate_limit: u32,
    /// Rate window in seconds.
    #[arg(long, default_value_t = 60)]
    rate_window_secs: u64,
    /// Penalty after exceeding the rate, in seconds.
    #[arg(long, default_value_t = 600)]
    penalty_secs: u64,
    /// Create a demo group with a signed robot, an app and two users, and print their credentials.
    #[arg(long)]
    seed: bool,
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();
    let args = Args::parse();
    let simulator = Simulator::new(SimConfig {
        rate_limit: args.rate_limit,
        rate_window: Duration::from_secs(args.rate_window_secs),
        penalty: Duration::from_secs(args.penalty_secs),
        ..SimConfig::default()
    });
    if args.seed {
        seed(&simulator, args.listen);
    }
    let listener = tokio::net::TcpListener::bind(args.listen).await?;
    tracing::info!(
        "dingtalk-sim listening on http://{}/",
        listener.local_addr()?
    );
    let app = sim::router::<()>(simulator);
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await
}

fn seed(sim: &Simulator, listen: SocketAddr) {
    let zhang = sim.create_user(UserSpec::new("张三", "13800000001"));
    let li = sim.create_user(UserSpec::new("李四", "13800000002"));
    let group = sim.create_group(GroupSpec {
        name: "研发部".into(),
        members: vec![zhang.userid.clone(), li.userid.clone()],
        ..GroupSpec::default()
    });
    let robot = sim
        .create_robot(RobotSpec {
            name: "勋章播报".into(),
            ..RobotSpec::signed(&group.open_conversation_id, &["勋章"])
        })
        .unwrap_or_else(|e| panic!("seed robot: {e}"));
    let app = sim.create_app(AppSpec::default());
    sim.add_app_robot_to_group(&app.robot_code, &group.open_conversation_id);
    println!("group:   {} ({})", group.name, group.open_conversation_id);
    println!("webhook: http://{listen}/{}", robot.webhook_path);
    println!("secret:  {}", robot.secret.unwrap_or_default());
    println!("keyword: 勋章");
    println!(
        "app:     appKey={} appSecret={} robotCode={}",
        app.app_key, app.app_secret, app.robot_code
    );
    println!(
        "users:   {} {} / {} {}",
        zhang.userid, zhang.mobile, li.userid, li.mobile
    );
}
