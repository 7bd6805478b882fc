//! A message as the DingTalk group will show it, drawn from the neutral tree
//! (`medal_core::chat`) with Leptos' own escaping: no HTML string from anywhere is inserted.

use leptos::either::{EitherOf5, EitherOf6, EitherOf7};
use leptos::prelude::*;
use medal_core::chat::{Block, CardView, Inline};

// One type-erased view per level (the tree is recursive); within a level the arms are static
// (`EitherOf…`), which keeps the wasm small.
fn inlines(items: Vec<Inline>) -> AnyView {
    items
        .into_iter()
        .map(|i| match i {
            Inline::Text(t) => EitherOf7::A(t),
            Inline::Strong(c) => EitherOf7::B(view! { <strong>{inlines(c)}</strong> }),
            Inline::Em(c) => EitherOf7::C(view! { <em>{inlines(c)}</em> }),
            Inline::Link { url, children } => EitherOf7::D(view! {
                <a href=url target="_blank" rel="noopener noreferrer">{inlines(children)}</a>
            }),
            Inline::Image { src, alt } => {
                EitherOf7::E(view! { <img class="md-img" src=src alt=alt/> })
            }
            Inline::Mention(name) => EitherOf7::F(view! { <span class="at">"@"{name}</span> }),
            Inline::Break => EitherOf7::G(view! { <br/> }),
        })
        .collect_view()
        .into_any()
}

fn heading(n: u8, c: Vec<Inline>) -> impl IntoView {
    let c = inlines(c);
    match n {
        1 => EitherOf6::A(view! { <h1>{c}</h1> }),
        2 => EitherOf6::B(view! { <h2>{c}</h2> }),
        3 => EitherOf6::C(view! { <h3>{c}</h3> }),
        4 => EitherOf6::D(view! { <h4>{c}</h4> }),
        5 => EitherOf6::E(view! { <h5>{c}</h5> }),
        _ => EitherOf6::F(view! { <h6>{c}</h6> }),
    }
}

fn blocks(items: Vec<Block>) -> impl IntoView {
    items
        .into_iter()
        .map(|b| match b {
            Block::Heading(n, c) => EitherOf5::A(heading(n, c)),
            Block::Quote(c) => EitherOf5::B(view! { <blockquote>{inlines(c)}</blockquote> }),
            Block::List {
                ordered: true,
                items,
            } => EitherOf5::C(view! {
                <ol>{items.into_iter().map(|i| view! { <li>{inlines(i)}</li> }).collect_view()}</ol>
            }),
            Block::List {
                ordered: false,
                items,
            } => EitherOf5::D(view! {
                <ul>{items.into_iter().map(|i| view! { <li>{inlines(i)}</li> }).collect_view()}</ul>
            }),
            Block::Para(c) => EitherOf5::E(view! { <p>{inlines(c)}</p> }),
        })
        .collect_view()
}

/// The card, in the look of a DingTalk chat (classes of `.dt-preview` in the stylesheet).
#[component]
pub fn CardPreview(view: CardView) -> impl IntoView {
    let inner = match view {
        CardView::Bubble(c) => EitherOf5::A(view! { <div class="bubble">{inlines(c)}</div> }),
        CardView::Markdown(b) => EitherOf5::B(view! { <div class="card md">{blocks(b)}</div> }),
        CardView::Action {
            body,
            buttons,
            horizontal,
        } => EitherOf5::C(view! {
            <div class="card action">
                <div class="card-body">{blocks(body)}</div>
                <div class=if horizontal { "btns horizontal" } else { "btns vertical" }>
                    {buttons.into_iter().map(|b| view! {
                        <a class="btn" href=b.url target="_blank" rel="noopener noreferrer">{b.title}</a>
                    }).collect_view()}
                </div>
            </div>
        }),
        CardView::Link {
            title,
            text,
            url,
            pic,
        } => EitherOf5::D(view! {
            <a class="card link" href=url target="_blank" rel="noopener noreferrer">
                <div class="link-title">{title}</div>
                <div class="link-row"><p>{text}</p>{(!pic.is_empty()).then(|| view! { <img src=pic alt=""/> })}</div>
            </a>
        }),
        CardView::Feed(rows) => EitherOf5::E(view! {
            <div class="card feed">
                {rows.into_iter().enumerate().map(|(i, (b, pic))| view! {
                    <a class=if i == 0 { "feed-top" } else { "feed-row" } href=b.url target="_blank" rel="noopener noreferrer">
                        <span>{b.title}</span>
                        {(!pic.is_empty()).then(|| view! { <img src=pic alt=""/> })}
                    </a>
                }).collect_view()}
            </div>
        }),
    };
    view! { <div class="dt-preview">{inner}</div> }
}
