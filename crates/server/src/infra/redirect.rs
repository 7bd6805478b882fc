//! Redirect targets that stay on the site.

/// Where to go after signing in (or switching language): only a local path made of an allow-list
/// of URL characters is followed, else `/`. Browsers drop tabs and newlines from a `Location` and
/// read `\\` as `/`, so `/\t/evil.example` or `/\\evil.example` would leave the site; anything not
/// plainly a path (control or space characters, backslashes, `//` at the start, also once
/// percent-decoded, or a bad `%` escape) is refused as a whole rather than repaired.
pub fn safe_next(next: Option<&str>) -> String {
    next.filter(|n| is_local_path(n))
        .map(str::to_string)
        .unwrap_or_else(|| "/".to_string())
}

fn is_local_path(n: &str) -> bool {
    let b = n.as_bytes();
    if b.first() != Some(&b'/') || n.len() > 2000 {
        return false;
    }
    // RFC 3986 path, query and fragment characters: ASCII, no `\\`, no spaces, no controls.
    let allowed = |c: &u8| c.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=:@/?%#".contains(c);
    if !b.iter().all(allowed) {
        return false;
    }
    let Some(decoded) = percent_decode(b) else {
        return false;
    };
    // neither `//host` nor `/\\host`, before or after decoding, nor dot segments (`/.//host`
    // normalises to `//host`)
    let starts_badly = |p: &[u8]| p.len() > 1 && matches!(p[1], b'/' | b'\\');
    let path = decoded
        .split(|c| *c == b'?' || *c == b'#')
        .next()
        .unwrap_or(&[]);
    let dot_segment = path
        .split(|c| *c == b'/')
        .any(|seg| seg == b"." || seg == b"..");
    !starts_badly(b)
        && !starts_badly(&decoded)
        && !dot_segment
        && !decoded.iter().any(u8::is_ascii_control)
}

/// Decodes `%XX` escapes; `None` when a `%` is not followed by two hex digits.
fn percent_decode(b: &[u8]) -> Option<Vec<u8>> {
    let hex = |c: Option<&u8>| c.and_then(|c| (*c as char).to_digit(16));
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let (h, l) = (hex(b.get(i + 1))?, hex(b.get(i + 2))?);
            out.push((h * 16 + l) as u8);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_is_a_local_path_only() {
        for ok in [
            "/",
            "/medals?q=1",
            "/awards?person=%E5%BC%A0&page=2",
            "/staff/3#wall",
            "/a/Ab-_9",
        ] {
            assert_eq!(safe_next(Some(ok)), ok);
        }
        for bad in [
            "//evil.example",
            "https://evil.example",
            "/\\evil",
            "/\t/evil.example/x",
            "/\n/evil.example",
            "\t//evil.example",
            " /x",
            "/%2F/evil.example",
            "/.//evil.example",
            "/%2E//evil.example",
            "/a/../..//evil.example",
            "/%5Cevil.example",
            "/%09/x",
            "/x%0d%0aSet-Cookie:a=1",
            "/%zz",
            "/%",
            "/%4",
            "/张三",
            "javascript:alert(1)",
            "",
            "/ x",
        ] {
            assert_eq!(safe_next(Some(bad)), "/", "{bad:?}");
        }
        assert_eq!(safe_next(None), "/");
    }
}
