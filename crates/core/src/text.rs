//! Bounded free text, counted in characters (a Chinese character counts as one).

use crate::Msg;

/// Bidirectional embedding, override and isolate controls: they reorder how the text around
/// them is displayed ("Trojan Source"), so a name could show one thing and be another.
pub fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Trims `raw` and checks its length in characters; `label` names the field in messages.
/// Newlines and tabs are allowed (multi-line text); see [`line`] for one-line fields.
pub fn bounded(raw: &str, min: usize, max: usize, label: (&str, &str)) -> Result<String, Msg> {
    let s = raw.trim();
    // Control characters other than newlines and tabs have no place in user text.
    if s.chars()
        .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
    {
        return Err(Msg::new(
            format!("{}含有不可见的控制字符", label.0),
            format!("{} contains control characters", label.1),
        ));
    }
    if s.chars().any(is_bidi_control) {
        return Err(Msg::new(
            format!("{}含有改变文字方向的控制字符", label.0),
            format!("{} contains text-direction control characters", label.1),
        ));
    }
    let n = s.chars().count();
    if n < min {
        return Err(if min == 1 {
            Msg::new(
                format!("请填写{}", label.0),
                format!("{} is required", label.1),
            )
        } else {
            Msg::new(
                format!("{}至少 {min} 个字", label.0),
                format!("{} needs at least {min} characters", label.1),
            )
        });
    }
    if n > max {
        return Err(Msg::new(
            format!("{}最多 {max} 个字（现在 {n} 个）", label.0),
            format!("{} can have at most {max} characters (now {n})", label.1),
        ));
    }
    Ok(s.to_string())
}

/// Like [`bounded`] for one-line fields (names, departments, titles): no line breaks or tabs.
pub fn line(raw: &str, min: usize, max: usize, label: (&str, &str)) -> Result<String, Msg> {
    let s = bounded(raw, min, max, label)?;
    if s.contains(['\n', '\r', '\t']) {
        return Err(Msg::new(
            format!("{}只能写一行，不能换行", label.0),
            format!("{} must be one line (no line breaks)", label.1),
        ));
    }
    Ok(s)
}

/// Escapes text for HTML element content or a quoted attribute (the one escaper for HTML that
/// is not a Leptos view: the page title, the simulator's chat page).
pub fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_characters_not_bytes() {
        assert_eq!(
            bounded("  勋章名  ", 1, 3, ("名称", "Name")).unwrap(),
            "勋章名"
        );
        let e = bounded("一二三四", 1, 3, ("名称", "Name")).unwrap_err();
        assert!(e.zh.contains("最多 3 个字"), "{e}");
        assert!(e.en.contains("at most 3"), "{e}");
    }

    #[test]
    fn empty_and_control_characters_are_refused() {
        assert!(bounded("   ", 1, 3, ("名称", "Name"))
            .unwrap_err()
            .en
            .contains("required"));
        assert!(bounded("a\u{7}b", 0, 9, ("描述", "Description")).is_err());
        assert_eq!(
            bounded("a\nb", 0, 9, ("描述", "Description")).unwrap(),
            "a\nb"
        );
    }

    #[test]
    fn one_line_fields_refuse_breaks_and_bidi_controls() {
        assert!(line("a\nb", 0, 9, ("名称", "Name"))
            .unwrap_err()
            .en
            .contains("one line"));
        assert!(line("a\tb", 0, 9, ("名称", "Name")).is_err());
        assert_eq!(line(" ab ", 0, 9, ("名称", "Name")).unwrap(), "ab");
        for c in ['\u{202E}', '\u{2066}', '\u{202A}'] {
            let s = format!("abc{c}def");
            assert!(
                bounded(&s, 0, 20, ("描述", "Description")).is_err(),
                "{c:?}"
            );
        }
        // marks that only hint direction stay allowed
        assert!(bounded("a\u{200E}b", 0, 9, ("描述", "Description")).is_ok());
    }

    #[test]
    fn escape_html_leaves_no_markup() {
        assert_eq!(
            escape_html("</title><a href='x' b=\"y\">&"),
            "&lt;/title&gt;&lt;a href=&#39;x&#39; b=&quot;y&quot;&gt;&amp;"
        );
        assert_eq!(escape_html("勋章 ok"), "勋章 ok");
    }
}
