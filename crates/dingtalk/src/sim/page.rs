//! `/`: every simulated group as a chat, cards rendered the way DingTalk shows them.
//! Self-contained HTML (no scripts, no external assets); everything rendered is escaped.

use std::fmt::Write as _;

use axum::extract::{OriginalUri, State};
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::Router;

use super::page_parts as parts;
use super::{Received, RobotInfo, Simulator, UserInfo};
use crate::message::Message;
use crate::preview::{self, Person};

pub(super) fn routes() -> Router<Simulator> {
    Router::new().route("/", get(page))
}

async fn page(State(sim): State<Simulator>, OriginalUri(uri): OriginalUri) -> Response {
    page_response(&sim, uri.path())
}

/// The page for a request to `path`. Relative links resolve against a `<base>` that ends with
/// `/`, so the page works at `/sim` as well as at `/sim/`.
pub(crate) fn page_response(sim: &Simulator, path: &str) -> Response {
    let base = if path.ends_with('/') {
        path.to_owned()
    } else {
        format!("{path}/")
    };
    (
        StatusCode::OK,
        [(header::CACHE_CONTROL, "no-store")],
        Html(render_page(sim, &base)),
    )
        .into_response()
}

pub(crate) use crate::preview::html::esc;

/// One received message as DingTalk shows it (see [`crate::preview`]).
pub(crate) fn render_card(msg: &Message, users: &[UserInfo]) -> String {
    let people: Vec<Person> = users
        .iter()
        .map(|u| Person {
            userid: u.userid.clone(),
            mobile: u.mobile.clone(),
            name: u.name.clone(),
        })
        .collect();
    preview::html::render(&preview::card_view(msg, &people))
}

fn clock(at_ms: i64) -> String {
    // China Standard Time (UTC+8), what DingTalk users see
    let secs = at_ms.div_euclid(1000) + 8 * 3600;
    let day = secs.rem_euclid(86_400);
    format!("{:02}:{:02}:{:02}", day / 3600, (day % 3600) / 60, day % 60)
}

