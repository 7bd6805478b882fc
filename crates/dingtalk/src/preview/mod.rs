//! How DingTalk shows a message, as a tree: DingTalk's markdown subset (headings, quotes, lists,
//! paragraphs with line breaks, bold, italic, links, images) and @mentions with people's names.
//! Nothing here is HTML: text stays text, and only http(s), `dingtalk:` and local links survive
//! (anything else becomes `#`), so whatever draws the tree escapes it its own way — Medal Hall's
//! pages through Leptos, the simulator's chat page through [`html`]. The tree's types live in
//! `medal_core::chat`, so the browser half of the app can draw them without this crate.

pub mod html;

use serde::{Deserialize, Serialize};

use crate::message::{At, BtnOrientation, Message};

pub use medal_core::chat::{Block, Button, CardView, Inline};

/// Someone a mention may point at.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Person {
    pub userid: String,
    pub mobile: String,
    pub name: String,
}

/// Only http(s), `dingtalk:` and local links are kept; anything else becomes `#`.
pub fn safe_url(url: &str) -> String {
    let u = url.trim();
    let lower = u.to_ascii_lowercase();
    if lower.starts_with("http://")
        || lower.starts_with("https://")
        || lower.starts_with("dingtalk://")
        || (u.starts_with('/') && !u.starts_with("//"))
    {
        u.to_string()
    } else {
        "#".into()
    }
}

/// `@token` → display name.
struct Mentions {
    items: Vec<(String, String)>,
}

