//! [`parse_webhook`]: the access token out of a webhook URL (or bare token) an admin pasted.

use super::REAL_OAPI_HOST;
use crate::error::{Error, ErrorKind, Result};

/// Takes the access token out of what an admin pasted: the whole webhook URL (the usual case)
/// or the bare token.
///
/// Accepted hosts: DingTalk's real `oapi.dingtalk.com` (always) and the host, port and path
/// prefix of `oapi_base` (so URLs of a simulator are accepted when the client points at it).
pub fn parse_webhook(pasted: &str, oapi_base: &str) -> Result<String> {
    let input = pasted.trim();
    let bad = |why: &str| Error::new(ErrorKind::InvalidWebhook, why.to_owned());
    if input.is_empty() {
        return Err(bad("empty webhook URL"));
    }
    if !input.contains("://") {
        if is_token(input) {
            return Ok(input.to_owned());
        }
        return Err(bad("not a URL and not an access token"));
    }
    let url = url::Url::parse(input).map_err(|e| bad(&format!("not a valid URL: {e}")))?;
    if url.scheme() != "https" && url.scheme() != "http" {
        return Err(bad("the webhook URL must start with https://"));
    }
    let host = url.host_str().unwrap_or("").to_ascii_lowercase();
    let real = host == REAL_OAPI_HOST && url.path().trim_end_matches('/') == "/robot/send";
    let own = match url::Url::parse(oapi_base) {
        Ok(base) => {
            let prefix = base.path().trim_end_matches('/');
            base.host_str().map(str::to_ascii_lowercase).as_deref() == Some(host.as_str())
                && base.port_or_known_default() == url.port_or_known_default()
                && url.path().trim_end_matches('/') == format!("{prefix}/robot/send")
        }
        Err(_) => false,
    };
    if !real && !own {
        if host != REAL_OAPI_HOST && !own_host(oapi_base, &host) {
            return Err(bad(&format!(
                "host {host} is not DingTalk's ({REAL_OAPI_HOST}); paste the robot's webhook URL"
            )));
        }
        return Err(bad("the path is not /robot/send"));
    }
    let token = url
        .query_pairs()
        .find(|(k, _)| k == "access_token")
        .map(|(_, v)| v.trim().to_owned())
        .unwrap_or_default();
    if token.is_empty() {
        return Err(bad("the URL has no access_token"));
    }
    if !is_token(&token) {
        return Err(bad("the URL's access_token is not a valid token"));
    }
    Ok(token)
}

/// What an access token is made of (hex in practice): the same whether pasted bare or in a URL.
fn is_token(s: &str) -> bool {
    s.chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

fn own_host(oapi_base: &str, host: &str) -> bool {
    url::Url::parse(oapi_base)
        .ok()
        .and_then(|b| b.host_str().map(|h| h.eq_ignore_ascii_case(host)))
        .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::robot::REAL_OAPI_BASE;

    #[test]
    fn webhook_real_base() {
        let base = REAL_OAPI_BASE;
        assert_eq!(
            parse_webhook(
                " https://oapi.dingtalk.com/robot/send?access_token=abc123 \n",
                base
            )
            .unwrap(),
            "abc123"
        );
        assert_eq!(parse_webhook("abc123", base).unwrap(), "abc123");
        let e = parse_webhook("https://evil.example.com/robot/send?access_token=abc", base)
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidWebhook);
        assert!(e.errmsg().contains("evil.example.com"));
        assert!(parse_webhook("https://oapi.dingtalk.com/robot/send", base).is_err());
        assert!(parse_webhook("https://oapi.dingtalk.com/other?access_token=a", base).is_err());
        assert!(parse_webhook("ftp://oapi.dingtalk.com/robot/send?access_token=a", base).is_err());
        assert!(parse_webhook("", base).is_err());
        assert!(parse_webhook("a b", base).is_err());
        // extra query parameters (a signed URL pasted) are fine
        assert_eq!(
            parse_webhook(
                "https://oapi.dingtalk.com/robot/send?access_token=t1&timestamp=1&sign=x",
                base
            )
            .unwrap(),
            "t1"
        );
    }

    /// Found by `fuzz/fuzz_targets/webhook_url.rs`: a token taken from a URL was not held to
    /// what a bare token may be, so `.` and `:` (or, percent-encoded, anything) got stored.
    #[test]
    fn fuzz_a_token_in_a_url_is_held_to_the_bare_rules() {
        let base = REAL_OAPI_BASE;
        let pasted = "https://oapi.dingtalk.com/robot/send?access_token=1f2e3d4c5b6a7988ab3c546789abcdef0123456789abcdef0127.0.0.1:bcdef";
        let e = parse_webhook(pasted, base).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidWebhook);
        for bad in ["a%20b", "a%0Ab", "%3Cscript%3E", "x.y"] {
            let url = format!("https://oapi.dingtalk.com/robot/send?access_token={bad}");
            assert!(parse_webhook(&url, base).is_err(), "{bad}");
        }
        assert_eq!(
            parse_webhook(
                "https://oapi.dingtalk.com/robot/send?access_token=A-b_9",
                base
            )
            .unwrap(),
            "A-b_9"
        );
    }

    #[test]
    fn webhook_simulator_base() {
        let base = "http://127.0.0.1:3000/sim";
        assert_eq!(
            parse_webhook(
                "https://oapi.dingtalk.com/robot/send?access_token=abc",
                base
            )
            .unwrap(),
            "abc"
        );
        assert_eq!(
            parse_webhook(
                "http://127.0.0.1:3000/sim/robot/send?access_token=xyz",
                base
            )
            .unwrap(),
            "xyz"
        );
        assert!(parse_webhook(
            "http://127.0.0.1:3001/sim/robot/send?access_token=xyz",
            base
        )
        .is_err());
        assert!(
            parse_webhook("http://10.0.0.1:3000/sim/robot/send?access_token=xyz", base).is_err()
        );
        assert!(parse_webhook("http://127.0.0.1:3000/robot/send?access_token=xyz", base).is_err());
    }
}
