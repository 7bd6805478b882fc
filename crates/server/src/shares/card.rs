//! Card composition: escaped user text, icon, @mention, keyword footer, digest; and the preview.

use crate::awards::db::AWARD_JOIN;
use crate::error::AppError;
use crate::infra::Db;
use crate::shares::CardOptions;
use crate::with_db;
use dingtalk::message::dingtalk_open_link;
use dingtalk::{At, Message};
use medal_core::Msg;

/// Above this many awards the share form offers (and pre-selects) one digest per group.
pub const DIGEST_FROM: usize = 5;

/// Most awards in one share request.
pub const MAX_AWARDS: usize = 200;

/// Makes user text inert inside DingTalk markdown: characters that start markup become their
/// full-width look-alikes (DingTalk's markdown has no backslash escapes), line breaks become
/// spaces so no line can start a heading, quote or list.
pub fn escape_md(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '*' => '＊',
            '_' => '＿',
            '[' => '［',
            ']' => '］',
            '(' => '（',
            ')' => '）',
            '!' => '！',
            '#' => '＃',
            '>' => '＞',
            '<' => '＜',
            '`' => '｀',
            '|' => '｜',
            '~' => '～',
            '\\' => '＼',
            '\n' | '\r' | '\t' => ' ',
            c if c.is_control() => ' ',
            c => c,
        })
        .collect::<String>()
        .trim()
        .to_string()
}

#[derive(sqlx::FromRow, Clone, Debug)]
pub struct AwardCardRow {
    pub id: i64,
    pub medal_name: String,
    pub icon_preset: Option<String>,
    pub icon_sha: Option<String>,
    pub staff_name: String,
    pub mobile: Option<String>,
    pub dingtalk_user_id: Option<String>,
    pub reason: String,
    pub awarded_at: i64,
    pub public_token: String,
}

/// Parses "1,2,3" (spaces allowed), keeping the order, without duplicates.
pub fn parse_ids(s: &str) -> Result<Vec<i64>, AppError> {
    let mut out = Vec::new();
    for part in s
        .split(|c: char| c == ',' || c.is_whitespace())
        .filter(|p| !p.is_empty())
    {
        let id: i64 = part.parse().map_err(|_| {
            AppError::field(
                "awards",
                Msg::new("勋章记录编号格式不对", "The award ids are not valid"),
            )
        })?;
        if !out.contains(&id) {
            out.push(id);
        }
    }
    if out.is_empty() {
        return Err(AppError::field(
            "awards",
            Msg::new("没有选择要分享的勋章记录", "No award was chosen to share"),
        ));
    }
    if out.len() > MAX_AWARDS {
        return Err(AppError::field(
            "awards",
            Msg::new(
                format!("一次最多分享 {MAX_AWARDS} 条勋章记录"),
                format!("At most {MAX_AWARDS} awards per share"),
            ),
        ));
    }
    Ok(out)
}

/// The awards (not revoked) in the order asked.
pub async fn award_rows(db: &Db, ids: &[i64]) -> Result<Vec<AwardCardRow>, AppError> {
    let placeholders: Vec<String> = (1..=ids.len()).map(|i| format!("${i}")).collect();
    let sql = format!(
        "SELECT a.id, m.name AS medal_name, m.icon_preset, i.sha256 AS icon_sha, s.name AS staff_name, s.mobile, \
         s.dingtalk_user_id, a.reason, a.awarded_at, a.public_token \
         FROM {AWARD_JOIN} WHERE a.revoked_at IS NULL AND a.id IN ({})",
        placeholders.join(", ")
    );
    let mut rows = with_db!(db, p => {
        let mut q = sqlx::query_as::<_, AwardCardRow>(&sql);
        for id in ids {
            q = q.bind(id);
        }
        q.fetch_all(p).await
    })
    .map_err(AppError::from)?;
    rows.sort_by_key(|r| ids.iter().position(|i| *i == r.id));
    if rows.len() != ids.len() {
        return Err(AppError::field(
            "awards",
            Msg::new(
                "有勋章记录不存在或已撤销",
                "Some awards do not exist or were revoked",
            ),
        ));
    }
    Ok(rows)
}

fn date(ms: i64) -> String {
    crate::ui::fmt_date(ms)
}

fn icon_url(base: &str, r: &AwardCardRow) -> String {
    let path =
        crate::medals::icons::medal_icon_url(r.icon_preset.as_deref(), r.icon_sha.as_deref());
    format!("{base}{path}")
}

fn award_link(base: &str, r: &AwardCardRow, sidebar: bool) -> String {
    let url = format!("{base}/a/{}", r.public_token);
    if sidebar {
        dingtalk_open_link(&url, true)
    } else {
        url
    }
}

