//! Template cards in the simulator: card templates made through the control API
//! (`POST /_control/card-templates {name, variables}`), and the cards delivered from them shown
//! in chats with their variables, kept in step when a card is updated in place.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::info::{CardShown, CardTemplateInfo, Received};
use super::world::World;
use super::{random_string, Simulator, HEX};
use crate::message::Message;

/// A card template to make.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct CardTemplateSpec {
    pub name: String,
    pub variables: Vec<String>,
    /// Generated (`xxxxxxxx-…​.schema`, as the card builder's ids look) when empty.
    pub template_id: Option<String>,
}

impl Simulator {
    pub fn create_card_template(&self, spec: CardTemplateSpec) -> CardTemplateInfo {
        let id = spec
            .template_id
            .filter(|t| !t.is_empty())
            .unwrap_or_else(|| {
                let h = random_string(32, HEX);
                format!(
                    "{}-{}-{}-{}-{}.schema",
                    &h[..8],
                    &h[8..12],
                    &h[12..16],
                    &h[16..20],
                    &h[20..]
                )
            });
        let info = CardTemplateInfo {
            template_id: id,
            name: if spec.name.trim().is_empty() {
                "勋章卡片".into()
            } else {
                spec.name
            },
            variables: spec.variables,
        };
        let mut w = self.world();
        w.card_templates
            .retain(|t| t.template_id != info.template_id);
        w.card_templates.push(info.clone());
        info
    }

    pub fn card_templates(&self) -> Vec<CardTemplateInfo> {
        self.world().card_templates.clone()
    }
}

impl World {
    pub fn card_template(&self, id: &str) -> Option<CardTemplateInfo> {
        self.card_templates
            .iter()
            .find(|t| t.template_id == id)
            .cloned()
    }

    /// The card as a chat shows it: the template's variables in its order, then any others.
    pub fn card_shown(&self, out_track_id: &str, updates: u32) -> Option<(CardShown, Message)> {
        let (template_id, params) = self.cards.get(out_track_id)?;
        let t = self.card_template(template_id)?;
        let mut shown: Vec<(String, String)> = t
            .variables
            .iter()
            .map(|v| (v.clone(), params.get(v).cloned().unwrap_or_default()))
            .collect();
        for (k, v) in params {
            if !t.variables.contains(k) {
                shown.push((k.clone(), v.clone()));
            }
        }
        let text = shown
            .iter()
            .map(|(k, v)| format!("**{k}**：{v}"))
            .collect::<Vec<_>>()
            .join("  \n");
        let card = CardShown {
            template_id: template_id.clone(),
            template_name: t.name.clone(),
            out_track_id: out_track_id.to_owned(),
            params: shown,
            updates,
        };
        Some((card, Message::markdown(t.name, text)))
    }

    /// Records a new card and its message in a group or a person's chat.
    pub fn post_card(
        &mut self,
        out_track_id: &str,
        template_id: &str,
        params: BTreeMap<String, String>,
        sender: &str,
        space: (&str, &str),
    ) {
        self.cards
            .insert(out_track_id.to_owned(), (template_id.to_owned(), params));
        let Some((card, message)) = self.card_shown(out_track_id, 0) else {
            return;
        };
        let seq = self.next_seq();
        let r = Received {
            seq,
            at_ms: crate::sign::now_ms(),
            sender: sender.to_owned(),
            via: "card".into(),
            msg_uuid: None,
            msg_key: None,
            message,
            card: Some(card),
        };
        match space {
            ("IM_GROUP", cid) => {
                if let Some(g) = self.groups.get_mut(cid) {
                    g.messages.push(r);
                }
            }
            (_, user) => self.direct.entry(user.to_owned()).or_default().push(r),
        }
    }

    /// Updates a card's variables (those named) and every chat that shows it.
    pub fn update_card(&mut self, out_track_id: &str, params: BTreeMap<String, String>) -> bool {
        let Some((_, stored)) = self.cards.get_mut(out_track_id) else {
            return false;
        };
        stored.extend(params);
        let is_it = |r: &Received| {
            r.card
                .as_ref()
                .is_some_and(|c| c.out_track_id == out_track_id)
        };
        let updates = self
            .groups
            .values()
            .map(|g| &g.messages)
            .chain(self.direct.values())
            .flat_map(|m| m.iter())
            .find(|r| is_it(r))
            .and_then(|r| r.card.as_ref())
            .map_or(0, |c| c.updates + 1);
        let Some((card, message)) = self.card_shown(out_track_id, updates) else {
            return true;
        };
        let chats = self
            .groups
            .values_mut()
            .map(|g| &mut g.messages)
            .chain(self.direct.values_mut());
        for r in chats.flat_map(|m| m.iter_mut()).filter(|r| is_it(r)) {
            r.card = Some(card.clone());
            r.message = message.clone();
        }
        true
    }
}
