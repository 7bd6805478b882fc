//! Secrets at rest (webhook tokens, 加签 secrets, the app secret): ChaCha20-Poly1305 with a
//! random 96-bit nonce per value, stored as `v1:` + base64(nonce ‖ ciphertext). The 32-byte key
//! comes from `secret_key` (base64 or hex) or `secret_key_file`; when neither exists the file is
//! made on first run (random key, mode 0600).

use crate::error::AppError;
use crate::infra::internal;
use crate::infra::Config;
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use chacha20poly1305::aead::{Aead, KeyInit};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};
use rand::RngCore;
use secrecy::ExposeSecret;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

const PREFIX: &str = "v1:";

pub struct Crypto {
    cipher: ChaCha20Poly1305,
    /// HMAC-SHA256 key for values the server signs (the sign-in device cookie), derived from the
    /// key so one key file serves both.
    mac_key: [u8; 32],
}

impl std::fmt::Debug for Crypto {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Crypto(…)")
    }
}

/// Parses a 32-byte key written as base64 (44 chars) or hex (64 chars).
pub fn parse_key(s: &str) -> Option<[u8; 32]> {
    let s = s.trim();
    let bytes = if s.len() == 64 && s.chars().all(|c| c.is_ascii_hexdigit()) {
        (0..32)
            .map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).ok())
            .collect::<Option<Vec<u8>>>()?
    } else {
        B64.decode(s).ok()?
    };
    bytes.try_into().ok()
}

impl Crypto {
    pub fn new(key: [u8; 32]) -> Crypto {
        use sha2::Digest;
        let mut h = sha2::Sha256::new();
        h.update(b"medal-hall mac v1\0");
        h.update(key);
        Crypto {
            cipher: ChaCha20Poly1305::new(Key::from_slice(&key)),
            mac_key: h.finalize().into(),
        }
    }

    /// HMAC-SHA256 of `msg` under this server's key, URL-safe base64.
    pub fn mac(&self, msg: &str) -> String {
        use hmac::Mac;
        let mut m = <hmac::Hmac<sha2::Sha256> as Mac>::new_from_slice(&self.mac_key)
            .expect("HMAC takes any key length");
        m.update(msg.as_bytes());
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(m.finalize().into_bytes())
    }

    /// Whether `tag` is [`Crypto::mac`] of `msg` (compared in constant time).
    pub fn verify_mac(&self, msg: &str, tag: &str) -> bool {
        use hmac::Mac;
        let Ok(tag) = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(tag) else {
            return false;
        };
        let mut m = <hmac::Hmac<sha2::Sha256> as Mac>::new_from_slice(&self.mac_key)
            .expect("HMAC takes any key length");
        m.update(msg.as_bytes());
        m.verify_slice(&tag).is_ok()
    }

    /// The key from `config`, reading or (first run) making the key file.
    pub fn from_config(config: &Config) -> anyhow::Result<Crypto> {
        if let Some(k) = &config.secret_key {
            let key = parse_key(k.expose_secret()).ok_or_else(|| {
                anyhow::anyhow!(
                    "MEDALS_SECRET_KEY 必须是 32 字节的 base64 或 hex / must be 32 bytes as base64 or hex"
                )
            })?;
            return Ok(Crypto::new(key));
        }
        let path = &config.secret_key_file;
        match std::fs::read_to_string(path) {
            Ok(s) => {
                let key = parse_key(&s).ok_or_else(|| {
                    anyhow::anyhow!(
                        "{}: 不是 32 字节的 base64 或 hex 密钥 / not a 32-byte base64 or hex key",
                        path.display()
                    )
                })?;
                Ok(Crypto::new(key))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let mut key = [0u8; 32];
                rand::rngs::OsRng.fill_bytes(&mut key);
                if let Some(dir) = path.parent() {
                    if !dir.as_os_str().is_empty() {
                        std::fs::create_dir_all(dir)?;
                    }
                }
                write_private(path, &B64.encode(key))?;
                tracing::info!(path = %path.display(), "made a new secret key file");
                Ok(Crypto::new(key))
            }
            Err(e) => Err(anyhow::anyhow!("{}: {e}", path.display())),
        }
    }

