//! A message as a chat shows it: blocks of DingTalk's markdown subset with inline text, links,
//! images and @mentions, or the other card shapes. Plain data (no HTML): `dingtalk::preview`
//! makes it from a message, and each page draws it with its own escaping.

use serde::{Deserialize, Serialize};

/// Text inside a block.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Inline {
    Text(String),
    Strong(Vec<Inline>),
    Em(Vec<Inline>),
    /// `url` is safe to follow (see the module comment).
    Link {
        url: String,
        children: Vec<Inline>,
    },
    Image {
        src: String,
        alt: String,
    },
    /// `@` and the person's name (or the raw id when unknown).
    Mention(String),
    /// A line break inside a paragraph.
    Break,
}

/// A block of a markdown body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Block {
    Heading(u8, Vec<Inline>),
    Quote(Vec<Inline>),
    List {
        ordered: bool,
        items: Vec<Vec<Inline>>,
    },
    Para(Vec<Inline>),
}

/// A button or a row of a card (title, safe link).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Button {
    pub title: String,
    pub url: String,
}

/// One message as a chat shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum CardView {
    /// A text message: lines of text with mentions.
    Bubble(Vec<Inline>),
    Markdown(Vec<Block>),
    Action {
        body: Vec<Block>,
        buttons: Vec<Button>,
        horizontal: bool,
    },
    Link {
        title: String,
        text: String,
        url: String,
        pic: String,
    },
    Feed(Vec<(Button, String)>),
}
