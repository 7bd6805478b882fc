//! Configuration: defaults in code → optional `medals.toml` → `MEDALS_*` environment variables.

use figment::providers::{Env, Format, Serialized, Toml};
use figment::Figment;
use secrecy::SecretString;
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use std::path::PathBuf;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Config {
    /// `sqlite:PATH` (default) or `postgres://…`.
    pub database_url: String,
    pub listen: SocketAddr,
    /// The address people use to reach the app; `https://` makes session cookies Secure. When
    /// neither `medals.toml` nor `MEDALS_PUBLIC_URL` sets it, it follows `listen`.
    pub public_url: String,
    /// Key for secrets at rest; when absent, `secret_key_file` is read (and made on first run).
    #[serde(skip_serializing)]
    pub secret_key: Option<SecretString>,
    pub secret_key_file: PathBuf,
    /// Where the built site (pkg/, icons/, favicon) is served from.
    pub site_root: PathBuf,
    pub dingtalk_oapi_base: String,
    pub dingtalk_api_base: String,
    /// Password for the demo admin in `serve --demo` (random when unset).
    #[serde(skip_serializing)]
    pub demo_password: Option<SecretString>,
    /// Behind a reverse proxy: the header it puts the client's address in (e.g.
    /// `X-Forwarded-For`); the last address listed is used. Unset: the socket's peer address.
    pub client_ip_header: Option<String>,
    /// Database connections for requests (default 8 on SQLite, 16 on PostgreSQL) and how long a
    /// request waits for one before it is answered 503 (ms).
    pub db_pool_size: Option<u32>,
    pub db_acquire_timeout_ms: u64,
    /// The outbox's own connections, so sharing goes on when pages use every request connection
    /// (default 4 on SQLite, 16 on PostgreSQL).
    pub outbox_pool_size: Option<u32>,
    /// Longest a request may take, body included (ms); then 503.
    pub request_timeout_ms: u64,
    /// `/metrics` on the app's address, for `Authorization: Bearer <this>` (see `infra::metrics`).
    #[serde(skip_serializing)]
    pub metrics_token: Option<SecretString>,
    /// `/metrics` on this separate address instead (no token), e.g. `127.0.0.1:9464`.
    pub metrics_listen: Option<SocketAddr>,
    /// The outbox (issue #5): see `ssr::outbox`. Tests shorten the robot window.
    #[serde(flatten)]
    pub outbox: crate::shares::outbox::OutboxConfig,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            database_url: "sqlite:data/medals.db".into(),
            listen: ([127, 0, 0, 1], 3000).into(),
            public_url: "http://127.0.0.1:3000".into(),
            secret_key: None,
            secret_key_file: "data/secret.key".into(),
            site_root: "target/site".into(),
            dingtalk_oapi_base: "https://oapi.dingtalk.com".into(),
            dingtalk_api_base: "https://api.dingtalk.com".into(),
            demo_password: None,
            client_ip_header: None,
            db_pool_size: None,
            db_acquire_timeout_ms: 5_000,
            outbox_pool_size: None,
            request_timeout_ms: 30_000,
            metrics_token: None,
            metrics_listen: None,
            outbox: Default::default(),
        }
    }
}

impl Config {
    /// Loads defaults, then `medals.toml` (or the file in `MEDALS_CONFIG`), then the environment.
    pub fn load() -> Result<Config, Box<figment::Error>> {
        let file = std::env::var("MEDALS_CONFIG").unwrap_or_else(|_| "medals.toml".into());
        let mut given = Figment::new().merge(Toml::file(file));
        if let Ok(url) = std::env::var("DATABASE_URL") {
            given = given.merge(("database_url", url));
        }
        let given = given.merge(Env::prefixed("MEDALS_"));
        let public_url_given = given.find_value("public_url").is_ok();
        let mut config: Config = Figment::from(Serialized::defaults(Config::default()))
            .merge(given)
            .extract()
            .map_err(Box::new)?;
        if !public_url_given {
            config.public_url = config.listen_url();
        }
        Ok(config)
    }

    /// `http://` and the listen address, with an unspecified address (`0.0.0.0`, `::`) as the
    /// loopback one: how this server reaches itself (the demo's simulator) and, when no public URL
    /// is set, what card links point to.
    pub fn listen_url(&self) -> String {
        let mut addr = self.listen;
        if addr.ip().is_unspecified() {
            addr.set_ip(match addr.ip() {
                std::net::IpAddr::V4(_) => std::net::Ipv4Addr::LOCALHOST.into(),
                std::net::IpAddr::V6(_) => std::net::Ipv6Addr::LOCALHOST.into(),
            });
        }
        format!("http://{addr}")
    }

    /// The request pool (see [`crate::infra::db::Pool`]).
    pub fn pool(&self) -> crate::infra::db::Pool {
        crate::infra::db::Pool {
            size: self.db_pool_size,
            acquire_timeout_ms: self.db_acquire_timeout_ms,
        }
    }

    /// The outbox's pool.
    pub fn outbox_pool(&self) -> crate::infra::db::Pool {
        let sqlite = self.database_url.starts_with("sqlite:");
        crate::infra::db::Pool {
            size: Some(self.outbox_pool_size.unwrap_or(if sqlite { 4 } else { 16 })),
            // background work: waiting for a connection beats failing a send and backing off
            acquire_timeout_ms: self.db_acquire_timeout_ms.max(30_000),
        }
    }

    pub fn is_https(&self) -> bool {
        self.public_url.starts_with("https://")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_listen_url_is_reachable() {
        let mut c = Config {
            listen: "127.0.0.1:3020".parse().unwrap(),
            ..Config::default()
        };
        assert_eq!(c.listen_url(), "http://127.0.0.1:3020");
        c.listen = "0.0.0.0:8080".parse().unwrap();
        assert_eq!(c.listen_url(), "http://127.0.0.1:8080");
        c.listen = "[::]:8080".parse().unwrap();
        assert_eq!(c.listen_url(), "http://[::1]:8080");
    }
}
