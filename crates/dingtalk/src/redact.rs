//! Takes secrets out of text before it is stored, logged or shown.
//!
//! A webhook's access token, its `timestamp` + `sign` pair (replayable for an hour) and an app's
//! credentials all travel in URLs and bodies. HTTP client errors print the request URL with its
//! query, and a DingTalk `errmsg` may echo a parameter. Every error of this crate passes its text
//! through [`redact`] when it is made, so what callers keep or display never carries them.

/// Parameter names whose values are secrets (compared case-insensitively, `_`/`-` ignored).
const SECRET_KEYS: &[&str] = &[
    "accesstoken",
    "sign",
    "timestamp",
    "appsecret",
    "appkey",
    "secret",
    "token",
    "password",
];

const MASK: &str = "•••";

fn is_secret_key(k: &str) -> bool {
    let norm: String = k
        .chars()
        .filter(|c| *c != '_' && *c != '-')
        .flat_map(char::to_lowercase)
        .collect();
    SECRET_KEYS.contains(&norm.as_str())
}

/// Where a URL or a parameter value ends in free text.
fn ends_value(c: char) -> bool {
    c.is_whitespace()
        || matches!(
            c,
            '"' | '\'' | '<' | '>' | ')' | ']' | '}' | ',' | ';' | '`'
        )
}

/// `text` with every URL's query and fragment removed (`https://h/robot/send?…`) and the value of
/// every secret-looking `key=value` or `"key":"value"` replaced by `•••`.
pub fn redact(text: &str) -> String {
    mask_params(&strip_queries(text))
}

fn strip_queries(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find("://") {
        // The scheme is the run of letters before "://".
        let scheme_start = rest[..i]
            .char_indices()
            .rev()
            .take_while(|(_, c)| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
            .last()
            .map(|(j, _)| j)
            .unwrap_or(i);
        out.push_str(&rest[..scheme_start]);
        let url = &rest[scheme_start..];
        let end = url
            .char_indices()
            .skip(i - scheme_start + 3)
            .find(|(_, c)| ends_value(*c))
            .map(|(j, _)| j)
            .unwrap_or(url.len());
        let (whole, after) = url.split_at(end);
        match whole.find(['?', '#']) {
            Some(q) => {
                out.push_str(&whole[..q]);
                out.push_str("?…");
            }
            None => out.push_str(whole),
        }
        rest = after;
    }
    out.push_str(rest);
    out
}

fn mask_params(text: &str) -> String {
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        let (pos, c) = chars[i];
        if c.is_ascii_alphabetic() && (i == 0 || !is_key_char(chars[i - 1].1)) {
            // a word that may be a key
            let mut j = i;
            while j < chars.len() && is_key_char(chars[j].1) {
                j += 1;
            }
            let key_end = chars.get(j).map(|c| c.0).unwrap_or(text.len());
            let key = &text[pos..key_end];
            // `key=` or `key":"` / `key": "` (JSON)
            let mut k = j;
            let quoted_key = chars.get(k).map(|c| c.1) == Some('"');
            if quoted_key {
                k += 1;
            }
            let sep = chars.get(k).map(|c| c.1);
            if is_secret_key(key) && (sep == Some('=') || (sep == Some(':') && quoted_key)) {
                k += 1;
                while chars.get(k).map(|c| c.1) == Some(' ') {
                    k += 1;
                }
                let quoted_value = chars.get(k).map(|c| c.1) == Some('"');
                if quoted_value {
                    k += 1;
                }
                let value_start = chars.get(k).map(|c| c.0).unwrap_or(text.len());
                let mut v = k;
                while v < chars.len() {
                    let ch = chars[v].1;
                    if (quoted_value && ch == '"')
                        || (!quoted_value && (ends_value(ch) || ch == '&'))
                    {
                        break;
                    }
                    v += 1;
                }
                let value_end = chars.get(v).map(|c| c.0).unwrap_or(text.len());
                out.push_str(&text[pos..value_start]);
                if value_end > value_start {
                    out.push_str(MASK);
                }
                i = v;
                continue;
            }
            out.push_str(key);
            i = j;
            continue;
        }
        out.push(c);
        i += 1;
    }
    out
}

fn is_key_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '-'
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_lose_their_query() {
        let e = "error sending request for url (https://oapi.dingtalk.com/robot/send?access_token=abc123&timestamp=1700000000000&sign=OuzzJR5%2BxZ4): connection refused";
        let r = redact(e);
        assert_eq!(
            r,
            "error sending request for url (https://oapi.dingtalk.com/robot/send?…): connection refused"
        );
        assert_eq!(
            redact("http://127.0.0.1:9/sim/robot/send?x=1#f"),
            "http://127.0.0.1:9/sim/robot/send?…"
        );
        assert_eq!(
            redact("see https://a.example/path."),
            "see https://a.example/path."
        );
    }

    #[test]
    fn secret_parameters_are_masked_anywhere() {
        assert_eq!(redact("access_token=abc&x=1"), "access_token=•••&x=1");
        assert_eq!(redact("bad sign=abc%2B def"), "bad sign=••• def");
        assert_eq!(
            redact(r#"{"appKey":"ding1","appSecret": "s3cr3t","other":"ok"}"#),
            r#"{"appKey":"•••","appSecret": "•••","other":"ok"}"#
        );
        assert_eq!(redact("design=1 signal=2"), "design=1 signal=2");
        assert_eq!(redact("令牌 token=abc 结束"), "令牌 token=••• 结束");
    }

    #[test]
    fn plain_text_is_unchanged() {
        for s in [
            "keywords not in content",
            "发送速度太快",
            "sign not match",
            "",
            "a=b&c=d",
        ] {
            assert_eq!(redact(s), s);
        }
    }
}
