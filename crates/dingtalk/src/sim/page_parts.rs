//! The /sim page's parts for what the app made and sent beyond group robots: groups made through
//! the API, template cards, the organisation's honours, and each person's 1:1 chat.

use std::fmt::Write as _;

use super::page::{esc, render_message};
use crate::sim::{CardShown, GroupInfo, HonourInfo, Simulator, UserInfo};

/// A template card: its template's name and each variable with its value now.
pub(super) fn render_template_card(c: &CardShown) -> String {
    let mut out = format!(
        r#"<div class="tpl-card" data-track="{}"><div class="tpl-head">互动卡片 · {}{}</div><dl>"#,
        esc(&c.out_track_id),
        esc(&c.template_name),
        if c.updates > 0 {
            r#" <span class="tag">已更新</span>"#
        } else {
            ""
        }
    );
    for (k, v) in &c.params {
        let _ = write!(out, "<dt>{}</dt><dd>{}</dd>", esc(k), esc(v));
    }
    out.push_str("</dl></div>");
    out
}

/// Who made a group through the API, its chatid, owner and members by name.
pub(super) fn made_by_app(g: &GroupInfo, via: &str, users: &[UserInfo]) -> String {
    let name = |id: &str| name_of(users, id);
    let how = if via == "scenegroup" {
        "应用创建的场景群"
    } else {
        "应用创建（chat/create）"
    };
    let members: Vec<String> = g.members.iter().map(|m| esc(&name(m))).collect();
    format!(
        r#"<p class="made"><span class="tag">{how}</span> chatid <code>{}</code> · 群主 {} · 成员 <span class="members">{}</span></p>"#,
        esc(&g.chat_id),
        esc(&name(g.owner.as_deref().unwrap_or(""))),
        members.join("、")
    )
}

/// The organisation's honours (组织荣誉) and who holds each.
pub(super) fn honours(list: &[HonourInfo], users: &[UserInfo]) -> String {
    if list.is_empty() {
        return String::new();
    }
    let name = |id: &str| name_of(users, id);
    let mut out = String::from(
        r#"<h2 class="section">组织荣誉 <small>organisation honours</small></h2><main class="honours">"#,
    );
    for h in list {
        let _ = write!(
            out,
            r#"<section class="honour" id="h-{}"><h3><span class="swatch" style="background:{}"></span>{}</h3><p class="meta">{} · <code>{}</code></p><ul>"#,
            esc(&h.honor_id),
            esc(&h.bg_color),
            esc(&h.name),
            esc(&h.description),
            esc(&h.honor_id)
        );
        for g in &h.grants {
            let _ = write!(
                out,
                r#"<li class="{}">{}{} <span class="meta">{}</span></li>"#,
                if g.revoked { "grant revoked" } else { "grant" },
                esc(&name(&g.user_id)),
                if g.revoked { "（已收回）" } else { "" },
                esc(&g.reason)
            );
        }
        out.push_str("</ul></section>");
    }
    out.push_str("</main>");
    out
}

/// Each person's 1:1 chat: what the app robot and work notices sent them.
pub(super) fn direct_chats(sim: &Simulator, users: &[UserInfo]) -> String {
    let chats = sim.direct_chats();
    if chats.is_empty() {
        return String::new();
    }
    let mut out = String::from(
        r#"<h2 class="section">单聊与工作通知 <small>1:1 chats and work notices</small></h2><main class="groups direct">"#,
    );
    for (uid, messages) in chats {
        let name = name_of(users, &uid);
        let _ = write!(
            out,
            r#"<section class="chat person" id="u-{}"><div class="chat-head"><h2>{}</h2><span class="meta"><code>{}</code> · {} 条消息</span></div><div class="msgs">"#,
            esc(&uid),
            esc(&name),
            esc(&uid),
            messages.len()
        );
        for r in messages.iter().rev().take(100) {
            out.push_str(&render_message(r, users));
        }
        out.push_str("</div></section>");
    }
    out.push_str("</main>");
    out
}

/// A person's name in the simulated organisation, else their userId.
fn name_of(users: &[UserInfo], id: &str) -> String {
    users
        .iter()
        .find(|u| u.userid == id)
        .map(|u| u.name.clone())
        .unwrap_or_else(|| id.to_owned())
}
