//! Bounded free text, counted in characters (a Chinese character counts as one).

use crate::Msg;

/// Trims `raw` and checks its length in characters; `label` names the field in messages.
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
}
