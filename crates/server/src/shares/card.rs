//! Card composition: escaped user text, icon, @mention, keyword footer, digest; and the preview.

use crate::awards::db::AWARD_JOIN;
use crate::error::AppError;
use crate::infra::Db;
use crate::shares::CardOptions;
use crate::with_db;
use dingtalk::message::dingtalk_open_link;
use dingtalk::preview::Person;
use dingtalk::{At, Message};
use medal_core::card::{self, Card, CardAward, CardStyle};
use medal_core::chat::CardView;
use medal_core::Msg;

/// Above this many awards the share form offers (and pre-selects) one digest per group.
pub const DIGEST_FROM: usize = 5;

/// Most awards in one share request.
pub const MAX_AWARDS: usize = 200;

/// Most awards in one digest message.
pub const DIGEST_MAX: usize = 30;

/// Most bytes of a digest message as sent (its JSON): under the app robot's 15,000-byte
/// `msgParam` and the custom robot's 20,000-byte body, with room for a group's keyword footer.
pub const DIGEST_BUDGET: usize = 12_000;

/// The awards of a digest share cut into messages of at most [`DIGEST_MAX`] awards and
/// `budget` bytes (`size` measures a message of these awards), in their order.
pub fn digest_batches(
    rows: &[AwardCardRow],
    budget: usize,
    size: impl Fn(&[AwardCardRow]) -> usize,
) -> Vec<Vec<AwardCardRow>> {
    let mut out: Vec<Vec<AwardCardRow>> = Vec::new();
    let mut cur: Vec<AwardCardRow> = Vec::new();
    for r in rows {
        cur.push(r.clone());
        if cur.len() > 1 && (cur.len() > DIGEST_MAX || size(&cur) > budget) {
            let last = cur.pop().expect("just pushed");
            out.push(std::mem::replace(&mut cur, vec![last]));
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// The size [`digest_batches`] measures: the message's JSON.
pub fn message_bytes(msg: &Message) -> usize {
    serde_json::to_string(msg)
        .map(|s| s.len())
        .unwrap_or(usize::MAX)
}

/// How a group of `kind` limits a digest: the budget and the size measured against it (groups
/// by chatid take the older `msg` object, at most 2,048 bytes).
pub fn digest_limit(kind: &str) -> (usize, fn(&Message) -> usize) {
    if kind == "chat" {
        (dingtalk::message::MAX_LEGACY_MSG_BYTES, |m| {
            dingtalk::message::legacy_msg(m)
                .map(|v| dingtalk::message::legacy_msg_len(&v))
                .unwrap_or(usize::MAX)
        })
    } else {
        (DIGEST_BUDGET, message_bytes)
    }
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

pub(crate) fn icon_url(base: &str, r: &AwardCardRow) -> String {
    let path =
        crate::medals::icons::medal_icon_url(r.icon_preset.as_deref(), r.icon_sha.as_deref());
    format!("{base}{path}")
}

pub(crate) fn award_link(base: &str, r: &AwardCardRow, sidebar: bool) -> String {
    let url = format!("{base}/a/{}", r.public_token);
    if sidebar {
        dingtalk_open_link(&url, true)
    } else {
        url
    }
}

/// The message one group receives: the neutral card (composed in `medal_core::card`) for these
/// awards, turned into the DingTalk message. `keywords` are the group robot's.
pub fn compose(
    rows: &[AwardCardRow],
    o: &CardOptions,
    base: &str,
    org: &str,
    keywords: &[String],
) -> Message {
    let awards: Vec<CardAward> = rows
        .iter()
        .map(|r| CardAward {
            medal_name: r.medal_name.clone(),
            icon_url: icon_url(base, r),
            staff_name: r.staff_name.clone(),
            user_id: mention(r),
            reason: r.reason.clone(),
            awarded_at: r.awarded_at,
            link: award_link(base, r, o.sidebar),
        })
        .collect();
    let style = CardStyle {
        message: o.message.clone(),
        markdown: o.style == "markdown",
        mention: o.mention,
        digest: o.digest,
    };
    to_message(&card::compose(&awards, &style, org, keywords))
}

/// The DingTalk message for a neutral card: an action card with its button, else markdown, with
/// its @mentions.
pub fn to_message(card: &Card) -> Message {
    let msg = match &card.button {
        Some((title, url)) => Message::action_card(
            card.title.clone(),
            card.text.clone(),
            title.clone(),
            url.clone(),
        ),
        None => Message::markdown(card.title.clone(), card.text.clone()),
    };
    if card.mentions.is_empty() {
        msg
    } else {
        msg.with_at(At::user_ids(card.mentions.clone()))
    }
}

/// The @mention for a winner: their DingTalk userId when it is a valid one. Mobiles are never
/// used (the group would read the number) and a stored userId that is not a plain identifier is
/// not either (it would be markup in the card).
pub(crate) fn mention(r: &AwardCardRow) -> Option<medal_core::UserId> {
    medal_core::UserId::valid(r.dingtalk_user_id.as_deref())
}

/// The card template a share style names (`template:<id>`).
pub fn template_of(style: &str) -> Option<i64> {
    style.strip_prefix("template:")?.parse().ok()
}

pub(crate) fn valid_options(o: &CardOptions) -> Result<CardOptions, AppError> {
    let message = medal_core::text::bounded(&o.message, 0, 200, ("寄语", "The message"))
        .map_err(|m| AppError::field("message", m))?;
    let style = match o.style.as_str() {
        "markdown" => "markdown".to_string(),
        s if template_of(s).is_some() => s.to_string(),
        _ => "action_card".to_string(),
    };
    Ok(CardOptions {
        message,
        style,
        ..o.clone()
    })
}

/// The card as the group will show it, with the winners as the people its @mentions name.
pub fn card_view(msg: &Message, rows: &[AwardCardRow]) -> CardView {
    let people: Vec<Person> = rows
        .iter()
        .filter_map(|r| {
            mention(r).map(|u| Person {
                userid: u.as_str().to_string(),
                name: r.staff_name.clone(),
                mobile: r.mobile.clone().unwrap_or_default(),
            })
        })
        .collect();
    dingtalk::preview::card_view(msg, &people)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(id: i64, name: &str, reason: &str) -> AwardCardRow {
        AwardCardRow {
            id,
            medal_name: "＊".repeat(30),
            icon_preset: Some("star".into()),
            icon_sha: None,
            staff_name: name.into(),
            mobile: None,
            dingtalk_user_id: Some(format!("user{id:040}")),
            reason: reason.into(),
            awarded_at: 1_700_000_000_000,
            public_token: "t".repeat(32),
        }
    }

    #[test]
    fn digests_stay_under_dingtalks_limits_whatever_was_typed() {
        let o = CardOptions {
            message: "#".repeat(500),
            mention: true,
            digest: true,
            ..Default::default()
        };
        let base = "https://medals.example.com";
        let size = |b: &[AwardCardRow]| message_bytes(&compose(b, &o, base, "某某公司", &[]));
        let worst: Vec<AwardCardRow> = (1..=95)
            .map(|i| row(i, &"*[".repeat(25), &"_".repeat(500)))
            .collect();
        let mild: Vec<AwardCardRow> = (1..=95).map(|i| row(i, "张伟", "季度之星")).collect();
        for (rows, at_most) in [(worst, 40), (mild, 4)] {
            let batches = digest_batches(&rows, DIGEST_BUDGET, size);
            assert!(batches.len() <= at_most, "{} messages", batches.len());
            for b in &batches {
                assert!(!b.is_empty() && b.len() <= DIGEST_MAX);
                assert!(size(b) <= DIGEST_BUDGET, "{} bytes", size(b));
            }
            let ids: Vec<i64> = batches.iter().flatten().map(|r| r.id).collect();
            assert_eq!(
                ids,
                (1..=95).collect::<Vec<_>>(),
                "every award once, in order"
            );
        }
    }
}
