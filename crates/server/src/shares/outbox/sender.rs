//! Sending one message to one group.

use crate::error::AppError;
use crate::groups::db::GroupRow;
use crate::infra::crypto::Crypto;
use crate::infra::internal;
use crate::infra::AppState;
use crate::infra::Config;
use crate::infra::Db;
use crate::settings::db::AppCreds;
use crate::shares::outbox::client_config;
use crate::shares::outbox::rate::DbRateStore;
use crate::shares::outbox::rate_key;
use dingtalk::{
    AppClient, AppCredentials, ClientConfig, Error as DtError, ErrorKind, Message, RateLimiter,
    RobotClient,
};
use std::sync::Arc;
use tokio::sync::Mutex;

/// Sends one message to one group through the `dingtalk` clients, taking a rate slot first.
pub struct Sender {
    db: Db,
    crypto: Arc<Crypto>,
    robot: RobotClient,
    client_cfg: ClientConfig,
    limiter: RateLimiter,
    app: Mutex<Option<(AppCreds, AppClient)>>,
}

impl Sender {
    pub fn new(db: Db, config: &Config) -> Result<Sender, AppError> {
        let cfg = client_config(config);
        let limiter = RateLimiter::new(
            Arc::new(DbRateStore::new(db.clone())),
            config.outbox.robot_rate_limit,
            config.outbox.effective_window(),
        );
        let robot = RobotClient::new(cfg.clone())
            .map_err(internal)?
            .with_limiter(limiter.clone());
        Ok(Sender {
            crypto: crate::infra::crypto::for_config(config)?,
            db,
            robot,
            client_cfg: cfg,
            limiter,
            app: Mutex::new(None),
        })
    }

    pub fn for_state(st: &AppState) -> Result<Sender, AppError> {
        Sender::new(st.db.clone(), &st.config)
    }

    /// The internal app's client for the credentials in the settings (kept while they stay the
    /// same, so its access token is reused).
    pub async fn app(&self) -> Result<AppClient, DtError> {
        self.app_client().await
    }

    async fn app_client(&self) -> Result<AppClient, DtError> {
        let creds = crate::settings::db::app_credentials(&self.db, &self.crypto)
            .await
            .map_err(|_| DtError::new(ErrorKind::InvalidCredentials, "app credentials unreadable"))?
            .ok_or_else(|| {
                DtError::new(
                    ErrorKind::InvalidCredentials,
                    "AppKey / AppSecret / RobotCode not set in 设置 / Settings",
                )
            })?;
        let mut slot = self.app.lock().await;
        if let Some((c, client)) = slot.as_ref() {
            if *c == creds {
                return Ok(client.clone());
            }
        }
        let client = AppClient::new(
            self.client_cfg.clone(),
            AppCredentials::new(creds.app_key.clone(), creds.app_secret.clone()),
        )?;
        *slot = Some((creds, client.clone()));
        Ok(client)
    }

    /// Delivers a template card (or updates it in place) as the app robot: by createAndDeliver,
    /// or the older interactiveCards API (`legacy`, as the settings chose for the share).
    pub async fn deliver_card(
        &self,
        space: &dingtalk::CardSpace,
        card: &dingtalk::TemplateCard,
        update: bool,
        legacy: bool,
    ) -> Result<(), DtError> {
        let client = self.app_client().await?;
        match (update, legacy) {
            (true, false) => return client.update_card(&card.out_track_id, &card.params).await,
            (true, true) => {
                return client
                    .update_interactive_card(&card.out_track_id, &card.params)
                    .await
            }
            _ => {}
        }
        let code = self.robot_code().await;
        if legacy {
            return client
                .send_interactive_card(&code, card, std::slice::from_ref(space))
                .await
                .map(|_| ());
        }
        let results = client
            .deliver_card(&code, card, std::slice::from_ref(space))
            .await?;
        match results.into_iter().find(|r| !r.ok) {
            None => Ok(()),
            Some(r) if r.error.contains("机器人不在群") => {
                Err(DtError::new(ErrorKind::RobotNotInGroup, r.error))
            }
            Some(r) => Err(DtError::new(ErrorKind::InvalidConversation, r.error)),
        }
    }

