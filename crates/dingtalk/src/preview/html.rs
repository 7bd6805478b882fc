//! The tree as escaped HTML, with the simulator's card classes (`card`, `card-body`, `btns`,
//! `btn`, `at`…): for pages that are not Leptos views (the simulator's chat page).

use std::fmt::Write;

use super::{Block, CardView, Inline};

pub use medal_core::text::escape_html as esc;

fn inlines(out: &mut String, items: &[Inline]) {
    for i in items {
        match i {
            Inline::Text(t) => out.push_str(&esc(t)),
            Inline::Strong(c) => {
                out.push_str("<strong>");
                inlines(out, c);
                out.push_str("</strong>");
            }
            Inline::Em(c) => {
                out.push_str("<em>");
                inlines(out, c);
                out.push_str("</em>");
            }
            Inline::Link { url, children } => {
                let _ = write!(
                    out,
                    r#"<a href="{}" target="_blank" rel="noopener noreferrer">"#,
                    esc(url)
                );
                inlines(out, children);
                out.push_str("</a>");
            }
            Inline::Image { src, alt } => {
                let _ = write!(
                    out,
                    r#"<img class="md-img" src="{}" alt="{}">"#,
                    esc(src),
                    esc(alt)
                );
            }
            Inline::Mention(name) => {
                let _ = write!(out, r#"<span class="at">@{}</span>"#, esc(name));
            }
            Inline::Break => out.push_str("<br>"),
        }
    }
}

fn blocks(out: &mut String, items: &[Block]) {
    for b in items {
        match b {
            Block::Heading(n, c) => {
                let _ = write!(out, "<h{n}>");
                inlines(out, c);
                let _ = write!(out, "</h{n}>");
            }
            Block::Quote(c) => {
                out.push_str("<blockquote>");
                inlines(out, c);
                out.push_str("</blockquote>");
            }
            Block::List { ordered, items } => {
                let tag = if *ordered { "ol" } else { "ul" };
                let _ = write!(out, "<{tag}>");
                for item in items {
                    out.push_str("<li>");
                    inlines(out, item);
                    out.push_str("</li>");
                }
                let _ = write!(out, "</{tag}>");
            }
            Block::Para(c) => {
                out.push_str("<p>");
                inlines(out, c);
                out.push_str("</p>");
            }
        }
    }
}

/// The card as HTML.
pub fn render(view: &CardView) -> String {
    let mut out = String::new();
    match view {
        CardView::Bubble(c) => {
            out.push_str(r#"<div class="bubble">"#);
            inlines(&mut out, c);
            out.push_str("</div>");
        }
        CardView::Markdown(b) => {
            out.push_str(r#"<div class="card md">"#);
            blocks(&mut out, b);
            out.push_str("</div>");
        }
        CardView::Action {
            body,
            buttons,
            horizontal,
        } => {
            out.push_str(r#"<div class="card action"><div class="card-body">"#);
            blocks(&mut out, body);
            let dir = if *horizontal {
                "horizontal"
            } else {
                "vertical"
            };
            let _ = write!(out, r#"</div><div class="btns {dir}">"#);
            for b in buttons {
                let _ = write!(
                    out,
                    r#"<a class="btn" href="{}" target="_blank" rel="noopener noreferrer">{}</a>"#,
                    esc(&b.url),
                    esc(&b.title)
                );
            }
            out.push_str("</div></div>");
        }
        CardView::Link {
            title,
            text,
            url,
            pic,
        } => {
            let _ = write!(
                out,
                r#"<a class="card link" href="{}" target="_blank" rel="noopener noreferrer"><div class="link-title">{}</div><div class="link-row"><p>{}</p>"#,
                esc(url),
                esc(title),
                esc(text)
            );
            if !pic.is_empty() {
                let _ = write!(out, r#"<img src="{}" alt="">"#, esc(pic));
            }
            out.push_str("</div></a>");
        }
        CardView::Feed(rows) => {
            out.push_str(r#"<div class="card feed">"#);
            for (i, (b, pic)) in rows.iter().enumerate() {
                let class = if i == 0 { "feed-top" } else { "feed-row" };
                let _ = write!(
                    out,
                    r#"<a class="{class}" href="{}" target="_blank" rel="noopener noreferrer"><span>{}</span>"#,
                    esc(&b.url),
                    esc(&b.title)
                );
                if !pic.is_empty() {
                    let _ = write!(out, r#"<img src="{}" alt="">"#, esc(pic));
                }
                out.push_str("</a>");
            }
            out.push_str("</div>");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::{ActionButton, At, BtnOrientation, FeedLink, Message};
    use crate::preview::{card_view, Person};

    fn html(msg: &Message, people: &[Person]) -> String {
        render(&card_view(msg, people))
    }

    #[test]
    fn markdown_subset() {
        let h = html(
            &Message::markdown(
                "t",
                "### 标题\n**粗体** 和 *斜体*\n> 引用\n- a\n- b\n1. x\n2. y\n[链接](https://x.cn/a?b=1&c=2)\n![图](https://x.cn/p.png)",
            ),
            &[],
        );
        assert!(h.contains("<h3>标题</h3>"), "{h}");
        assert!(h.contains("<strong>粗体</strong>"));
        assert!(h.contains("<em>斜体</em>"));
        assert!(h.contains("<blockquote>引用</blockquote>"));
        assert!(h.contains("<ul><li>a</li><li>b</li></ul>"));
        assert!(h.contains("<ol><li>x</li><li>y</li></ol>"));
        assert!(h.contains(r#"href="https://x.cn/a?b=1&amp;c=2""#));
        assert!(h.contains(r#"<img class="md-img" src="https://x.cn/p.png" alt="图">"#));
    }

    #[test]
    fn everything_is_escaped() {
        let h = html(
            &Message::markdown(
                "t",
                "<script>alert(1)</script> [x](javascript:alert(1)) ![a\"b](https://x/\"onerror=1)",
            ),
            &[],
        );
        assert!(!h.contains("<script>"));
        assert!(!h.contains("javascript:"));
        assert!(!h.contains("\"onerror"));
        let card = html(
            &Message::action_card("t", "x", "<b>", "javascript:alert(1)"),
            &[],
        );
        assert!(card.contains("&lt;b&gt;"));
        assert!(card.contains(r##"href="#""##));
    }

    #[test]
    fn mentions_are_highlighted_with_names() {
        let people = vec![Person {
            userid: "u1".into(),
            name: "张三".into(),
            mobile: "13800000000".into(),
        }];
        let msg = Message::text("恭喜 @13800000000 和 @u2").with_at(At {
            at_mobiles: vec!["13800000000".into()],
            at_user_ids: vec!["u2".into()],
            is_at_all: false,
        });
        let h = html(&msg, &people);
        assert!(h.contains(r#"<span class="at">@张三</span>"#), "{h}");
        assert!(h.contains(r#"<span class="at">@u2</span>"#));
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
        let h = html(&multi, &[]);
        assert!(h.contains("btns horizontal") && h.contains("点赞"));
        let feed = html(
            &Message::feed_card(vec![
                FeedLink::new("一", "https://a", "https://p"),
                FeedLink::new("二", "https://b", ""),
            ]),
            &[],
        );
        assert!(feed.contains("feed-top") && feed.contains("feed-row"));
        let link = html(
            &Message::link("标题", "正文", "https://a", "https://p"),
            &[],
        );
        assert!(link.contains("link-title"));
    }
}
