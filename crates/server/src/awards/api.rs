//! Server functions of awards: list, read, give, revoke, the medal wall, the public page, the leaderboard and the figures.

use crate::awards::types::AwardFigures;
use crate::awards::types::AwardFilter;
use crate::awards::types::AwardFormChoices;
use crate::awards::types::AwardItem;
use crate::awards::types::AwardOutcome;
use crate::awards::types::AwardPage;
use crate::awards::types::LeaderRow;
use crate::awards::types::PublicAwardView;
use crate::awards::types::WallData;
use crate::error::AppError;
use leptos::prelude::*;
use leptos::server_fn::codec::{MultipartData, MultipartFormData};
#[cfg(feature = "ssr")]
use medal_core::Role;
#[cfg(feature = "ssr")]
use std::collections::BTreeMap;

#[server(prefix = "/sfn", endpoint = "awards/list")]
pub async fn list_awards(filter: AwardFilter) -> Result<AwardPage, AppError> {
    crate::session::auth::require(Role::Viewer).await?;
    crate::awards::db::list(&filter).await
}

#[server(prefix = "/sfn", endpoint = "awards/get")]
pub async fn get_award(id: i64) -> Result<AwardItem, AppError> {
    crate::session::auth::require(Role::Viewer).await?;
    crate::awards::db::get(id).await
}

#[server(prefix = "/sfn", endpoint = "awards/choices")]
pub async fn award_choices() -> Result<AwardFormChoices, AppError> {
    crate::session::auth::require(Role::Viewer).await?;
    crate::awards::db::choices().await
}

/// Awards one medal (multipart form): `medal_id`, `reason`, any number of `staff` ids and
/// `department` names, an optional recipients CSV `file`, `skip_holders`, `share_after`.
#[server(prefix = "/sfn", endpoint = "awards/give", input = MultipartFormData)]
pub async fn give_award(data: MultipartData) -> Result<AwardOutcome, AppError> {
    crate::awards::give_form::give_from_form(data).await
}

#[server(prefix = "/sfn", endpoint = "awards/revoke")]
pub async fn revoke_award(id: i64, reason: String) -> Result<(), AppError> {
    let values = BTreeMap::from([("reason".to_string(), reason.clone())]);
    let r = crate::awards::give::revoke(id, &reason).await;
    crate::infra::flash::finish("revoke", values, r).await
}

#[server(prefix = "/sfn", endpoint = "awards/wall")]
pub async fn medal_wall(staff_id: i64) -> Result<WallData, AppError> {
    crate::session::auth::require(Role::Viewer).await?;
    crate::awards::stats::wall(staff_id).await
}

/// The public award page's data. Public: the token is the secret; nothing private is returned.
#[server(prefix = "/sfn", endpoint = "awards/public")]
pub async fn public_award(token: String) -> Result<PublicAwardView, AppError> {
    crate::awards::stats::public(&token).await
}

#[server(prefix = "/sfn", endpoint = "awards/leaderboard")]
pub async fn leaderboard(period: String) -> Result<Vec<LeaderRow>, AppError> {
    crate::session::auth::require(Role::Viewer).await?;
    crate::awards::stats::leaderboard(medal_core::Period::parse(&period)).await
}

#[server(prefix = "/sfn", endpoint = "awards/stats")]
pub async fn award_stats() -> Result<AwardFigures, AppError> {
    crate::session::auth::require(Role::Viewer).await?;
    crate::awards::stats::stats().await
}
