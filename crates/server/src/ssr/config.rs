//! Configuration: defaults in code → optional `medals.toml` → `MEDALS_*` environment variables.

use std::net::SocketAddr;
use std::path::PathBuf;

use figment::providers::{Env, Format, Serialized, Toml};
use figment::Figment;
use secrecy::SecretString;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Config {
    /// `sqlite:PATH` (default) or `postgres://…`.
    pub database_url: String,
    pub listen: SocketAddr,
    /// The address people use to reach the app; `https://` makes session cookies Secure.
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
    /// The outbox (issue #5): see `ssr::outbox`. Tests shorten the robot window.
    #[serde(flatten)]
    pub outbox: super::outbox::OutboxConfig,
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
            outbox: Default::default(),
        }
    }
}

impl Config {
    /// Loads defaults, then `medals.toml` (or the file in `MEDALS_CONFIG`), then the environment.
    pub fn load() -> Result<Config, Box<figment::Error>> {
        let file = std::env::var("MEDALS_CONFIG").unwrap_or_else(|_| "medals.toml".into());
        let mut fig =
            Figment::from(Serialized::defaults(Config::default())).merge(Toml::file(file));
        if let Ok(url) = std::env::var("DATABASE_URL") {
            fig = fig.merge(("database_url", url));
        }
        fig.merge(Env::prefixed("MEDALS_"))
            .extract()
            .map_err(Box::new)
    }

    pub fn is_https(&self) -> bool {
        self.public_url.starts_with("https://")
    }
}
