//! `serve --demo`: an `admin` account, sample medals, and (with the simulator) DingTalk at /sim.

use crate::error::AppError;
use crate::infra::now_ms;
use crate::infra::Config;
use crate::infra::Db;
use crate::with_db;
use axum::Router;
use dingtalk::sim::{GroupSpec, RobotSpec, SimConfig, Simulator, UserSpec};
use medal_core::medal::PRESET_ICONS;
use medal_core::Role;

/// name, description, criteria, tier, preset icon, validity days, repeatable
type Sample = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    Option<i32>,
    bool,
);

const SAMPLE_MEDALS: &[Sample] = &[
    (
        "月度之星",
        "每月表现最突出的同事",
        "部门负责人提名，HR 评定",
        "gold",
        "trophy",
        None,
        true,
    ),
    (
        "全勤达人",
        "连续 30 天按时打卡",
        "连续打卡 30 天",
        "silver",
        "calendar",
        Some(90),
        true,
    ),
    (
        "百单王者",
        "累计完成 100 个任务",
        "完成 100 个任务",
        "gold",
        "check",
        None,
        false,
    ),
    (
        "最佳拍档",
        "跨部门合作中贡献突出",
        "项目组互评前三",
        "bronze",
        "handshake",
        Some(180),
        true,
    ),
    (
        "创新火花",
        "提出被采纳的改进建议",
        "建议被采纳并落地",
        "silver",
        "bulb",
        None,
        true,
    ),
    (
        "新人启航",
        "顺利完成试用期",
        "通过试用期考核",
        "none",
        "rocket",
        None,
        false,
    ),
];

/// name, mobile, department, external id (工号)
const SAMPLE_STAFF: &[(&str, &str, &str, &str)] = &[
    ("张伟", "13800138001", "研发部", "E1001"),
    ("王芳", "13800138002", "研发部", "E1002"),
    ("李娜", "13800138003", "研发部", "E1003"),
    ("刘洋", "13800138004", "市场部", "E2001"),
    ("陈静", "13800138005", "市场部", "E2002"),
    ("杨磊", "13800138006", "销售部", "E3001"),
    ("赵敏", "13800138007", "销售部", "E3002"),
    ("黄强", "13800138008", "人力资源部", "E4001"),
    ("周杰", "13800138009", "财务部", "E5001"),
    ("吴婷", "13800138010", "客户成功部", "E6001"),
];

