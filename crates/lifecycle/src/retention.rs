//! Which households' personal data is due to go ([`rondom_domain::retention`]), found by a
//! scan of the household views; the retention task erases them through the same path as an
//! operator's erasure.

use chrono::NaiveDate;
use rondom_domain::HouseholdId;
use rondom_domain::retention::RetentionTerms;
use rondom_proto::convert::{datetime, pillar_from_proto};
use rondom_proto::v1;

use rondom_fold::StoredHousehold;
use rondom_projector::ReadModel;
use rondom_projector::error::Result;

/// A household whose retention period ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Due {
    pub household: HouseholdId,
    /// The day its period ended.
    pub since: NaiveDate,
}

/// Returns the day `household`'s data is due to go, under its gemeente's terms; `None` while
/// any trajectory or gecoördineerde aanpak runs, or once it is erased. Each case counts from
/// its end under its law's period; signals and the coordinator's work count from the last of
/// them under the wijkteam's, cases or not (a signal of yesterday keeps the household); a
/// household with neither counts from its last activity, under the wijkteam's period.
pub fn due(household: &StoredHousehold, terms: &RetentionTerms) -> Option<NaiveDate> {
    if household.erasure.is_some() {
        return None;
    }
    let day = |at: Option<&prost_types::Timestamp>| {
        at.and_then(datetime)
            .map(rondom_domain::calendar::local_date)
    };
    let mut spans: Vec<(rondom_domain::Pillar, Option<NaiveDate>)> = household
        .trajectories
        .iter()
        .filter_map(|trajectory| {
            let pillar = pillar_from_proto(trajectory.pillar)?;
            let ended = trajectory.stage == v1::TrajectoryState::Beeindigd as i32;
            Some((
                pillar,
                ended.then(|| day(trajectory.updated_at.as_ref())).flatten(),
            ))
        })
        .collect();
    let coordinated = household
        .counts
        .iter()
        .filter(|count| count.signal || count.pillar == v1::Pillar::Regie as i32)
        .filter_map(|count| day(count.last_activity_at.as_ref()))
        .max();
    let aanpak_runs = household
        .aanpakken
        .iter()
        .any(|aanpak| aanpak.ended_position == 0);
    if aanpak_runs {
        spans.push((rondom_domain::Pillar::Wijkteam, None));
    } else if coordinated.is_some() {
        spans.push((rondom_domain::Pillar::Wijkteam, coordinated));
    }
    if spans.is_empty() {
        spans.push((
            rondom_domain::Pillar::Wijkteam,
            day(household.last_activity_at.as_ref()),
        ));
    }
    // The household's gemeente sets its terms, where it set its own.
    terms.due(household.gemeente_code.parse().ok().as_ref(), &spans)
}

/// Returns up to `limit` households due on `as_of`, after `after` in id order, and where the
/// scan stopped (`None` at the end).
///
/// # Errors
/// [`rondom_projector::Error::Storage`] when sled fails.
pub fn due_on(
    model: &ReadModel,
    terms: &RetentionTerms,
    as_of: NaiveDate,
    after: Option<HouseholdId>,
    limit: usize,
) -> Result<(Vec<Due>, Option<HouseholdId>)> {
    let mut found = Vec::new();
    for item in model.households_after(after.as_ref()) {
        let (household, view) = item?;
        if let Some(since) = due(&view, terms)
            && since <= as_of
        {
            found.push(Due { household, since });
            if found.len() >= limit {
                return Ok((found, Some(household)));
            }
        }
    }
    Ok((found, None))
}

/// Who the retention task is in the erasure events it writes.
pub const RETENTION_CLIENT: &str = "rondom-retention";

