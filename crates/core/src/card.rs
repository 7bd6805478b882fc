//! The neutral award card: what a group sees when an award is shared — title, markdown body
//! with every piece of user text escaped, an optional button, the people to @mention, and a
//! keyword footer when the group's robot needs one. The server turns it into the DingTalk
//! message its robot kind takes; this module knows nothing of DingTalk's wire format.

use crate::time::fmt_date;
use crate::UserId;

/// Most @mentions DingTalk takes in one message.
pub const MAX_MENTIONS: usize = 50;

/// Characters of a reason a digest's line shows (the line's link has all of it), so that a
/// digest's size depends on its number of awards, not on what was typed.
pub const DIGEST_REASON_CHARS: usize = 60;

/// The first `n` characters of `s`, and "…" when there were more.
fn shorten(s: &str, n: usize) -> String {
    let mut it = s.chars();
    let head: String = it.by_ref().take(n).collect();
    if it.next().is_some() {
        format!("{head}…")
    } else {
        head
    }
}

/// One award as a card shows it. Links are absolute and ready to use (the server makes them,
/// e.g. wrapped to open in DingTalk's sidebar).
#[derive(Debug, Clone, PartialEq)]
pub struct CardAward {
    pub medal_name: String,
    pub icon_url: String,
    pub staff_name: String,
    /// Mentioned only when valid (see [`UserId`]); never by mobile.
    pub user_id: Option<UserId>,
    pub reason: String,
    pub awarded_at: i64,
    pub link: String,
}

/// How the card is drawn.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CardStyle {
    /// The sharer's personal message (escaped like everything else).
    pub message: String,
    /// A plain markdown card with the link in the text, instead of a card with a button.
    pub markdown: bool,
    /// @mention the winners who have a userId.
    pub mention: bool,
    /// One digest for all the awards (always when there are several).
    pub digest: bool,
}

/// The card.
#[derive(Debug, Clone, PartialEq)]
pub struct Card {
    /// What the chat list shows (plain text).
    pub title: String,
    /// DingTalk markdown; user text in it is inert.
    pub text: String,
    /// (title, link) of the button, for an action card.
    pub button: Option<(String, String)>,
    /// userIds to @mention (each also appears in the text as `@userId`).
    pub mentions: Vec<String>,
}

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

fn inline_mention(style: &CardStyle, a: &CardAward) -> String {
    match &a.user_id {
        Some(u) if style.mention => format!(" @{u}"),
        _ => String::new(),
    }
}

/// Composes the card for `awards` (one, or a digest of several; never none — it panics). `keywords`
/// are the group robot's: when the card contains none of them, a short footer shows the first
/// that markdown leaves as it is, or else the title ends with the first.
pub fn compose(awards: &[CardAward], style: &CardStyle, org: &str, keywords: &[String]) -> Card {
    let personal = escape_md(&style.message);
    let org = escape_md(org);
    let digest = style.digest || awards.len() > 1;
    let (title, mut text, link) = if digest {
        let mut t = format!("### 🏅 勋章喜报（{} 人）\n\n", awards.len());
        if !personal.is_empty() {
            t.push_str(&format!("> {personal}\n\n"));
        }
        for (i, a) in awards.iter().enumerate() {
            t.push_str(&format!(
                "{}. **{}**{} 获得「{}」：{}（{}） [查看详情]({})\n",
                i + 1,
                escape_md(&a.staff_name),
                inline_mention(style, a),
                escape_md(&a.medal_name),
                escape_md(&shorten(&a.reason, DIGEST_REASON_CHARS)),
                fmt_date(a.awarded_at),
                a.link
            ));
        }
        (format!("勋章喜报：{} 人获得勋章", awards.len()), t, None)
    } else {
        let a = &awards[0];
        let mut t = format!(
            "![{}]({})\n\n### 🏅 {}\n\n**{}**{} 获得「{}」勋章\n\n",
            escape_md(&a.medal_name),
            a.icon_url,
            escape_md(&a.medal_name),
            escape_md(&a.staff_name),
            inline_mention(style, a),
            escape_md(&a.medal_name)
        );
        if !personal.is_empty() {
            t.push_str(&format!("> {personal}\n\n"));
        }
        t.push_str(&format!(
            "**颁发原因**：{}  \n**日期**：{}",
            escape_md(&a.reason),
            fmt_date(a.awarded_at)
        ));
        let title = format!(
            "{} 获得「{}」",
            one_line(&a.staff_name),
            one_line(&a.medal_name)
        );
        (title, t, Some(a.link.clone()))
    };
    if !org.is_empty() {
        text.push_str(&format!("\n\n—— {org}"));
    }
    let mut mentions: Vec<String> = Vec::new();
    if style.mention {
        for u in awards.iter().filter_map(|a| a.user_id.as_ref()) {
            if !mentions.iter().any(|m| m == u.as_str()) && mentions.len() < MAX_MENTIONS {
                mentions.push(u.as_str().to_string());
            }
        }
    }
    let build = |title: &str, text: &str| -> Card {
        let (mut text, button) = match (&link, style.markdown) {
            (Some(url), true) => (format!("{text}\n\n[查看详情]({url})"), None),
            (Some(url), false) => (
                text.to_string(),
                Some(("查看详情".to_string(), url.clone())),
            ),
            (None, _) => (text.to_string(), None),
        };
        // DingTalk highlights a mention only where its `@userId` is in the text.
        for m in &mentions {
            let token = format!("@{m}");
            if !text.contains(&token) {
                text.push(' ');
                text.push_str(&token);
            }
        }
        Card {
            title: title.to_string(),
            text,
            button,
            mentions: mentions.clone(),
        }
    };
    let card = build(&title, &text);
    let wanted: Vec<&str> = keywords
        .iter()
        .map(|k| k.trim())
        .filter(|k| !k.is_empty())
        .collect();
    if wanted.is_empty() || wanted.iter().any(|k| card.contains(k)) {
        return card;
    }
    // DingTalk looks for a keyword as it is typed: the footer shows the first one markdown
    // leaves alone; one it would change (`喜报*`) goes in the title, which is plain text.
    if let Some(k) = wanted.iter().find(|k| escape_md(k) == **k) {
        text.push_str(&format!("\n\n#### {k}"));
        return build(&title, &text);
    }
    match wanted.iter().find(|k| !k.contains(char::is_control)) {
        Some(k) => build(&format!("{title} {k}"), &text),
        None => {
            text.push_str(&format!("\n\n#### {}", escape_md(wanted[0])));
            build(&title, &text)
        }
    }
}