    async fn robot_code(&self) -> String {
        crate::settings::db::app_credentials(&self.db, &self.crypto)
            .await
            .ok()
            .flatten()
            .map(|c| c.robot_code)
            .unwrap_or_default()
    }

    /// Sends `msg` 1:1 to `users`: by the app robot (`oto`) or as a work notice (`notice`).
    pub async fn deliver_direct(
        &self,
        kind: &str,
        users: &[String],
        msg: &Message,
    ) -> Result<dingtalk::DirectReport, DtError> {
        let client = self.app_client().await?;
        if kind == "notice" {
            let agent = crate::settings::db::agent_id(&self.db)
                .await
                .unwrap_or_default();
            if agent.is_empty() {
                return Err(DtError::new(
                    ErrorKind::InvalidCredentials,
                    "AgentId not set in 设置 / Settings (work notices need it)",
                ));
            }
            return client.send_work_notice(&agent, users, msg).await;
        }
        let app_msg = dingtalk::AppMessage::from_message(msg).ok_or_else(|| {
            DtError::new(
                ErrorKind::InvalidMessage,
                "no app-robot template can show this message",
            )
        })?;
        let code = crate::settings::db::app_credentials(&self.db, &self.crypto)
            .await
            .ok()
            .flatten()
            .map(|c| c.robot_code)
            .unwrap_or_default();
        client.send_to_people(&code, users, &app_msg).await
    }

    /// Sends `msg` to `group` with `msg_uuid` (webhook robots de-duplicate by it).
    pub async fn deliver(
        &self,
        group: &GroupRow,
        msg: &Message,
        msg_uuid: &str,
    ) -> Result<(), DtError> {
        let unreadable = |_| {
            DtError::new(
                ErrorKind::InvalidWebhook,
                "the stored secret cannot be decrypted with this server's key",
            )
        };
        match group.kind.as_str() {
            "webhook" => {
                let token = group
                    .webhook_token_enc
                    .as_deref()
                    .ok_or_else(|| {
                        DtError::new(ErrorKind::InvalidWebhook, "no webhook token saved")
                    })
                    .and_then(|e| self.crypto.decrypt(e).map_err(unreadable))?;
                let secret = match group.sign_secret_enc.as_deref() {
                    Some(e) => Some(self.crypto.decrypt(e).map_err(unreadable)?),
                    None => None,
                };
                let robot = dingtalk::Robot::new(token, secret.as_deref(), &group.keyword_list())
                    .with_rate_key(rate_key(group.id));
                self.robot
                    .send_with_uuid(&robot, msg, msg_uuid)
                    .await
                    .map(|_| ())
            }
            "chat" => {
                let chat_id = group.chat_id.clone().unwrap_or_default();
                let client = self.app_client().await?;
                self.limiter.check(&rate_key(group.id)).await?;
                client.send_chat_message(&chat_id, msg).await.map(|_| ())
            }
            _ => {
                let cid = group.open_conversation_id.clone().unwrap_or_default();
                let app_msg = dingtalk::AppMessage::from_message(msg).ok_or_else(|| {
                    DtError::new(
                        ErrorKind::InvalidMessage,
                        "no app-robot template can show this message",
                    )
                })?;
                let client = self.app_client().await?;
                let code = crate::settings::db::app_credentials(&self.db, &self.crypto)
                    .await
                    .ok()
                    .flatten()
                    .map(|c| c.robot_code)
                    .unwrap_or_default();
                self.limiter.check(&rate_key(group.id)).await?;
                client
                    .send_group_message(&code, &cid, &app_msg)
                    .await
                    .map(|_| ())
            }
        }
    }
}
