//! `/`: every simulated group as a chat, cards rendered the way DingTalk shows them.
//! Self-contained HTML (no scripts, no external assets); everything rendered is escaped.

use std::fmt::Write as _;

use axum::extract::{OriginalUri, State};
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::Router;

use super::{Received, RobotInfo, Simulator, UserInfo};
use crate::message::{At, BtnOrientation, Message};

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

/// HTML-escapes text (also safe inside quoted attributes).
pub(crate) fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// Only http(s), dingtalk: and relative URLs are linked; anything else becomes `#`.
fn safe_url(url: &str) -> String {
    let u = url.trim();
    let lower = u.to_ascii_lowercase();
    if lower.starts_with("http://")
        || lower.starts_with("https://")
        || lower.starts_with("dingtalk://")
        || (u.starts_with('/') && !u.starts_with("//"))
    {
        esc(u)
    } else {
        "#".into()
    }
}

/// `@token` → display name, for highlighting.
pub(crate) struct Mentions {
    items: Vec<(String, String)>,
}

impl Mentions {
    pub(crate) fn new(at: Option<&At>, users: &[UserInfo]) -> Self {
        let mut items = Vec::new();
        if let Some(at) = at {
            for m in &at.at_mobiles {
                let name = users
                    .iter()
                    .find(|u| &u.mobile == m)
                    .map(|u| u.name.clone())
                    .unwrap_or_else(|| m.clone());
                items.push((m.clone(), name));
            }
            for id in &at.at_user_ids {
                let name = users
                    .iter()
                    .find(|u| &u.userid == id)
                    .map(|u| u.name.clone())
                    .unwrap_or_else(|| id.clone());
                items.push((id.clone(), name));
            }
            if at.is_at_all {
                items.push(("所有人".into(), "所有人".into()));
                items.push(("all".into(), "所有人".into()));
            }
        }
        // longest first so `@123` does not shadow `@1234`
        items.sort_by_key(|(k, _)| std::cmp::Reverse(k.len()));
        Mentions { items }
    }

    #[cfg(test)]
    fn none() -> Self {
        Mentions { items: Vec::new() }
    }

    fn matches(&self, rest: &str) -> Option<(usize, &str)> {
        self.items
            .iter()
            .find(|(k, _)| !k.is_empty() && rest.starts_with(k.as_str()))
            .map(|(k, n)| (k.len(), n.as_str()))
    }
}

/// Inline markdown: images, links, **bold**, *italic*, @mentions. Everything else escaped.
fn inline(s: &str, m: &Mentions, links: bool) -> String {
    let mut out = String::new();
    let mut i = 0;
    while i < s.len() {
        let rest = &s[i..];
        if links && rest.starts_with("![") {
            if let Some((alt, url, used)) = bracket_paren(&rest[1..]) {
                let _ = write!(
                    out,
                    r#"<img class="md-img" src="{}" alt="{}">"#,
                    safe_url(url),
                    esc(alt)
                );
                i += 1 + used;
                continue;
            }
        }
        if links && rest.starts_with('[') {
            if let Some((text, url, used)) = bracket_paren(rest) {
                let _ = write!(
                    out,
                    r#"<a href="{}" target="_blank" rel="noopener noreferrer">{}</a>"#,
                    safe_url(url),
                    inline(text, m, false)
                );
                i += used;
                continue;
            }
        }
        if let Some(after) = rest.strip_prefix("**") {
            if let Some(end) = after.find("**").filter(|e| *e > 0) {
                let _ = write!(out, "<strong>{}</strong>", inline(&after[..end], m, links));
                i += 2 + end + 2;
                continue;
            }
        }
        if let Some(after) = rest.strip_prefix('*') {
            if !after.starts_with(' ') && !after.starts_with('*') {
                if let Some(end) = after.find('*').filter(|e| *e > 0) {
                    let _ = write!(out, "<em>{}</em>", inline(&after[..end], m, links));
                    i += 1 + end + 1;
                    continue;
                }
            }
        }
        if let Some(after) = rest.strip_prefix('@') {
            if let Some((len, name)) = m.matches(after) {
                let _ = write!(out, r#"<span class="at">@{}</span>"#, esc(name));
                i += 1 + len;
                continue;
            }
        }
        let c = rest.chars().next().unwrap_or(' ');
        out.push_str(&esc(&c.to_string()));
        i += c.len_utf8();
    }
    out
}

/// Parses `[text](url)` at the start of `s`; returns (text, url, bytes used).
fn bracket_paren(s: &str) -> Option<(&str, &str, usize)> {
    let inner = s.strip_prefix('[')?;
    let close = inner.find("](")?;
    let text = &inner[..close];
    if text.contains('\n') {
        return None;
    }
    let after = &inner[close + 2..];
    let end = after.find(')')?;
    let url = &after[..end];
    if url.contains(char::is_whitespace) {
        return None;
    }
    Some((text, url, 1 + close + 2 + end + 1))
}

/// DingTalk's markdown subset: headings, quotes, lists, paragraphs with line breaks, inline.
pub(crate) fn markdown(src: &str, m: &Mentions) -> String {
    let mut out = String::new();
    let mut list: Option<&'static str> = None;
    let mut para = false;
    let close_list = |out: &mut String, list: &mut Option<&'static str>| {
        if let Some(tag) = list.take() {
            let _ = write!(out, "</{tag}>");
        }
    };
    let close_para = |out: &mut String, para: &mut bool| {
        if *para {
            out.push_str("</p>");
            *para = false;
        }
    };
    for raw in src.split('\n') {
        let line = raw.trim();
        if line.is_empty() {
            close_list(&mut out, &mut list);
            close_para(&mut out, &mut para);
            continue;
        }
        let hashes = line.chars().take_while(|c| *c == '#').count();
        if (1..=6).contains(&hashes) && line[hashes..].starts_with(' ') {
            close_list(&mut out, &mut list);
            close_para(&mut out, &mut para);
            let _ = write!(
                out,
                "<h{hashes}>{}</h{hashes}>",
                inline(line[hashes..].trim(), m, true)
            );
            continue;
        }
        if let Some(q) = line.strip_prefix('>') {
            close_list(&mut out, &mut list);
            close_para(&mut out, &mut para);
            let _ = write!(
                out,
                "<blockquote>{}</blockquote>",
                inline(q.trim(), m, true)
            );
            continue;
        }
        let ul = ["- ", "* ", "+ "].iter().find_map(|p| line.strip_prefix(p));
        let ol = {
            let digits = line.chars().take_while(char::is_ascii_digit).count();
            if digits > 0 {
                line[digits..].strip_prefix(". ")
            } else {
                None
            }
        };
        if let Some((tag, item)) = ul.map(|i| ("ul", i)).or(ol.map(|i| ("ol", i))) {
            close_para(&mut out, &mut para);
            if list != Some(tag) {
                close_list(&mut out, &mut list);
                let _ = write!(out, "<{tag}>");
                list = Some(tag);
            }
            let _ = write!(out, "<li>{}</li>", inline(item.trim(), m, true));
            continue;
        }
        close_list(&mut out, &mut list);
        if para {
            out.push_str("<br>");
        } else {
            out.push_str("<p>");
            para = true;
        }
        out.push_str(&inline(line, m, true));
    }
    close_list(&mut out, &mut list);
    close_para(&mut out, &mut para);
    out
}

