//! Server functions of awards: list, read, give, revoke, the medal wall, the public page, the
//! leaderboard and the figures. Each checks the session and the role, then calls the queries.

use leptos::prelude::*;
use leptos::server_fn::codec::{MultipartData, MultipartFormData};

use crate::awards::types::{
    AwardFigures, AwardFilter, AwardFormChoices, AwardItem, AwardOutcome, AwardPage, LeaderRow,
    PublicAwardView, WallData,
};
use crate::error::AppError;
#[cfg(feature = "ssr")]
use {
    super::{db, give, give_form, stats},
    crate::infra::{flash, state},
    crate::session::auth::require,
    medal_core::Role,
    std::collections::BTreeMap,
};

#[server(prefix = "/sfn", endpoint = "awards/list")]
pub async fn list_awards(filter: AwardFilter) -> Result<AwardPage, AppError> {
    require(Role::Viewer).await?;
    db::list(&state()?.db, &filter).await
}

#[server(prefix = "/sfn", endpoint = "awards/get")]
pub async fn get_award(id: i64) -> Result<AwardItem, AppError> {
    require(Role::Viewer).await?;
    db::get(&state()?.db, id).await
}

#[server(prefix = "/sfn", endpoint = "awards/choices")]
pub async fn award_choices() -> Result<AwardFormChoices, AppError> {
    require(Role::Viewer).await?;
    db::choices(&state()?.db).await
}

/// Awards one medal (multipart form): `medal_id`, `reason`, any number of `staff` ids and
/// `department` names, an optional recipients CSV `file`, `skip_holders`, `share_after`, `tell`
/// (`oto` or `notice`: tell the winners 1:1). On a plain post the typed values go back through
/// the flash.
#[server(prefix = "/sfn", endpoint = "awards/give", input = MultipartFormData)]
pub async fn give_award(data: MultipartData) -> Result<AwardOutcome, AppError> {
    let r = async {
        let admin = require(Role::Awarder).await?;
        let st = state()?;
        let posted = give_form::read_form(data).await?;
        let tell = give_form::tell_channel(&posted)?;
        let r = give_form::give_posted(&st.db, &admin, &posted).await;
        Ok::<_, AppError>((st, admin, posted, tell, r))
    }
    .await;
    let (values, r) = match r {
        Ok((st, admin, posted, tell, r)) => {
            let mut values = posted.values.clone();
            values.insert("staff".into(), posted.staff.join(","));
            values.insert("department".into(), posted.departments.join("\n"));
            let share_after = values.get("share_after").is_some_and(|v| !v.is_empty());
            let r = match r {
                Ok(o) => {
                    let share = if share_after {
                        give_form::share_url(&st.db, &o.batch_id).await?
                    } else {
                        None
                    };
                    let url = share.unwrap_or_else(|| give_form::after_award_url(&o));
                    if let Ok(ids) = give::batch_award_ids(&st.db, &o.batch_id).await {
                        crate::medals::honour::after(&st.db, &ids, false).await;
                    }
                    let told = match tell {
                        Some(channel) => give_form::tell_winners(&st, &admin, &o, &channel).await,
                        None => String::new(),
                    };
                    leptos_axum::redirect(&format!("{url}{told}"));
                    Ok(o)
                }
                Err(e) => Err(e),
            };
            (values, r)
        }
        Err(e) => (BTreeMap::new(), Err(e)),
    };
    flash::finish("award", values, r).await
}

#[server(prefix = "/sfn", endpoint = "awards/revoke")]
pub async fn revoke_award(id: i64, reason: String) -> Result<(), AppError> {
    let values = BTreeMap::from([("reason".to_string(), reason.clone())]);
    let r = async {
        let admin = require(Role::Awarder).await?;
        give::revoke_everywhere(&state()?, &admin, id, &reason).await
    };
    flash::finish("revoke", values, r.await).await
}

#[server(prefix = "/sfn", endpoint = "awards/wall")]
pub async fn medal_wall(staff_id: i64) -> Result<WallData, AppError> {
    require(Role::Viewer).await?;
    stats::wall(&state()?.db, staff_id).await
}

/// The public award page's data. Public: the token is the secret; nothing private is returned.
#[server(prefix = "/sfn", endpoint = "awards/public")]
pub async fn public_award(token: String) -> Result<PublicAwardView, AppError> {
    stats::public(&state()?, &token).await
}

#[server(prefix = "/sfn", endpoint = "awards/leaderboard")]
pub async fn leaderboard(period: String) -> Result<Vec<LeaderRow>, AppError> {
    require(Role::Viewer).await?;
    stats::leaderboard(&state()?.db, medal_core::Period::parse(&period)).await
}

#[server(prefix = "/sfn", endpoint = "awards/stats")]
pub async fn award_stats() -> Result<AwardFigures, AppError> {
    require(Role::Viewer).await?;
    stats::stats(&state()?.db).await
}
