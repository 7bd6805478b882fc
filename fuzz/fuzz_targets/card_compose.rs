//! The award card: `medal_core::card::compose`, turned into the DingTalk message the way the
//! server does (`shares::card::to_message`, mirrored below) and drawn by `dingtalk::preview`.
//! Checks, for any input: @mentions are valid, distinct userIds of the winners, at most 50, each
//! written in the text; the title is one line; the message is one DingTalk and the app robot
//! take. For inputs the server can produce (validated names, reasons, message, keywords): the
//! robot's keyword check passes, and user text adds no markup — the card has exactly the
//! headings, quotes, lists, bold, links and images the layout puts there.
#![no_main]

use arbitrary::Arbitrary;
use dingtalk::message::{dingtalk_open_link, AppMessage, MAX_AT_USER_IDS};
use dingtalk::preview::{card_view, Block, CardView, Inline, Person};
use dingtalk::{At, Message};
use libfuzzer_sys::fuzz_target;
use medal_core::card::{compose, Card, CardAward, CardStyle, MAX_MENTIONS};
use medal_core::{award, text, MedalName, StaffName, UserId};

#[derive(Arbitrary, Debug)]
struct AwardIn {
    medal_name: String,
    staff_name: String,
    user_id: Option<String>,
    reason: String,
    awarded_at: u32,
    token: u64,
    uploaded_icon: bool,
    sidebar: bool,
}

#[derive(Arbitrary, Debug)]
struct Input {
    awards: Vec<AwardIn>,
    message: String,
    markdown: bool,
    mention: bool,
    digest: bool,
    org: String,
    keywords: String,
}