    pub fn encrypt(&self, plain: &str) -> String {
        let mut nonce = [0u8; 12];
        rand::rngs::OsRng.fill_bytes(&mut nonce);
        let ct = self
            .cipher
            .encrypt(Nonce::from_slice(&nonce), plain.as_bytes())
            .expect("chacha20poly1305 encryption does not fail");
        let mut out = nonce.to_vec();
        out.extend_from_slice(&ct);
        format!("{PREFIX}{}", B64.encode(out))
    }

    pub fn decrypt(&self, stored: &str) -> Result<String, AppError> {
        let raw = stored
            .strip_prefix(PREFIX)
            .and_then(|b| B64.decode(b).ok())
            .filter(|b| b.len() > 12)
            .ok_or_else(|| internal("stored secret is not in the v1 format"))?;
        let plain = self
            .cipher
            .decrypt(Nonce::from_slice(&raw[..12]), &raw[12..])
            .map_err(|_| internal("stored secret does not decrypt with this key (key changed?)"))?;
        String::from_utf8(plain).map_err(internal)
    }
}

#[cfg(unix)]
fn write_private(path: &std::path::Path, s: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    f.write_all(s.as_bytes())
}

#[cfg(not(unix))]
fn write_private(path: &std::path::Path, s: &str) -> std::io::Result<()> {
    std::fs::write(path, s)
}

/// The crypto for `config`, made once per key source (tests run several apps in one process).
pub fn for_config(config: &Config) -> Result<Arc<Crypto>, AppError> {
    static CACHE: OnceLock<Mutex<HashMap<String, Arc<Crypto>>>> = OnceLock::new();
    let id = match &config.secret_key {
        Some(k) => format!("key:{}", short_hash(k.expose_secret())),
        None => format!("file:{}", config.secret_key_file.display()),
    };
    let mut cache = CACHE
        .get_or_init(Default::default)
        .lock()
        .map_err(|_| internal("crypto cache poisoned"))?;
    if let Some(c) = cache.get(&id) {
        return Ok(c.clone());
    }
    let c = Arc::new(Crypto::from_config(config).map_err(internal)?);
    cache.insert(id, c.clone());
    Ok(c)
}

/// SHA-256 of `bytes`, as 64 lower-case hex digits (token and key hashes, icon names).
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn short_hash(s: &str) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(s.as_bytes())
        .iter()
        .take(8)
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A secret as a form may show it: `SEC••••••3f` (first 3 and last 2 characters at most, and
/// only when the secret is long enough for that to give nothing useful away).
/// Whether two secrets are equal, in time that depends on neither (their SHA-256 digests are
/// compared whole).
pub fn same(a: &[u8], b: &[u8]) -> bool {
    use sha2::Digest;
    let (x, y) = (sha2::Sha256::digest(a), sha2::Sha256::digest(b));
    x.iter()
        .zip(y.iter())
        .fold(0u8, |acc, (p, q)| acc | (p ^ q))
        == 0
}

pub fn mask(secret: &str) -> String {
    let chars: Vec<char> = secret.chars().collect();
    if chars.is_empty() {
        return String::new();
    }
    if chars.len() < 12 {
        return "••••••".into();
    }
    let head: String = chars[..3].iter().collect();
    let tail: String = chars[chars.len() - 2..].iter().collect();
    format!("{head}••••••{tail}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_with_fresh_nonces() {
        let c = Crypto::new([7; 32]);
        let a = c.encrypt("SECabc");
        let b = c.encrypt("SECabc");
        assert_ne!(a, b, "a random nonce per value");
        assert!(!a.contains("SECabc"));
        assert_eq!(c.decrypt(&a).unwrap(), "SECabc");
        let other = Crypto::new([8; 32]);
        assert!(other.decrypt(&a).is_err());
    }

    #[test]
    fn keys_parse_from_base64_and_hex() {
        assert_eq!(parse_key(&"ab".repeat(32)), Some([0xab; 32]));
        assert_eq!(parse_key(&B64.encode([3u8; 32])), Some([3; 32]));
        assert_eq!(parse_key("short"), None);
    }

    #[test]
    fn masks_keep_little() {
        assert_eq!(mask("SEC0123456789abcdef3f"), "SEC••••••3f");
        assert_eq!(mask("short"), "••••••");
        assert_eq!(mask(""), "");
    }
}
