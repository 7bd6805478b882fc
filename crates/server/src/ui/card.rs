//! A message as the DingTalk group will show it, drawn from the neutral tree
//! (`medal_core::chat`) with Leptos' own escaping: no HTML string from anywhere is inserted.

use leptos::prelude::*;
use medal_core::chat::{Block, CardView, Inline};

fn inlines(items: Vec<Inline>) -> AnyView {
    items
        .into_iter()
        .map(|i| match i {
            Inline::Text(t) => t.into_any(),
            Inline::Strong(c) => view! { <strong>{inlines(c)}</strong> }.into_any(),
            Inline::Em(c) => view! { <em>{inlines(c)}</em> }.into_any(),
            Inline::Link { url, children } => view! {
                <a href=url target="_blank" rel="noopener noreferrer">{inlines(children)}</a>
            }
            .into_any(),
            Inline::Image { src, alt } => {
                view! { <img class="md-img" src=src alt=alt/> }.into_any()
            }
            Inline::Mention(name) => view! { <span class="at">"@"{name}</span> }.into_any(),
            Inline::Break => view! { <br/> }.into_any(),
        })
        .collect_view()
        .into_any()
}

fn blocks(items: Vec<Block>) -> AnyView {
    items
        .into_iter()
        .map(|b| match b {
            Block::Heading(n, c) => match n {
                1 => view! { <h1>{inlines(c)}</h1> }.into_any(),
                2 => view! { <h2>{inlines(c)}</h2> }.into_any(),
                3 => view! { <h3>{inlines(c)}</h3> }.into_any(),
                4 => view! { <h4>{inlines(c)}</h4> }.into_any(),
                5 => view! { <h5>{inlines(c)}</h5> }.into_any(),
                _ => view! { <h6>{inlines(c)}</h6> }.into_any(),
            },
            Block::Quote(c) => view! { <blockquote>{inlines(c)}</blockquote> }.into_any(),
            Block::List {
                ordered: true,
                items,
            } => view! {
                <ol>{items.into_iter().map(|i| view! { <li>{inlines(i)}</li> }).collect_view()}</ol>
            }
            .into_any(),
            Block::List {
                ordered: false,
                items,
            } => view! {
                <ul>{items.into_iter().map(|i| view! { <li>{inlines(i)}</li> }).collect_view()}</ul>
            }
            .into_any(),
            Block::Para(c) => view! { <p>{inlines(c)}</p> }.into_any(),
        })
        .collect_view()
        .into_any()
}

/// The card, in the look of a DingTalk chat (classes of `.dt-preview` in the stylesheet).
#[component]
pub fn CardPreview(view: CardView) -> impl IntoView {
    let inner = match view {
        CardView::Bubble(c) => view! { <div class="bubble">{inlines(c)}</div> }.into_any(),
        CardView::Markdown(b) => view! { <div class="card md">{blocks(b)}</div> }.into_any(),
        CardView::Action { body, buttons, horizontal } => view! {
            <div class="card action">
                <div class="card-body">{blocks(body)}</div>
                <div class=if horizontal { "btns horizontal" } else { "btns vertical" }>
                    {buttons.into_iter().map(|b| view! {
                        <a class="btn" href=b.url target="_blank" rel="noopener noreferrer">{b.title}</a>
                    }).collect_view()}
                </div>
            </div>
        }
        .into_any(),
        CardView::Link { title, text, url, pic } => view! {
            <a class="card link" href=url target="_blank" rel="noopener noreferrer">
                <div class="link-title">{title}</div>
                <div class="link-row"><p>{text}</p>{(!pic.is_empty()).then(|| view! { <img src=pic alt=""/> })}</div>
            </a>
        }
        .into_any(),
        CardView::Feed(rows) => view! {
            <div class="card feed">
                {rows.into_iter().enumerate().map(|(i, (b, pic))| view! {
                    <a class=if i == 0 { "feed-top" } else { "feed-row" } href=b.url target="_blank" rel="noopener noreferrer">
                        <span>{b.title}</span>
                        {(!pic.is_empty()).then(|| view! { <img src=pic alt=""/> })}
                    </a>
                }).collect_view()}
            </div>
        }
        .into_any(),
    };
    view! { <div class="dt-preview">{inner}</div> }
}