/// Every `every` (first after a minute), erases the households whose retention period ended
/// by today, and says what it did; until `cancel`.
pub async fn run(
    lifecycle: crate::Lifecycle,
    every: std::time::Duration,
    cancel: tokio_util::sync::CancellationToken,
) {
    let mut wait = std::time::Duration::from_secs(60).min(every);
    loop {
        tokio::select! {
            () = cancel.cancelled() => return,
            () = tokio::time::sleep(wait) => {}
        }
        wait = every;
        let today = rondom_domain::calendar::today();
        let mut erased = 0usize;
        let mut after = None;
        loop {
            let model = lifecycle.read.model.clone();
            let terms = lifecycle.retention.clone();
            let page =
                tokio::task::spawn_blocking(move || due_on(&model, &terms, today, after, 100))
                    .await
                    .expect("a retention scan does not panic");
            let (due, next) = match page {
                Ok(page) => page,
                Err(err) => {
                    tracing::error!(
                        error = &err as &dyn std::error::Error,
                        "retention scan failed"
                    );
                    break;
                }
            };
            for household in due {
                let done = match crate::erasure::erase(
                    &lifecycle.read,
                    &lifecycle.eraser,
                    household.household,
                    v1::ErasureReason::BewaartermijnVerstreken,
                    RETENTION_CLIENT,
                )
                .await
                {
                    Ok(_) => {
                        erased += 1;
                        true
                    }
                    Err(err) => {
                        tracing::error!(
                            household = %household.household,
                            error = &err as &dyn std::error::Error,
                            "retention could not erase a household; it tries again next run"
                        );
                        false
                    }
                };
                // On the audit log as an operator's erasure is, done or not.
                let act = crate::on_record::Act {
                    who: RETENTION_CLIENT,
                    what: format!("retention period ended on {}", household.since),
                    household: Some(household.household.to_string()),
                    outcome: if done { "OK" } else { "UNAVAILABLE" },
                };
                if let Err(err) = crate::on_record::record(&lifecycle.read.audit, act).await {
                    tracing::error!(
                        household = %household.household,
                        error = &err as &dyn std::error::Error,
                        "retention could not put an erasure on the audit log"
                    );
                }
            }
            match next {
                Some(last) => after = Some(last),
                None => break,
            }
        }
        tracing::info!(erased, on = %today, "retention run done");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rondom_fold::StoredTrajectory;

    fn at(year: i32, month: u32, day: u32) -> Option<prost_types::Timestamp> {
        let time = NaiveDate::from_ymd_opt(year, month, day)?
            .and_hms_opt(12, 0, 0)?
            .and_utc();
        Some(rondom_proto::convert::timestamp(time))
    }

    fn trajectory(pillar: v1::Pillar, state: v1::TrajectoryState) -> StoredTrajectory {
        StoredTrajectory {
            pillar: pillar as i32,
            stage: state as i32,
            updated_at: at(2026, 5, 4),
            ..Default::default()
        }
    }

    #[test]
    fn a_household_is_due_once_every_case_ended_and_its_period_passed() {
        let terms = RetentionTerms::from_toml("[years]\nwmo = 5\n").expect("terms");
        let mut household = StoredHousehold {
            trajectories: vec![
                trajectory(v1::Pillar::Wmo, v1::TrajectoryState::Beeindigd),
                trajectory(v1::Pillar::Jeugd, v1::TrajectoryState::Actief),
            ],
            ..Default::default()
        };
        assert_eq!(due(&household, &terms), None, "jeugd is still open");
        household.trajectories[1].stage = v1::TrajectoryState::Beeindigd as i32;
        assert_eq!(due(&household, &terms), NaiveDate::from_ymd_opt(2046, 5, 4));
        household.trajectories.remove(1);
        assert_eq!(due(&household, &terms), NaiveDate::from_ymd_opt(2031, 5, 4));
        household.erasure = Some(v1::Erasure::default());
        assert_eq!(due(&household, &terms), None, "erased already");
        let signals_only = StoredHousehold {
            last_activity_at: at(2026, 1, 10),
            ..Default::default()
        };
        assert_eq!(
            due(&signals_only, &terms),
            NaiveDate::from_ymd_opt(2046, 1, 10)
        );
    }

    #[test]
    fn a_signal_after_the_last_case_ended_keeps_the_household_its_own_period() {
        let terms =
            RetentionTerms::from_toml("[years]\nschuldhulp = 7\nwijkteam = 5\n").expect("terms");
        let mut household = StoredHousehold {
            trajectories: vec![StoredTrajectory {
                updated_at: at(2019, 3, 1),
                ..trajectory(v1::Pillar::Schuldhulp, v1::TrajectoryState::Beeindigd)
            }],
            ..Default::default()
        };
        assert_eq!(due(&household, &terms), NaiveDate::from_ymd_opt(2026, 3, 1));
        // A wijkteam signal of yesterday: five years from it.
        household.counts.push(rondom_fold::ClassCount {
            pillar: v1::Pillar::Schuldhulp as i32,
            signal: true,
            count: 1,
            last_activity_at: at(2026, 12, 6),
            ..Default::default()
        });
        assert_eq!(
            due(&household, &terms),
            NaiveDate::from_ymd_opt(2031, 12, 6)
        );
        // A gecoördineerde aanpak that runs keeps it whole.
        household
            .aanpakken
            .push(rondom_fold::StoredAanpak::default());
        assert_eq!(due(&household, &terms), None);
    }

    #[test]
    fn the_households_gemeente_sets_its_terms() {
        let terms = RetentionTerms::from_toml("[years]\nwmo = 5\n[gemeente.0392.years]\nwmo = 3\n")
            .expect("terms");
        let household = |gemeente: &str| StoredHousehold {
            gemeente_code: gemeente.into(),
            trajectories: vec![trajectory(v1::Pillar::Wmo, v1::TrajectoryState::Beeindigd)],
            ..Default::default()
        };
        assert_eq!(
            due(&household("0392"), &terms),
            NaiveDate::from_ymd_opt(2029, 5, 4)
        );
        assert_eq!(
            due(&household("0363"), &terms),
            NaiveDate::from_ymd_opt(2031, 5, 4)
        );
    }
}