/// Creates the demo admin and sample data (once), and returns the routes demo mode adds.
pub async fn setup(db: &Db, config: &mut Config) -> Result<Router, AppError> {
    let exists = with_db!(db, p => sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM admins WHERE username = 'admin'")
        .fetch_one(p).await).map_err(AppError::from)?;
    if exists == 0 {
        let (password, shown) = match std::env::var("MEDALS_DEMO_PASSWORD") {
            Ok(p) if !p.is_empty() => (p, false),
            _ => (
                uuid::Uuid::new_v4().simple().to_string()[..16].to_string(),
                true,
            ),
        };
        crate::session::auth::create_admin(db, "admin", &password, Role::Owner).await?;
        if shown {
            println!("演示管理员 / demo admin: admin / {password}");
        } else {
            println!("演示管理员 / demo admin: admin (password from MEDALS_DEMO_PASSWORD)");
        }
    } else {
        println!("演示管理员 / demo admin: admin (already exists; `medals admin reset-password --username admin` sets a new password)");
    }
    let medals = with_db!(db, p => sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM medals").fetch_one(p).await)
        .map_err(AppError::from)?;
    if medals == 0 {
        let now = now_ms();
        for (i, (name, desc, criteria, tier, icon, validity, repeatable)) in
            SAMPLE_MEDALS.iter().enumerate()
        {
            debug_assert!(PRESET_ICONS.iter().any(|(k, _, _)| k == icon));
            let kind = if criteria.contains("连续") || criteria.contains("完成 100") {
                "automatic"
            } else {
                "manual"
            };
            with_db!(db, p => sqlx::query(
                "INSERT INTO medals (name, description, criteria, icon_preset, tier, kind, validity_days, repeatable, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)")
                .bind(name).bind(desc).bind(criteria).bind(icon).bind(tier).bind(kind).bind(validity).bind(repeatable)
                .bind(now - (i as i64) * 60_000).execute(p).await.map(|_| ())).map_err(AppError::from)?;
        }
    }
    let staff = with_db!(db, p => sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM staff").fetch_one(p).await)
        .map_err(AppError::from)?;
    if staff == 0 {
        let now = now_ms();
        for (name, mobile, department, external_id) in SAMPLE_STAFF {
            with_db!(db, p => sqlx::query(
                "INSERT INTO staff (name, mobile, department, external_id, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $5)")
                .bind(name).bind(mobile).bind(department).bind(external_id).bind(now)
                .execute(p).await.map(|_| ())).map_err(AppError::from)?;
        }
    }
    seed_awards(db).await?;
    // DingTalk, simulated: the app's clients talk to it, and /sim shows what each group received.
    // The server calls its own simulator at its listen address (the public URL may be a proxy's).
    let base = format!("{}/sim", config.listen_url());
    config.dingtalk_oapi_base = base.clone();
    config.dingtalk_api_base = base;
    let sim = simulator();
    crate::host::demo_share::seed_groups(db, config, &sim).await?;
    crate::host::demo_share::seed_app(db, config, &sim).await?;
    crate::host::demo_share::seed_card_template(db, &sim).await?;
    Ok(dingtalk::sim::mount(Router::new(), "/sim", sim))
}

/// A simulator with a few groups and signed robots, like a small company's DingTalk.
fn simulator() -> Simulator {
    let sim = Simulator::new(SimConfig::default());
    for (i, (name, mobile, _, _)) in SAMPLE_STAFF.iter().enumerate() {
        // The last one has left the company: the userId lookup shows how DingTalk says so.
        let active = i + 1 < SAMPLE_STAFF.len();
        let user = sim.create_user(UserSpec {
            active,
            ..UserSpec::new(*name, *mobile)
        });
        sim.add_attendance(demo_attendance(i, &user.userid));
    }
    for (name, keywords) in [
        ("全员群", vec![]),
        ("研发部", vec!["勋章".to_string()]),
        ("市场部", vec![]),
    ] {
        let group = sim.create_group(GroupSpec::named(name));
        let robot = RobotSpec {
            group: group.open_conversation_id.clone(),
            name: "勋章馆".into(),
            keywords,
            ..RobotSpec::default()
        };
        if let Err(e) = sim.create_robot(robot) {
            tracing::warn!(error = %e, "demo robot");
        }
    }
    sim
}

/// The last 40 days of clocking in for the `i`-th sample person: the first on a 29-day streak
/// ending yesterday (a "30 days in a row" rule awards them after one more day), the others with
/// a late morning or a missed day now and then.
fn demo_attendance(i: usize, user_id: &str) -> Vec<dingtalk::AttendanceRecord> {
    use dingtalk::sim::attendance_day;
    use dingtalk::TimeResult::{Late, Normal, NotSigned};
    let today = medal_core::time::china_day(crate::infra::now_ms());
    let mut out = Vec::new();
    for back in 1..=40i64 {
        let day = today - back;
        let (on, off) = match (i, back) {
            (0, b) if b <= 29 => (Normal, Normal),
            (0, _) => (NotSigned, NotSigned),
            (_, b) if (b + i as i64) % 11 == 0 => (NotSigned, NotSigned),
            (_, b) if (b * 3 + i as i64) % 7 == 0 => (Late, Normal),
            _ => (Normal, Normal),
        };
        out.extend(attendance_day(user_id, day, on, off));
    }
    out
}

/// (medal, 工号, reason, days ago) — a few months of awards so the overview, leaderboard and
/// medal walls have something to show.
const SAMPLE_AWARDS: &[(&str, &str, &str, i64)] = &[
    ("月度之星", "E1001", "带队完成支付系统迁移，零故障上线", 150),
    ("全勤达人", "E3001", "连续 30 天按时打卡", 120),
    ("最佳拍档", "E2001", "和研发部一起把发布会办得漂漂亮亮", 95),
    ("月度之星", "E3002", "单月签约额全组第一", 70),
    ("全勤达人", "E1003", "连续 30 天按时打卡", 60),
    ("百单王者", "E6001", "累计解决 100 个客户工单", 45),
    ("最佳拍档", "E1001", "跨部门支援客户成功部", 30),
    ("月度之星", "E4001", "春招提前两周完成", 12),
    ("全勤达人", "E5001", "连续 30 天按时打卡", 5),
    ("最佳拍档", "E3001", "带新人完成第一单", 2),
];

async fn seed_awards(db: &Db) -> Result<(), AppError> {
    let n = with_db!(db, p => sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM awards").fetch_one(p).await)
        .map_err(AppError::from)?;
    if n > 0 {
        return Ok(());
    }
    let now = now_ms();
    let admin: Option<i64> = with_db!(db, p => sqlx::query_scalar(
        "SELECT MIN(id) FROM admins WHERE username = 'admin'").fetch_one(p).await)?;
    for (medal, external_id, reason, days_ago) in SAMPLE_AWARDS {
        let found: Option<(i64, Option<i32>, i64)> = with_db!(db, p => sqlx::query_as(
            "SELECT m.id, m.validity_days, s.id FROM medals m, staff s \
             WHERE m.name = $1 AND m.archived_at IS NULL AND s.external_id = $2")
            .bind(medal).bind(external_id).fetch_optional(p).await)?;
        let Some((medal_id, validity, staff_id)) = found else {
            continue;
        };
        let at = now - days_ago * 86_400_000;
        let rows = [(staff_id, reason.to_string())];
        let new = crate::awards::db::NewAwards {
            medal_id,
            awarded_by_admin: admin,
            awarded_by_rule: None,
            awarded_at: at,
            expires_at: validity.map(|d| at + i64::from(d) * 86_400_000),
            batch_id: None,
            rows: &rows,
        };
        with_db!(db, p => async {
            let mut tx = p.begin().await?;
            crate::awards::db::insert_awards(&mut tx, &new).await?;
            tx.commit().await
        }.await)?;
    }
    Ok(())
}