/// The @mention for a winner: their DingTalk userId when it is a valid one. Mobiles are never
/// used (the group would read the number) and a stored userId that is not a plain identifier is
/// not either (it would be markup in the card).
pub(crate) fn mention(r: &AwardCardRow) -> Option<medal_core::UserId> {
    medal_core::UserId::valid(r.dingtalk_user_id.as_deref())
}

/// " @userId" after a winner's name when mentions are on.
fn inline_mention(o: &CardOptions, r: &AwardCardRow) -> String {
    match mention(r) {
        Some(u) if o.mention => format!(" @{u}"),
        _ => String::new(),
    }
}

fn at_for(rows: &[AwardCardRow]) -> Option<At> {
    let mut ids: Vec<String> = Vec::new();
    for u in rows.iter().filter_map(mention) {
        if !ids.iter().any(|i| i == u.as_str()) && ids.len() < 50 {
            ids.push(u.as_str().to_string());
        }
    }
    (!ids.is_empty()).then(|| At::user_ids(ids))
}

/// Builds the message one group receives. `keywords` are the group robot's: when the card
/// contains none of them, a short footer with the first is added.
pub fn compose(
    rows: &[AwardCardRow],
    o: &CardOptions,
    base: &str,
    org: &str,
    keywords: &[String],
) -> Message {
    let personal = escape_md(&o.message);
    let org = escape_md(org);
    let digest = o.digest || rows.len() > 1;
    let (title, mut text, button) = if digest {
        let mut t = format!("### 🏅 勋章喜报（{} 人）\n\n", rows.len());
        if !personal.is_empty() {
            t.push_str(&format!("> {personal}\n\n"));
        }
        for (i, r) in rows.iter().enumerate() {
            t.push_str(&format!(
                "{}. **{}**{} 获得「{}」：{}（{}） [查看详情]({})\n",
                i + 1,
                escape_md(&r.staff_name),
                inline_mention(o, r),
                escape_md(&r.medal_name),
                escape_md(&r.reason),
                date(r.awarded_at),
                award_link(base, r, o.sidebar)
            ));
        }
        (format!("勋章喜报：{} 人获得勋章", rows.len()), t, None)
    } else {
        let r = &rows[0];
        let mut t = format!(
            "![{}]({})\n\n### 🏅 {}\n\n**{}**{} 获得「{}」勋章\n\n",
            escape_md(&r.medal_name),
            icon_url(base, r),
            escape_md(&r.medal_name),
            escape_md(&r.staff_name),
            inline_mention(o, r),
            escape_md(&r.medal_name)
        );
        if !personal.is_empty() {
            t.push_str(&format!("> {personal}\n\n"));
        }
        t.push_str(&format!(
            "**颁发原因**：{}  \n**日期**：{}",
            escape_md(&r.reason),
            date(r.awarded_at)
        ));
        let title = format!("{} 获得「{}」", r.staff_name.trim(), r.medal_name.trim());
        (title, t, Some(award_link(base, r, o.sidebar)))
    };
    if !org.is_empty() {
        text.push_str(&format!("\n\n—— {org}"));
    }
    let build = |text: String| -> Message {
        let msg = match (&button, o.style.as_str()) {
            (Some(url), "markdown") => {
                Message::markdown(title.clone(), format!("{text}\n\n[查看详情]({url})"))
            }
            (Some(url), _) => Message::action_card(title.clone(), text, "查看详情", url.clone()),
            (None, _) => Message::markdown(title.clone(), text),
        };
        match (o.mention, at_for(rows)) {
            (true, Some(at)) => msg.with_at(at).ensure_mentions_in_text(),
            _ => msg,
        }
    };
    let msg = build(text.clone());
    if !keywords.is_empty() && !msg.contains_any_keyword(keywords) {
        text.push_str(&format!("\n\n#### {}", escape_md(&keywords[0])));
        return build(text);
    }
    msg
}

pub(crate) fn valid_options(o: &CardOptions) -> Result<CardOptions, AppError> {
    let message = medal_core::text::bounded(&o.message, 0, 200, ("寄语", "The message"))
        .map_err(|m| AppError::field("message", m))?;
    let style = if o.style == "markdown" {
        "markdown"
    } else {
        "action_card"
    }
    .to_string();
    Ok(CardOptions {
        message,
        style,
        ..o.clone()
    })
}

/// The card drawn by the simulator's renderer, with the winners as the people it knows.
pub fn card_html(msg: &Message, rows: &[AwardCardRow]) -> String {
    let users: Vec<dingtalk::sim::UserInfo> = rows
        .iter()
        .filter_map(|r| {
            mention(r).map(|u| dingtalk::sim::UserInfo {
                userid: u.as_str().to_string(),
                name: r.staff_name.clone(),
                mobile: r.mobile.clone().unwrap_or_default(),
                active: true,
            })
        })
        .collect();
    dingtalk::sim::render_card_html(msg, &users)
}
