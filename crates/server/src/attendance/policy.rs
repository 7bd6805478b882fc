//! The attendance policy: kept in the settings table, changed by admins (audited), and applied
//! to a person's checks of one day.

use crate::attendance::AttendancePolicy;
use crate::error::AppError;
use crate::infra::audit::audit;
use crate::infra::kv::{settings_get, settings_put};
use crate::infra::Db;
use crate::session::types::AdminInfo;
use dingtalk::TimeResult;
use serde_json::json;

const KEY: &str = "attendance.policy";

pub async fn load(db: &Db) -> Result<AttendancePolicy, AppError> {
    Ok(settings_get(db, KEY)
        .await?
        .and_then(|s| AttendancePolicy::parse(&s))
        .unwrap_or_default())
}

pub async fn save(db: &Db, admin: &AdminInfo, p: AttendancePolicy) -> Result<(), AppError> {
    let before = load(db).await?;
    settings_put(db, KEY, p.key()).await?;
    audit(
        db,
        admin,
        "attendance.policy",
        "settings",
        0,
        Some(json!({ "policy": before.key() })),
        Some(json!({ "policy": p.key() })),
    )
    .await
}

/// Whether a day with these check results counts as attended (a day needs at least one check).
pub fn attended(p: AttendancePolicy, checks: &[TimeResult]) -> bool {
    if checks.is_empty() {
        return false;
    }
    match p {
        AttendancePolicy::AllNormal => checks.iter().all(|c| *c == TimeResult::Normal),
        AttendancePolicy::Clocked => checks.iter().any(|c| c.clocked()),
        AttendancePolicy::ClockedNotLate => {
            checks.iter().any(|c| c.clocked()) && !checks.iter().any(|c| c.late())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use AttendancePolicy::*;
    use TimeResult::*;

    #[test]
    fn each_policy_as_its_words_say() {
        let days: &[(&[TimeResult], [bool; 3])] = &[
            (&[Normal, Normal], [true, true, true]),
            (&[Late, Normal], [false, true, false]),
            (&[Normal, Early], [false, true, true]),
            (&[Normal, NotSigned], [false, true, true]),
            (&[SeriousLate, Early], [false, true, false]),
            (&[NotSigned, NotSigned], [false, false, false]),
            (&[], [false, false, false]),
        ];
        for (checks, want) in days {
            for (p, w) in [AllNormal, Clocked, ClockedNotLate].into_iter().zip(want) {
                assert_eq!(attended(p, checks), *w, "{p:?} {checks:?}");
            }
        }
    }
}
