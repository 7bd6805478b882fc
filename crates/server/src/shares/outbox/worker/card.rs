//! Sending a template card share: a new card into the group (createAndDeliver, or the older
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
        let cid = group.open_conversation_id.clone().unwrap_or_default();
        self.sender
            .deliver_card(&CardSpace::Group(cid), &card, payload.update)
            .await
    }
}