fn plain_text(s: &str, m: &Mentions) -> String {
    s.split('\n')
        .map(|line| {
            // plain text: no markdown, only mentions
            let mut out = String::new();
            let mut i = 0;
            while i < line.len() {
                let rest = &line[i..];
                if let Some(after) = rest.strip_prefix('@') {
                    if let Some((len, name)) = m.matches(after) {
                        let _ = write!(out, r#"<span class="at">@{}</span>"#, esc(name));
                        i += 1 + len;
                        continue;
                    }
                }
                let c = rest.chars().next().unwrap_or(' ');
                out.push_str(&esc(&c.to_string()));
                i += c.len_utf8();
            }
            out
        })
        .collect::<Vec<_>>()
        .join("<br>")
}

/// One received message as DingTalk shows it.
pub(crate) fn render_card(msg: &Message, users: &[UserInfo]) -> String {
    let m = Mentions::new(msg.at(), users);
    let mut out = String::new();
    match msg {
        Message::Text { text, .. } => {
            let _ = write!(
                out,
                r#"<div class="bubble">{}</div>"#,
                plain_text(&text.content, &m)
            );
        }
        Message::Markdown { markdown: md, .. } => {
            let _ = write!(
                out,
                r#"<div class="card md">{}</div>"#,
                markdown(&md.text, &m)
            );
        }
        Message::ActionCard {
            action_card: ac, ..
        } => {
            let _ = write!(
                out,
                r#"<div class="card action"><div class="card-body">{}</div>"#,
                markdown(&ac.text, &m)
            );
            let buttons: Vec<(String, String)> = match (&ac.single_title, &ac.single_url) {
                (Some(t), Some(u)) => vec![(t.clone(), u.clone())],
                _ => ac
                    .btns
                    .iter()
                    .map(|b| (b.title.clone(), b.action_url.clone()))
                    .collect(),
            };
            let dir = match ac.btn_orientation {
                BtnOrientation::Horizontal => "horizontal",
                BtnOrientation::Vertical => "vertical",
            };
            let _ = write!(out, r#"<div class="btns {dir}">"#);
            for (t, u) in buttons {
                let _ = write!(
                    out,
                    r#"<a class="btn" href="{}" target="_blank" rel="noopener noreferrer">{}</a>"#,
                    safe_url(&u),
                    esc(&t)
                );
            }
            out.push_str("</div></div>");
        }
        Message::Link { link } => {
            let _ = write!(
                out,
                r#"<a class="card link" href="{}" target="_blank" rel="noopener noreferrer"><div class="link-title">{}</div><div class="link-row"><p>{}</p>"#,
                safe_url(&link.message_url),
                esc(&link.title),
                esc(&link.text)
            );
            if !link.pic_url.is_empty() {
                let _ = write!(out, r#"<img src="{}" alt="">"#, safe_url(&link.pic_url));
            }
            out.push_str("</div></a>");
        }
        Message::FeedCard { feed_card } => {
            out.push_str(r#"<div class="card feed">"#);
            for (i, l) in feed_card.links.iter().enumerate() {
                let class = if i == 0 { "feed-top" } else { "feed-row" };
                let _ = write!(
                    out,
                    r#"<a class="{class}" href="{}" target="_blank" rel="noopener noreferrer"><span>{}</span>"#,
                    safe_url(&l.message_url),
                    esc(&l.title)
                );
                if !l.pic_url.is_empty() {
                    let _ = write!(out, r#"<img src="{}" alt="">"#, safe_url(&l.pic_url));
                }
                out.push_str("</a>");
            }
            out.push_str("</div>");
        }
    }
    out
}

fn clock(at_ms: i64) -> String {
    // China Standard Time (UTC+8), what DingTalk users see
    let secs = at_ms.div_euclid(1000) + 8 * 3600;
    let day = secs.rem_euclid(86_400);
    format!("{:02}:{:02}:{:02}", day / 3600, (day % 3600) / 60, day % 60)
}

fn render_message(r: &Received, users: &[UserInfo]) -> String {
    let avatar: String = r.sender.chars().next().unwrap_or('机').to_string();
    let via = match r.via.as_str() {
        "app" => "应用机器人",
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
        render_card(&r.message, users)
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
    out.push_str("</main></body></html>");
    out
}

fn urlencode_path(s: &str) -> String {
    crate::sign::urlencode(s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::{ActionButton, FeedLink};

    #[test]
    fn markdown_subset() {
        let m = Mentions::none();
        let html = markdown(
            "### 标题\n**粗体** 和 *斜体*\n> 引用\n- a\n- b\n1. x\n2. y\n[链接](https://x.cn/a?b=1&c=2)\n![图](https://x.cn/p.png)",
            &m,
        );
        assert!(html.contains("<h3>标题</h3>"), "{html}");
        assert!(html.contains("<strong>粗体</strong>"));
        assert!(html.contains("<em>斜体</em>"));
        assert!(html.contains("<blockquote>引用</blockquote>"));
        assert!(html.contains("<ul><li>a</li><li>b</li></ul>"));
        assert!(html.contains("<ol><li>x</li><li>y</li></ol>"));
        assert!(html.contains(r#"href="https://x.cn/a?b=1&amp;c=2""#));
        assert!(html.contains(r#"<img class="md-img" src="https://x.cn/p.png" alt="图">"#));
    }

    #[test]
    fn everything_is_escaped() {
        let m = Mentions::none();
        let html = markdown(
            "<script>alert(1)</script> [x](javascript:alert(1)) ![a\"b](https://x/\"onerror=1)",
            &m,
        );
        assert!(!html.contains("<script>"));
        assert!(!html.contains("javascript:"));
        assert!(!html.contains("\"onerror"));
        let card = render_card(
            &Message::action_card("t", "x", "<b>", "javascript:alert(1)"),
            &[],
        );
        assert!(card.contains("&lt;b&gt;"));
        assert!(card.contains(r##"href="#""##));
    }

    #[test]
    fn mentions_are_highlighted_with_names() {
        let users = vec![UserInfo {
            userid: "u1".into(),
            name: "张三".into(),
            mobile: "13800000000".into(),
            active: true,
        }];
        let msg = Message::text("恭喜 @13800000000 和 @u2").with_at(At {
            at_mobiles: vec!["13800000000".into()],
            at_user_ids: vec!["u2".into()],
            is_at_all: false,
        });
        let html = render_card(&msg, &users);
        assert!(html.contains(r#"<span class="at">@张三</span>"#), "{html}");
        assert!(html.contains(r#"<span class="at">@u2</span>"#));
    }

    #[test]
    fn cards() {
        let multi = Message::action_card_buttons(
            "t",
            "## 恭喜",
            vec![
                ActionButton::new("查看", "https://a"),
                ActionButton::new("点赞", "https://b"),
            ],
            BtnOrientation::Horizontal,
        );
        let html = render_card(&multi, &[]);
        assert!(html.contains("btns horizontal") && html.contains("点赞"));
        let feed = render_card(
            &Message::feed_card(vec![
                FeedLink::new("一", "https://a", "https://p"),
                FeedLink::new("二", "https://b", ""),
            ]),
            &[],
        );
        assert!(feed.contains("feed-top") && feed.contains("feed-row"));
        let link = render_card(
            &Message::link("标题", "正文", "https://a", "https://p"),
            &[],
        );
        assert!(link.contains("link-title"));
        assert_eq!(clock(0), "08:00:00");
    }
}
