//! Sending a template card share: a new card into the group or a winner's single chat
//! (createAndDeliver, or the older
//! interactiveCards/send when the settings say so), or an update in place of a card sent
//! before (same outTrackId).

use super::{Claimed, Worker};
use crate::cards::types::CardPayload;
use crate::groups::db::GroupRow;
use dingtalk::{CardSpace, Error as DtError, ErrorKind, TemplateCard};

impl Worker {
    pub(super) async fn send_card(&self, row: &Claimed, group: &GroupRow) -> Result<(), DtError> {
        let payload: CardPayload = row
            .card_json
            .as_deref()
            .and_then(|j| serde_json::from_str(j).ok())
            .ok_or_else(|| DtError::new(ErrorKind::InvalidMessage, "stored card unreadable"))?;
        let track = row
            .dingtalk_message_id
            .clone()
            .ok_or_else(|| DtError::new(ErrorKind::InvalidMessage, "no outTrackId stored"))?;
        let card = TemplateCard {
            template_id: payload.template_id,
            out_track_id: track,
            params: payload.params,
        };
        // an update goes to every place that shows the card
        let space = if payload.update {
            CardSpace::Group(String::new())
        } else if group.kind == "oto" {
            // a winner told 1:1: the person's single chat with the app robot
            let people: Vec<crate::shares::direct::Recipient> = row
                .recipients
                .as_deref()
                .and_then(|r| serde_json::from_str(r).ok())
                .unwrap_or_default();
            let user = people.into_iter().next().map(|p| p.user_id);
            CardSpace::Robot(
                user.ok_or_else(|| DtError::new(ErrorKind::InvalidRequest, "no recipient stored"))?,
            )
        } else {
            CardSpace::Group(group.open_conversation_id.clone().unwrap_or_default())
        };
        self.sender
            .deliver_card(&space, &card, payload.update, payload.legacy)
            .await
    }
}
