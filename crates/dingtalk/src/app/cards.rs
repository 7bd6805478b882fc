//! Interactive cards built from a card template (互动卡片): the current
//! `POST /v1.0/card/instances/createAndDeliver` into groups (`dtv1.card//IM_GROUP.<cid>`, by the
//! app robot) and to people (`dtv1.card//IM_ROBOT.<userId>`), the update in place
//! (`PUT /v1.0/card/instances`, same `outTrackId`), and, for apps onboarded before DingTalk
//! closed it, the older `POST /v1.0/im/interactiveCards/send`. Every `cardParamMap` value is a
//! string; keys and values are checked against DingTalk's limits before calling.

use std::collections::BTreeMap;

use serde_json::{json, Value};

use super::AppClient;
use crate::error::{Error, ErrorKind, Result};

/// Most bytes of a `cardParamMap` key.
pub const MAX_CARD_KEY_BYTES: usize = 100;
/// Most bytes of a `cardParamMap` value.
pub const MAX_CARD_VALUE_BYTES: usize = 1024;
/// Most receivers of one older `interactiveCards/send` call.
pub const MAX_CARD_RECEIVERS: usize = 20;

/// Where a card goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CardSpace {
    /// A group, by openConversationId (the app robot must be in it).
    Group(String),
    /// A person's single chat with the app robot, by userId.
    Robot(String),
}

impl CardSpace {
    /// `IM_GROUP.<cid>` / `IM_ROBOT.<userId>`, as `openSpaceId` lists them.
    pub fn space(&self) -> String {
        match self {
            CardSpace::Group(c) => format!("IM_GROUP.{c}"),
            CardSpace::Robot(u) => format!("IM_ROBOT.{u}"),
        }
    }
}

/// One card: its template, its own track id (new whenever template or data change) and data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateCard {
    pub template_id: String,
    pub out_track_id: String,
    pub params: BTreeMap<String, String>,
}

/// How a card fared in one space.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CardDelivered {
    pub space_id: String,
    pub ok: bool,
    pub error: String,
}

fn invalid(why: impl Into<String>) -> Error {
    Error::new(ErrorKind::InvalidRequest, why)
}

/// Checks the data against DingTalk's limits; the `cardData` object.
fn card_data(params: &BTreeMap<String, String>) -> Result<Value> {
    for (k, v) in params {
        if k.is_empty() || k.len() > MAX_CARD_KEY_BYTES {
            return Err(invalid(format!(
                "card variable {k:?}: a name is 1 to {MAX_CARD_KEY_BYTES} bytes"
            )));
        }
        if v.len() > MAX_CARD_VALUE_BYTES {
            return Err(invalid(format!(
                "card variable {k}: {} bytes, at most {MAX_CARD_VALUE_BYTES}",
                v.len()
            )));
        }
    }
    Ok(json!({ "cardParamMap": params }))
}

fn check_card(card: &TemplateCard) -> Result<Value> {
    if card.template_id.trim().is_empty() {
        return Err(invalid("no card template id"));
    }
    if card.out_track_id.trim().is_empty() {
        return Err(invalid("no outTrackId"));
    }
    card_data(&card.params)
}