impl Mentions {
    fn new(at: Option<&At>, people: &[Person]) -> Self {
        let mut items = Vec::new();
        if let Some(at) = at {
            let name = |hit: Option<&Person>, raw: &str| {
                hit.map(|p| p.name.clone())
                    .unwrap_or_else(|| raw.to_string())
            };
            for m in &at.at_mobiles {
                items.push((m.clone(), name(people.iter().find(|p| &p.mobile == m), m)));
            }
            for id in &at.at_user_ids {
                items.push((
                    id.clone(),
                    name(people.iter().find(|p| &p.userid == id), id),
                ));
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

    fn matches(&self, rest: &str) -> Option<(usize, &str)> {
        self.items
            .iter()
            .find(|(k, _)| !k.is_empty() && rest.starts_with(k.as_str()))
            .map(|(k, n)| (k.len(), n.as_str()))
    }
}

fn push_text(out: &mut Vec<Inline>, c: &str) {
    match out.last_mut() {
        Some(Inline::Text(t)) => t.push_str(c),
        _ => out.push(Inline::Text(c.to_string())),
    }
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

/// Inline markdown: images, links, **bold**, *italic*, @mentions; the rest is text.
fn inline(s: &str, m: &Mentions, links: bool) -> Vec<Inline> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < s.len() {
        let rest = &s[i..];
        if links && rest.starts_with("![") {
            if let Some((alt, url, used)) = bracket_paren(&rest[1..]) {
                out.push(Inline::Image {
                    src: safe_url(url),
                    alt: alt.to_string(),
                });
                i += 1 + used;
                continue;
            }
        }
        if links && rest.starts_with('[') {
            if let Some((text, url, used)) = bracket_paren(rest) {
                out.push(Inline::Link {
                    url: safe_url(url),
                    children: inline(text, m, false),
                });
                i += used;
                continue;
            }
        }
        if let Some(after) = rest.strip_prefix("**") {
            if let Some(end) = after.find("**").filter(|e| *e > 0) {
                out.push(Inline::Strong(inline(&after[..end], m, links)));
                i += 2 + end + 2;
                continue;
            }
        }
        if let Some(after) = rest.strip_prefix('*') {
            if !after.starts_with(' ') && !after.starts_with('*') {
                if let Some(end) = after.find('*').filter(|e| *e > 0) {
                    out.push(Inline::Em(inline(&after[..end], m, links)));
                    i += 1 + end + 1;
                    continue;
                }
            }
        }
        if let Some(after) = rest.strip_prefix('@') {
            if let Some((len, name)) = m.matches(after) {
                out.push(Inline::Mention(name.to_string()));
                i += 1 + len;
                continue;
            }
        }
        let c = rest.chars().next().unwrap_or(' ');
        push_text(&mut out, &c.to_string());
        i += c.len_utf8();
    }
    out
}

/// Plain text with mentions (a text message), lines joined by breaks.
fn plain(s: &str, m: &Mentions) -> Vec<Inline> {
    let mut out = Vec::new();
    for (n, line) in s.split('\n').enumerate() {
        if n > 0 {
            out.push(Inline::Break);
        }
        let mut i = 0;
        while i < line.len() {
            let rest = &line[i..];
            if let Some(after) = rest.strip_prefix('@') {
                if let Some((len, name)) = m.matches(after) {
                    out.push(Inline::Mention(name.to_string()));
                    i += 1 + len;
                    continue;
                }
            }
            let c = rest.chars().next().unwrap_or(' ');
            push_text(&mut out, &c.to_string());
            i += c.len_utf8();
        }
    }
    out
}

/// DingTalk's markdown subset as blocks.
fn markdown(src: &str, m: &Mentions) -> Vec<Block> {
    let mut out: Vec<Block> = Vec::new();
    let mut para: Option<Vec<Inline>> = None;
    let flush = |out: &mut Vec<Block>, para: &mut Option<Vec<Inline>>| {
        if let Some(p) = para.take() {
            out.push(Block::Para(p));
        }
    };
    for raw in src.split('\n') {
        let line = raw.trim();
        if line.is_empty() {
            flush(&mut out, &mut para);
            // a blank line ends a list too
            out.push(Block::Para(Vec::new()));
            continue;
        }
        let hashes = line.chars().take_while(|c| *c == '#').count();
        if (1..=6).contains(&hashes) && line[hashes..].starts_with(' ') {
            flush(&mut out, &mut para);
            out.push(Block::Heading(
                hashes as u8,
                inline(line[hashes..].trim(), m, true),
            ));
            continue;
        }
        if let Some(q) = line.strip_prefix('>') {
            flush(&mut out, &mut para);
            out.push(Block::Quote(inline(q.trim(), m, true)));
            continue;
        }
        let ul = ["- ", "* ", "+ "].iter().find_map(|p| line.strip_prefix(p));
        let digits = line.chars().take_while(char::is_ascii_digit).count();
        let ol = (digits > 0)
            .then(|| line[digits..].strip_prefix(". "))
            .flatten();
        if let Some((ordered, item)) = ul.map(|i| (false, i)).or(ol.map(|i| (true, i))) {
            flush(&mut out, &mut para);
            let item = inline(item.trim(), m, true);
            match out.last_mut() {
                Some(Block::List { ordered: o, items }) if *o == ordered => items.push(item),
                _ => out.push(Block::List {
                    ordered,
                    items: vec![item],
                }),
            }
            continue;
        }
        match &mut para {
            Some(p) => {
                p.push(Inline::Break);
                p.extend(inline(line, m, true));
            }
            None => para = Some(inline(line, m, true)),
        }
    }
    flush(&mut out, &mut para);
    // the blank-line markers carry nothing
    out.retain(|b| !matches!(b, Block::Para(p) if p.is_empty()));
    out
}

/// `msg` as a chat shows it; `people` names whom its @mentions point at.
pub fn card_view(msg: &Message, people: &[Person]) -> CardView {
    let m = Mentions::new(msg.at(), people);
    match msg {
        Message::Text { text, .. } => CardView::Bubble(plain(&text.content, &m)),
        Message::Markdown { markdown: md, .. } => CardView::Markdown(markdown(&md.text, &m)),
        Message::ActionCard {
            action_card: ac, ..
        } => {
            let buttons = match (&ac.single_title, &ac.single_url) {
                (Some(t), Some(u)) => vec![Button {
                    title: t.clone(),
                    url: safe_url(u),
                }],
                _ => ac
                    .btns
                    .iter()
                    .map(|b| Button {
                        title: b.title.clone(),
                        url: safe_url(&b.action_url),
                    })
                    .collect(),
            };
            CardView::Action {
                body: markdown(&ac.text, &m),
                buttons,
                horizontal: ac.btn_orientation == BtnOrientation::Horizontal,
            }
        }
        Message::Link { link } => CardView::Link {
            title: link.title.clone(),
            text: link.text.clone(),
            url: safe_url(&link.message_url),
            pic: if link.pic_url.is_empty() {
                String::new()
            } else {
                safe_url(&link.pic_url)
            },
        },
        Message::FeedCard { feed_card } => CardView::Feed(
            feed_card
                .links
                .iter()
                .map(|l| {
                    let pic = if l.pic_url.is_empty() {
                        String::new()
                    } else {
                        safe_url(&l.pic_url)
                    };
                    (
                        Button {
                            title: l.title.clone(),
                            url: safe_url(&l.message_url),
                        },
                        pic,
                    )
                })
                .collect(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn md(s: &str) -> Vec<Block> {
        markdown(s, &Mentions::new(None, &[]))
    }

    #[test]
    fn the_markdown_subset_as_blocks() {
        let b = md("### 标题\n**粗体** 和 *斜体*\n第二行\n> 引用\n- a\n- b\n1. x\n\n2. y");
        assert_eq!(b[0], Block::Heading(3, vec![Inline::Text("标题".into())]));
        assert_eq!(
            b[1],
            Block::Para(vec![
                Inline::Strong(vec![Inline::Text("粗体".into())]),
                Inline::Text(" 和 ".into()),
                Inline::Em(vec![Inline::Text("斜体".into())]),
                Inline::Break,
                Inline::Text("第二行".into()),
            ])
        );
        assert_eq!(b[2], Block::Quote(vec![Inline::Text("引用".into())]));
        assert!(matches!(&b[3], Block::List { ordered: false, items } if items.len() == 2));
        assert!(matches!(&b[4], Block::List { ordered: true, items } if items.len() == 1));
        assert!(matches!(&b[5], Block::List { ordered: true, items } if items.len() == 1));
    }

    #[test]
    fn only_safe_links_survive() {
        let b = md("[x](javascript:alert(1)) [y](https://a.example/p?q=1) ![i](data:x) [z](//evil.example)");
        let Block::Para(p) = &b[0] else {
            panic!("{b:?}")
        };
        let urls: Vec<&str> = p
            .iter()
            .filter_map(|i| match i {
                Inline::Link { url, .. } => Some(url.as_str()),
                Inline::Image { src, .. } => Some(src.as_str()),
                _ => None,
            })
            .collect();
        assert_eq!(urls, ["#", "https://a.example/p?q=1", "#", "#"]);
    }

    #[test]
    fn mentions_show_names() {
        let people = [Person {
            userid: "u1".into(),
            mobile: String::new(),
            name: "张三".into(),
        }];
        let msg = Message::markdown("t", "恭喜 @u1 和 @u12").with_at(At::user_ids(["u1", "u12"]));
        let CardView::Markdown(b) = card_view(&msg, &people) else {
            panic!()
        };
        let Block::Para(p) = &b[0] else { panic!() };
        assert!(p.contains(&Inline::Mention("张三".into())), "{p:?}");
        assert!(p.contains(&Inline::Mention("u12".into())), "{p:?}");
    }
}