/// Text for the title (plain, one line).
/// The card a winner gets 1:1. `a` stands for every person it goes to (one medal, one reason,
/// one day); with one person it has the button to their award page. `note` ends the text (e.g.
/// a notice's number: DingTalk drops a work notice it has seen before).
pub fn personal(a: &CardAward, people: usize, org: &str, note: &str) -> Card {
    let medal = escape_md(&a.medal_name);
    let mut text = format!(
        "![{medal}]({})\n\n### 🏅 恭喜你获得「{medal}」勋章\n\n**颁发原因**：{}  \n**日期**：{}",
        a.icon_url,
        escape_md(&a.reason),
        fmt_date(a.awarded_at)
    );
    let org = escape_md(org);
    if !org.is_empty() {
        text.push_str(&format!("\n\n—— {org}"));
    }
    let note = escape_md(note);
    if !note.is_empty() {
        text.push_str(&format!("\n\n{note}"));
    }
    Card {
        title: format!("恭喜你获得「{}」勋章", one_line(&a.medal_name)),
        text,
        button: (people == 1).then(|| ("查看我的勋章".to_string(), a.link.clone())),
        mentions: Vec::new(),
    }
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

impl Card {
    /// Whether `keyword` appears where DingTalk looks for it (title, text, button).
    pub fn contains(&self, keyword: &str) -> bool {
        self.title.contains(keyword)
            || self.text.contains(keyword)
            || self
                .button
                .as_ref()
                .is_some_and(|(t, _)| t.contains(keyword))
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn personal_card_escapes_and_links_one_person() {
        let a = super::CardAward {
            medal_name: "**星**".into(),
            icon_url: "https://x.cn/i.png".into(),
            staff_name: "张三".into(),
            user_id: None,
            reason: "[点我](https://evil.example)".into(),
            awarded_at: 0,
            link: "https://x.cn/a/t".into(),
        };
        let one = super::personal(&a, 1, "某公司", "通知 #7");
        assert!(one.text.contains("恭喜你获得「＊＊星＊＊」勋章"));
        assert!(!one.text.contains("[点我]"));
        assert!(one.text.ends_with("通知 #7") || one.text.ends_with("通知 ＃7"));
        assert_eq!(
            one.button.as_ref().map(|b| b.1.as_str()),
            Some("https://x.cn/a/t")
        );
        assert!(super::personal(&a, 3, "", "").button.is_none());
        assert!(one.mentions.is_empty());
    }

    use super::*;

    fn award(name: &str, uid: Option<&str>) -> CardAward {
        CardAward {
            medal_name: "月度之星".into(),
            icon_url: "https://m.example/icons/star.svg".into(),
            staff_name: name.into(),
            user_id: uid.map(|u| UserId::parse(u).unwrap()),
            reason: "表现突出".into(),
            awarded_at: 1_700_000_000_000,
            link: "https://m.example/a/tok".into(),
        }
    }

    #[test]
    fn a_digest_line_shows_the_start_of_a_long_reason() {
        let mut long = award("甲", None);
        long.reason = "好".repeat(500);
        let short = award("乙", None);
        let c = compose(&[long, short], &CardStyle::default(), "", &[]);
        let shown = format!("{}…", "好".repeat(DIGEST_REASON_CHARS));
        assert!(c.text.contains(&format!("：{shown}（")), "{}", c.text);
        assert!(!c.text.contains(&"好".repeat(DIGEST_REASON_CHARS + 1)));
        assert!(c.text.contains("：表现突出（"), "a short reason whole");
        // a card of its own shows all of it
        let mut one = award("甲", None);
        one.reason = "好".repeat(500);
        assert!(compose(&[one], &CardStyle::default(), "", &[])
            .text
            .contains(&"好".repeat(500)));
    }

    #[test]
    fn user_text_cannot_become_markup() {
        let mut a = award("[领奖](https://evil.example/x)", None);
        a.reason = "**粗**\n# 标题\n> 引用 <script>".into();
        let c = compose(&[a], &CardStyle::default(), "<b>公司</b>", &[]);
        assert!(!c.text.contains("](https://evil.example"), "{}", c.text);
        assert!(
            c.text.contains("［领奖］（https://evil.example/x）"),
            "{}",
            c.text
        );
        for line in c.text.lines() {
            assert!(
                !line.starts_with("# 标题") && !line.starts_with("> 引用"),
                "{line}"
            );
        }
        assert!(
            !c.text.contains("<script") && !c.text.contains("<b>"),
            "{}",
            c.text
        );
        assert_eq!(
            c.button,
            Some(("查看详情".into(), "https://m.example/a/tok".into()))
        );
    }

    #[test]
    fn mentions_are_valid_user_ids_in_the_text() {
        let style = CardStyle {
            mention: true,
            ..CardStyle::default()
        };
        let c = compose(
            &[award("张三", Some("zs01")), award("李四", None)],
            &style,
            "",
            &[],
        );
        assert_eq!(c.mentions, ["zs01"]);
        assert!(c.text.contains("**张三** @zs01 获得"), "{}", c.text);
        assert!(c.text.contains("**李四** 获得"), "{}", c.text);
        assert!(c.title.starts_with("勋章喜报：2 人"));
        assert_eq!(c.button, None);
        let off = compose(
            &[award("张三", Some("zs01"))],
            &CardStyle::default(),
            "",
            &[],
        );
        assert!(
            off.mentions.is_empty() && !off.text.contains('@'),
            "{}",
            off.text
        );
    }

    #[test]
    fn a_keyword_footer_only_when_needed() {
        let c = compose(
            &[award("张三", None)],
            &CardStyle::default(),
            "",
            &["勋章".into()],
        );
        assert!(
            !c.text.contains("####"),
            "the card says 勋章 already: {}",
            c.text
        );
        let c = compose(
            &[award("张三", None)],
            &CardStyle::default(),
            "",
            &["  ".into(), "喜报".into()],
        );
        assert!(c.text.ends_with("#### 喜报"), "{}", c.text);
    }

    /// Found by `fuzz/fuzz_targets/card_compose.rs`: a keyword that markdown escaping changes
    /// (`/\*` became `/＼＊` in the footer) was then not in the card, so the robot refused it.
    #[test]
    fn fuzz_a_keyword_markdown_would_change_goes_in_the_title() {
        let c = compose(
            &[award("张三", None)],
            &CardStyle::default(),
            "",
            &["/\\*".into()],
        );
        assert!(c.contains("/\\*"), "{c:?}");
        assert!(!c.text.contains("####"), "{}", c.text);
        assert_eq!(c.title, "张三 获得「月度之星」 /\\*");
        // an inert keyword after it still makes the footer
        let c = compose(
            &[award("张三", None)],
            &CardStyle::default(),
            "",
            &["喜报*".into(), "喜报".into()],
        );
        assert!(c.text.ends_with("#### 喜报"), "{}", c.text);
        assert!(!c.title.contains('*'), "{}", c.title);
    }

    #[test]
    fn markdown_style_puts_the_link_in_the_text() {
        let style = CardStyle {
            markdown: true,
            ..CardStyle::default()
        };
        let c = compose(&[award("张三", None)], &style, "", &[]);
        assert_eq!(c.button, None);
        assert!(
            c.text.ends_with("[查看详情](https://m.example/a/tok)"),
            "{}",
            c.text
        );
        assert!(c.text.contains("**日期**：2023-11-15"), "{}", c.text);
    }
}