pub(super) fn render_message(r: &Received, users: &[UserInfo]) -> String {
    let avatar: String = r.sender.chars().next().unwrap_or('机').to_string();
    let via = match r.via.as_str() {
        "app" => "应用机器人",
        "chat" => "应用消息（chat/send）",
        "oto" => "机器人单聊",
        "card" => "互动卡片",
        "notice" => "工作通知",
        "honour" => "组织荣誉",
        _ => "自定义机器人",
    };
    let hide_avatar = matches!(&r.message, Message::ActionCard { action_card, .. } if action_card.hide_avatar.as_deref() == Some("1"));
    let mut out = String::new();
    let _ = write!(
        out,
        r#"<div class="msg" id="m{}">{}<div class="msg-main"><div class="who">{} <span class="tag">{}</span> <time>{}</time></div>{}"#,
        r.seq,
        if hide_avatar {
            String::new()
        } else {
            format!(r#"<div class="avatar">{}</div>"#, esc(&avatar))
        },
        esc(&r.sender),
        via,
        clock(r.at_ms),
        match &r.card {
            Some(c) => parts::render_template_card(c),
            None => render_card(&r.message, users),
        }
    );
    if let Some(at) = r.message.at() {
        if at.is_at_all && !r.message.searchable_text().contains("@所有人") {
            out.push_str(r#"<div class="at-line"><span class="at">@所有人</span></div>"#);
        }
    }
    out.push_str("</div></div>");
    out
}

fn robot_chip(r: &RobotInfo) -> String {
    let mut s = format!(r#"<li class="robot">🤖 {}"#, esc(&r.name));
    if r.secret.is_some() {
        s.push_str(r#" <span class="tag">加签</span>"#);
    }
    if !r.keywords.is_empty() {
        let _ = write!(
            s,
            r#" <span class="tag">关键词：{}</span>"#,
            esc(&r.keywords.join("、"))
        );
    }
    if !r.ip_allowlist.is_empty() {
        let _ = write!(
            s,
            r#" <span class="tag">IP：{}</span>"#,
            esc(&r.ip_allowlist.join(", "))
        );
    }
    if !r.enabled {
        s.push_str(r#" <span class="tag warn">已停用</span>"#);
    }
    if r.penalty_secs > 0 {
        let _ = write!(
            s,
            r#" <span class="tag warn">限流中 {} 秒</span>"#,
            r.penalty_secs
        );
    }
    let _ = write!(
        s,
        r#" <code title="access_token">{}…</code></li>"#,
        esc(&r.access_token.chars().take(8).collect::<String>())
    );
    s
}

const CSS: &str = r#"
*{box-sizing:border-box}
body{margin:0;font:14px/1.5 -apple-system,"PingFang SC","Microsoft YaHei","Noto Sans CJK SC",sans-serif;background:#f2f3f5;color:#171a1d}
header{display:flex;align-items:baseline;gap:16px;padding:12px 20px;background:#fff;border-bottom:1px solid #e5e6eb}
header h1{font-size:18px;margin:0}header small{color:#888;font-weight:normal}
header nav a{color:#3296fa;text-decoration:none;margin-right:12px}
.groups{display:grid;grid-template-columns:repeat(auto-fill,minmax(380px,1fr));gap:16px;padding:16px}
.chat{background:#f7f8fa;border:1px solid #e5e6eb;border-radius:8px;display:flex;flex-direction:column;max-height:85vh;overflow:hidden}
.chat-head{background:#fff;padding:10px 14px;border-bottom:1px solid #e5e6eb}
.chat-head h2{font-size:16px;margin:0;display:inline}
.meta{color:#888;font-size:12px;margin-left:6px}.meta a{color:#3296fa}
.disbanded{opacity:.6}
.robots{list-style:none;margin:6px 0 0;padding:0;font-size:12px;color:#555}
.robot{margin:2px 0}
.tag{display:inline-block;background:#eef4ff;color:#3f6fc6;border-radius:3px;padding:0 4px;font-size:11px}
.tag.warn{background:#fff1f0;color:#d4380d}
.made{margin:4px 0 0;font-size:12px;color:#555}
.tpl-card{background:#fff;border:1px solid #e5e6eb;border-radius:8px;padding:10px 12px;max-width:320px}
.tpl-head{font-size:12px;color:#3296fa;margin-bottom:6px}.tpl-card dl{display:grid;grid-template-columns:auto 1fr;gap:2px 10px;margin:0;font-size:13px}.tpl-card dt{color:#888}.tpl-card dd{margin:0;word-break:break-all}
h2.section{font-size:15px;margin:20px 16px 0;color:#333}h2.section small{color:#888;font-weight:normal}
.honours{display:flex;flex-wrap:wrap;gap:12px;padding:12px 16px}.honour{background:#fff;border:1px solid #e5e6eb;border-radius:8px;padding:10px 14px;min-width:220px}.honour h3{font-size:14px;margin:0}.honour ul{margin:6px 0 0;padding-left:18px;font-size:13px}.swatch{display:inline-block;width:12px;height:12px;border-radius:3px;margin-right:6px;vertical-align:-1px}.grant.revoked{color:#999;text-decoration:line-through}
code{font-size:11px;color:#999}
.msgs{overflow-y:auto;padding:10px 12px;display:flex;flex-direction:column-reverse;gap:12px}
.empty{color:#999;text-align:center}
.msg{display:flex;gap:8px;align-items:flex-start}
.avatar{flex:none;width:36px;height:36px;border-radius:50%;background:#3296fa;color:#fff;display:flex;align-items:center;justify-content:center;font-size:15px}
.msg-main{min-width:0;flex:1;max-width:320px}
.who{font-size:12px;color:#888;margin-bottom:3px}
.who time{margin-left:4px}
.bubble{display:inline-block;max-width:100%;background:#fff;border-radius:0 8px 8px 8px;padding:8px 12px;word-wrap:break-word}
.card{display:block;background:#fff;border-radius:8px;overflow:hidden;border:1px solid #ebedf0;color:inherit;text-decoration:none}
.card.md,.card-body{padding:10px 12px;word-wrap:break-word}
.card h1,.card h2,.card h3,.card h4,.card h5,.card h6{margin:4px 0;line-height:1.3}
.card h1{font-size:20px}.card h2{font-size:18px}.card h3{font-size:16px}.card h4,.card h5,.card h6{font-size:14px}
.card p{margin:4px 0}
.card blockquote{margin:6px 0;padding:2px 8px;border-left:3px solid #dcdfe6;color:#666}
.card ul,.card ol{margin:4px 0;padding-left:20px}
.card a{color:#3296fa}
.md-img{max-width:100%;border-radius:4px;display:block;margin:4px 0}
.btns{display:flex;border-top:1px solid #ebedf0}
.btns.vertical{flex-direction:column}
.btns.horizontal>.btn+.btn{border-left:1px solid #ebedf0}
.btns.vertical>.btn+.btn{border-top:1px solid #ebedf0}
.btn{flex:1;text-align:center;padding:9px 6px;color:#3296fa!important;text-decoration:none}
.link{padding:10px 12px}
.link-title{font-weight:600;margin-bottom:4px}
.link-row{display:flex;gap:8px}.link-row p{margin:0;color:#666;flex:1;font-size:13px}
.link-row img{width:48px;height:48px;object-fit:cover;border-radius:4px}
.feed a{display:flex;color:inherit;text-decoration:none;align-items:center}
.feed-top{position:relative;min-height:60px;background:#e8ecf3;flex-direction:column}
.feed-top img{width:100%;max-height:160px;object-fit:cover}
.feed-top span{position:absolute;bottom:0;left:0;right:0;padding:6px 10px;background:linear-gradient(transparent,rgba(0,0,0,.6));color:#fff}
.feed-row{padding:8px 10px;border-top:1px solid #ebedf0;justify-content:space-between;gap:8px}
.feed-row img{width:40px;height:40px;object-fit:cover;border-radius:4px}
.at{color:#3296fa;font-weight:500}
.at-line{margin-top:3px;font-size:12px}
.none{padding:40px;text-align:center;color:#888}
"#;

/// The whole page.
pub(crate) fn render_page(sim: &Simulator, base: &str) -> String {
    let snap = sim.snapshot();
    let refresh = sim.config().page_refresh_secs;
    let mut out = String::new();
    out.push_str(r#"<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">"#);
    let _ = write!(out, r#"<base href="{}">"#, esc(base));
    if refresh > 0 {
        let _ = write!(out, r#"<meta http-equiv="refresh" content="{refresh}">"#);
    }
    let _ = write!(
        out,
        r#"<title>钉钉模拟器</title><style>{CSS}</style></head><body><header><h1>钉钉模拟器 <small>DingTalk simulator</small></h1><nav><a href="./">刷新</a><a href="_control/state">状态 JSON</a><a href="_control/groups">群列表 JSON</a></nav></header>"#
    );
    if snap.groups.is_empty() {
        out.push_str(r#"<p class="none">还没有群。用 <code>POST _control/groups</code> 创建一个群，再用 <code>POST _control/robots</code> 添加机器人。</p>"#);
    }
    out.push_str(r#"<main class="groups">"#);
    for g in &snap.groups {
        let messages = sim.messages(&g.open_conversation_id);
        let _ = write!(
            out,
            r#"<section class="chat{}" id="{}"><div class="chat-head"><h2>{}</h2>"#,
            if g.disbanded { " disbanded" } else { "" },
            esc(&g.open_conversation_id),
            esc(&g.name)
        );
        if g.disbanded {
            out.push_str(r#" <span class="tag warn">已解散</span>"#);
        }
        let _ = write!(
            out,
            r#"<span class="meta">{} 人 · {} 条消息 · <a href="_control/groups/{}/messages">JSON</a></span>"#,
            g.members.len(),
            messages.len(),
            esc(&urlencode_path(&g.open_conversation_id))
        );
        if let Some(via) = &g.made_via {
            out.push_str(&parts::made_by_app(g, via, &snap.users));
        }
        let robots: Vec<&RobotInfo> = snap
            .robots
            .iter()
            .filter(|r| r.group == g.open_conversation_id)
            .collect();
        if !robots.is_empty() || !g.app_robots.is_empty() {
            out.push_str(r#"<ul class="robots">"#);
            for r in robots {
                out.push_str(&robot_chip(r));
            }
            for code in &g.app_robots {
                let _ = write!(
                    out,
                    r#"<li class="robot">🤖 应用机器人 <code>{}</code></li>"#,
                    esc(code)
                );
            }
            out.push_str("</ul>");
        }
        out.push_str(r#"</div><div class="msgs">"#);
        if messages.is_empty() {
            out.push_str(r#"<p class="empty">还没有消息</p>"#);
        }
        // newest first in the document; `column-reverse` shows them oldest-to-newest and keeps
        // the view scrolled to the newest, like a chat
        for r in messages.iter().rev().take(100) {
            out.push_str(&render_message(r, &snap.users));
        }
        out.push_str("</div></section>");
    }
    out.push_str("</main>");
    out.push_str(&parts::honours(&snap.honours, &snap.users));
    out.push_str(&parts::direct_chats(sim, &snap.users));
    out.push_str("</body></html>");
    out
}

fn urlencode_path(s: &str) -> String {
    crate::sign::urlencode(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clock_is_china_time() {
        assert_eq!(clock(0), "08:00:00");
    }
}
