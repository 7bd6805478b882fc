//! 加签: the custom robot's HMAC-SHA256 signature.

use base64::Engine as _;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::time::{SystemTime, UNIX_EPOCH};

/// How far DingTalk's clock and the `timestamp` may differ (1 hour).
pub const TIMESTAMP_TOLERANCE_MS: i64 = 60 * 60 * 1000;

/// `base64(hmac_sha256(key = secret, msg = timestamp + "\n" + secret))`, not url-encoded.
pub fn sign(secret: &str, timestamp_ms: i64) -> String {
    let string_to_sign = format!("{timestamp_ms}\n{secret}");
    // HMAC accepts keys of any length, so this cannot fail.
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes())
        .unwrap_or_else(|_| unreachable!("hmac takes any key length"));
    mac.update(string_to_sign.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// The signature url-encoded once, ready for the query string.
pub fn sign_urlencoded(secret: &str, timestamp_ms: i64) -> String {
    urlencode(&sign(secret, timestamp_ms))
}

/// Percent-encodes everything but unreserved characters (so `+` `/` `=` become `%2B` `%2F` `%3D`).
pub fn urlencode(s: &str) -> String {
    const SET: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'_')
        .remove(b'.')
        .remove(b'~');
    percent_encoding::utf8_percent_encode(s, SET).to_string()
}

/// Constant-time comparison of two signatures (base64 strings).
pub fn verify(secret: &str, timestamp_ms: i64, sign_b64: &str) -> bool {
    let expected = sign(secret, timestamp_ms);
    let (a, b) = (expected.as_bytes(), sign_b64.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documented_test_vector() {
        assert_eq!(
            sign("secret", 1_700_000_000_000),
            "OuzzJR5+xZ4/EYwqtNt6sMYZQMTa/HEGvc9miJe7XzY="
        );
        assert_eq!(
            sign_urlencoded("secret", 1_700_000_000_000),
            "OuzzJR5%2BxZ4%2FEYwqtNt6sMYZQMTa%2FHEGvc9miJe7XzY%3D"
        );
    }

    #[test]
    fn verify_rejects_other_secret_and_time() {
        let s = sign("SECabc", 1_700_000_000_000);
        assert!(verify("SECabc", 1_700_000_000_000, &s));
        assert!(!verify("SECabd", 1_700_000_000_000, &s));
        assert!(!verify("SECabc", 1_700_000_000_001, &s));
        assert!(!verify("SECabc", 1_700_000_000_000, "short"));
    }
}
