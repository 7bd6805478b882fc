//! The webhook URL an admin pastes. Checks, besides not panicking: what is accepted is a token
//! a bare paste would also accept; a URL is accepted only on DingTalk's host or the configured
//! base's, on its `/robot/send`; a bare token comes back as it was pasted.
#![no_main]

use libfuzzer_sys::fuzz_target;

// The first byte picks the configured base (the fourth choice: the text up to the first line
// break is the base); the rest is what was pasted.
fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    let rest = String::from_utf8_lossy(rest);
    let (base, pasted) = match pick % 4 {
        0 => (dingtalk::robot::REAL_OAPI_BASE, rest.as_ref()),
        1 => ("http://127.0.0.1:3000/sim", rest.as_ref()),
        2 => ("https://medals.example.com/sim/", rest.as_ref()),
        _ => rest.split_once('\n').unwrap_or(("", rest.as_ref())),
    };
    let Ok(token) = dingtalk::robot::parse_webhook(pasted, base) else {
        return;
    };
    assert!(!token.is_empty());
    assert!(
        token
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'),
        "token {token:?} from {:?}",
        pasted
    );
    // the token is stable: pasting it bare gives it back
    assert_eq!(
        dingtalk::robot::parse_webhook(&token, base).ok().as_deref(),
        Some(token.as_str())
    );
    let input = pasted.trim();
    if !input.contains("://") {
        assert_eq!(token, input);
        return;
    }
    let url = url::Url::parse(input).expect("accepted, so it parses");
    let host = url.host_str().unwrap_or("").to_ascii_lowercase();
    let base_host = url::Url::parse(base)
        .ok()
        .and_then(|b| b.host_str().map(str::to_ascii_lowercase));
    assert!(
        host == "oapi.dingtalk.com" || Some(&host) == base_host.as_ref(),
        "host {host} accepted for base {base:?}"
    );
    assert!(
        url.path().trim_end_matches('/').ends_with("/robot/send"),
        "{input}"
    );
});