impl AppClient {
    /// Creates the card and delivers it to `spaces`; how it fared in each.
    pub async fn deliver_card(
        &self,
        robot_code: &str,
        card: &TemplateCard,
        spaces: &[CardSpace],
    ) -> Result<Vec<CardDelivered>> {
        let data = check_card(card)?;
        if spaces.is_empty() {
            return Err(invalid("no space to deliver the card to"));
        }
        let list: Vec<String> = spaces.iter().map(CardSpace::space).collect();
        let mut body = json!({
            "cardTemplateId": card.template_id,
            "outTrackId": card.out_track_id,
            "callbackType": "STREAM",
            "cardData": data,
            "openSpaceId": format!("dtv1.card//{}", list.join(";")),
            "userIdType": 1,
        });
        if spaces.iter().any(|s| matches!(s, CardSpace::Group(_))) {
            body["imGroupOpenSpaceModel"] = json!({ "supportForward": true });
            body["imGroupOpenDeliverModel"] = json!({ "robotCode": robot_code });
        }
        if spaces.iter().any(|s| matches!(s, CardSpace::Robot(_))) {
            body["imRobotOpenSpaceModel"] = json!({ "supportForward": true });
            body["imRobotOpenDeliverModel"] =
                json!({ "spaceType": "IM_ROBOT", "robotCode": robot_code });
        }
        let v = self
            .v1(
                reqwest::Method::POST,
                "v1.0/card/instances/createAndDeliver",
                Some(&body),
            )
            .await?;
        let results = v
            .pointer("/result/deliverResults")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        Ok(results
            .iter()
            .map(|r| CardDelivered {
                space_id: r
                    .get("spaceId")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_owned(),
                ok: r.get("success").and_then(Value::as_bool).unwrap_or(false),
                error: r
                    .get("errorMsg")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_owned(),
            })
            .collect())
    }

    /// Updates a delivered card in place (the variables named change, the others stay).
    pub async fn update_card(
        &self,
        out_track_id: &str,
        params: &BTreeMap<String, String>,
    ) -> Result<()> {
        self.put_card(
            "v1.0/card/instances",
            "cardUpdateOptions",
            out_track_id,
            params,
        )
        .await
    }

    /// Updates in place a card sent by the older `interactiveCards/send`
    /// (`PUT /v1.0/im/interactiveCards`, same outTrackId; the variables named change).
    pub async fn update_interactive_card(
        &self,
        out_track_id: &str,
        params: &BTreeMap<String, String>,
    ) -> Result<()> {
        self.put_card(
            "v1.0/im/interactiveCards",
            "cardOptions",
            out_track_id,
            params,
        )
        .await
    }

    /// The two update calls, which differ in their path and the name of their options.
    async fn put_card(
        &self,
        path: &str,
        options: &str,
        out_track_id: &str,
        params: &BTreeMap<String, String>,
    ) -> Result<()> {
        if out_track_id.trim().is_empty() {
            return Err(invalid("no outTrackId"));
        }
        let mut body = json!({
            "outTrackId": out_track_id,
            "cardData": card_data(params)?,
            "userIdType": 1,
        });
        body[options] = json!({ "updateCardDataByKey": true });
        self.v1(reqwest::Method::PUT, path, Some(&body))
            .await
            .map(|_| ())
    }

    /// The older `interactiveCards/send`: into one group, or to at most 20 people 1:1.
    pub async fn send_interactive_card(
        &self,
        robot_code: &str,
        card: &TemplateCard,
        to: &[CardSpace],
    ) -> Result<String> {
        let data = check_card(card)?;
        let mut body = json!({
            "cardTemplateId": card.template_id,
            "outTrackId": card.out_track_id,
            "robotCode": robot_code,
            "cardData": data,
        });
        match to {
            [CardSpace::Group(cid)] => {
                body["openConversationId"] = json!(cid);
                body["conversationType"] = json!(1);
            }
            people
                if !people.is_empty()
                    && people.iter().all(|s| matches!(s, CardSpace::Robot(_))) =>
            {
                if people.len() > MAX_CARD_RECEIVERS {
                    return Err(invalid(format!(
                        "{} receivers; interactiveCards/send takes at most {MAX_CARD_RECEIVERS}",
                        people.len()
                    )));
                }
                let ids: Vec<&str> = people
                    .iter()
                    .map(|s| match s {
                        CardSpace::Robot(u) | CardSpace::Group(u) => u.as_str(),
                    })
                    .collect();
                body["receiverUserIdList"] = json!(ids);
                body["conversationType"] = json!(0);
            }
            _ => {
                return Err(invalid(
                    "interactiveCards/send goes to one group or to people, one call each",
                ))
            }
        }
        let v = self
            .v1(
                reqwest::Method::POST,
                "v1.0/im/interactiveCards/send",
                Some(&body),
            )
            .await?;
        Ok(v.pointer("/result/processQueryKey")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned())
    }
}