/// `shares::card::to_message` (crates/server), which this crate cannot build.
fn to_message(card: &Card) -> Message {
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

/// `groups::save::parse_keywords` (crates/server).
fn parse_keywords(s: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for k in s.split(|c: char| [',', '，', ';', '；', '、', '\n', '\r', ' ', '\t'].contains(&c)) {
        let k = k.trim();
        if !k.is_empty() && !out.iter().any(|o| o == k) {
            out.push(k.to_string());
        }
    }
    out
}

#[derive(Default, Debug)]
struct Count {
    links: Vec<String>,
    images: Vec<String>,
    strong: usize,
    em: usize,
    headings: usize,
    quotes: usize,
    lists: Vec<(bool, usize)>,
}

fn count_inlines(c: &mut Count, xs: &[Inline]) {
    for x in xs {
        match x {
            Inline::Strong(k) => {
                c.strong += 1;
                count_inlines(c, k);
            }
            Inline::Em(k) => {
                c.em += 1;
                count_inlines(c, k);
            }
            Inline::Link { url, children } => {
                c.links.push(url.clone());
                count_inlines(c, children);
            }
            Inline::Image { src, .. } => c.images.push(src.clone()),
            Inline::Text(_) | Inline::Mention(_) | Inline::Break => {}
        }
    }
}

fn count(blocks: &[Block]) -> Count {
    let mut c = Count::default();
    for b in blocks {
        match b {
            Block::Heading(_, xs) => {
                c.headings += 1;
                count_inlines(&mut c, xs);
            }
            Block::Quote(xs) => {
                c.quotes += 1;
                count_inlines(&mut c, xs);
            }
            Block::List { ordered, items } => {
                c.lists.push((*ordered, items.len()));
                for i in items {
                    count_inlines(&mut c, i);
                }
            }
            Block::Para(xs) => count_inlines(&mut c, xs),
        }
    }
    c
}

fuzz_target!(|i: Input| {
    if i.awards.is_empty() {
        return; // the server never composes a card for nobody
    }
    let base = "https://medals.example.com";
    let awards: Vec<CardAward> = i
        .awards
        .iter()
        .take(200)
        .map(|a| {
            let page = format!("{base}/a/{:016x}", a.token);
            CardAward {
                medal_name: a.medal_name.clone(),
                icon_url: if a.uploaded_icon {
                    format!("{base}/media/icons/{:016x}.png", a.token)
                } else {
                    format!("{base}/icons/star.svg")
                },
                staff_name: a.staff_name.clone(),
                user_id: UserId::valid(a.user_id.as_deref()),
                reason: a.reason.clone(),
                awarded_at: 1_500_000_000_000 + i64::from(a.awarded_at) * 1000,
                link: if a.sidebar {
                    dingtalk_open_link(&page, true)
                } else {
                    page
                },
            }
        })
        .collect();
    let style = CardStyle {
        message: i.message.clone(),
        markdown: i.markdown,
        mention: i.mention,
        digest: i.digest,
    };
    let keywords = parse_keywords(&i.keywords);
    let card = compose(&awards, &style, &i.org, &keywords);

    // @mentions
    assert!(card.mentions.len() <= MAX_MENTIONS && card.mentions.len() <= MAX_AT_USER_IDS);
    if !style.mention {
        assert!(card.mentions.is_empty());
    }
    for (n, m) in card.mentions.iter().enumerate() {
        assert_eq!(UserId::parse(m).map(|u| u.as_str().to_string()).ok().as_ref(), Some(m));
        assert!(!card.mentions[..n].contains(m), "mentioned twice: {m}");
        assert!(awards.iter().any(|a| a.user_id.as_ref().map(|u| u.as_str()) == Some(m)));
        assert!(card.text.contains(&format!("@{m}")), "@{m} not in {}", card.text);
    }
    // the title is what the chat list shows: one line
    assert!(!card.title.contains(['\n', '\r']), "{:?}", card.title);

    let msg = to_message(&card);
    msg.validate().expect("a message DingTalk takes");
    assert!(AppMessage::from_message(&msg).is_some(), "the app robot can send it too");

    // from here on, only what the server can produce
    let valid = awards.iter().all(|a| {
        MedalName::parse(&a.medal_name).is_ok()
            && StaffName::parse(&a.staff_name).is_ok()
            && award::reason(&a.reason).is_ok()
    }) && text::bounded(&style.message, 0, 200, ("", "")).is_ok()
        && text::line(&i.org, 0, 100, ("", "")).is_ok()
        && keywords.len() <= 10
        && keywords
            .iter()
            .all(|k| text::line(k, 1, 20, ("", "")).is_ok());
    if !valid {
        return;
    }
    assert!(
        msg.contains_any_keyword(&keywords),
        "robot keywords {keywords:?} missing from {msg:?}"
    );
    let people: Vec<Person> = Vec::new();
    let (body, buttons) = match card_view(&msg, &people) {
        CardView::Markdown(b) => (b, Vec::new()),
        CardView::Action { body, buttons, .. } => (body, buttons),
        other => panic!("not a card: {other:?}"),
    };
    let c = count(&body);
    let digest = style.digest || awards.len() > 1;
    let personal = !text::bounded(&style.message, 0, 200, ("", "")).unwrap().is_empty();
    let footer = card.text.contains("\n\n#### ");
    assert_eq!(c.em, 0, "{c:?}\n{}", card.text);
    assert_eq!(c.quotes, usize::from(personal), "{c:?}\n{}", card.text);
    assert_eq!(c.headings, 1 + usize::from(footer), "{c:?}\n{}", card.text);
    if digest {
        let links: Vec<String> = awards.iter().map(|a| a.link.clone()).collect();
        assert_eq!(c.links, links, "{}", card.text);
        assert!(c.images.is_empty(), "{c:?}\n{}", card.text);
        assert_eq!(c.lists, [(true, awards.len())], "{c:?}\n{}", card.text);
        assert_eq!(c.strong, awards.len(), "{c:?}\n{}", card.text);
        assert!(buttons.is_empty());
    } else {
        let a = &awards[0];
        assert_eq!(c.images, [a.icon_url.clone()], "{c:?}\n{}", card.text);
        assert!(c.lists.is_empty(), "{c:?}\n{}", card.text);
        assert_eq!(c.strong, 3, "{c:?}\n{}", card.text);
        if style.markdown {
            assert_eq!(c.links, [a.link.clone()], "{}", card.text);
            assert!(buttons.is_empty());
        } else {
            assert!(c.links.is_empty(), "{c:?}\n{}", card.text);
            assert_eq!(buttons.len(), 1);
            assert_eq!(buttons[0].url, a.link);
        }
    }
});
