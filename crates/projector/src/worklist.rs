//! Worklists (`ListHouseholds`): households that match a coordinator's filters, the most
//! urgent deadline first. Households with an open duty come from the deadline index in due
//! order; when no deadline filter is set, the households without one follow in id order.
//! Each household appears once, at its most urgent deadline (in the pillar asked for, when a
//! pillar filter is set: a Jeugd worklist orders by Jeugd deadlines).

use chrono::NaiveDate;
use rondom_domain::HouseholdId;
use rondom_proto::v1;

use crate::error::{Error, Result};
use crate::store::{ReadModel, open_deadline_keys_in, parse_deadline_key};
use rondom_access::clients::Client;
use rondom_access::disclosure::{self, Reader};
use rondom_fold::assess;
use rondom_fold::day_number;
use rondom_fold::{StoredHousehold, active_pillars};

/// Where a page ends, to continue after.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cursor {
    /// The last deadline index key returned.
    Deadline(Vec<u8>),
    /// The last household without an open deadline returned.
    Household(HouseholdId),
}

impl Cursor {
    /// Returns the opaque page token.
    pub fn token(&self) -> String {
        match self {
            Cursor::Deadline(key) => format!("v1.d.{}", hex::encode(key)),
            Cursor::Household(id) => format!("v1.h.{id}"),
        }
    }

    /// Parses a page token; `None` for one that is not ours.
    pub fn parse(token: &str) -> Option<Cursor> {
        if let Some(key) = token.strip_prefix("v1.d.") {
            let key = hex::decode(key).ok()?;
            parse_deadline_key(&key).ok()?;
            return Some(Cursor::Deadline(key));
        }
        token
            .strip_prefix("v1.h.")
            .and_then(|id| id.parse().ok())
            .map(Cursor::Household)
    }
}

/// What a coordinator asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorklistQuery {
    /// Who asks: rows and filters see each household as this reader may know it.
    pub reader: Client,
    /// The gemeenten listed; empty lists none (a worklist is always bound to the caller's).
    pub gemeenten: Vec<String>,
    pub pillar: Option<i32>,
    pub regisseur: Option<String>,
    pub no_regisseur: bool,
    /// Only households whose most urgent duty was due before `as_of`.
    pub overdue: bool,
    /// Only households with a duty due within this many days of `as_of` (overdue included).
    pub due_within_days: Option<u32>,
    pub min_active_pillars: u32,
    pub risk_flag: Option<v1::RiskFlag>,
    pub as_of: NaiveDate,
    pub limit: usize,
    pub after: Option<Cursor>,
}

/// One page of a worklist.
#[derive(Debug, Clone, PartialEq)]
pub struct WorklistPage {
    pub rows: Vec<v1::WorklistRow>,
    /// The legal basis each row is shown on, for the audit log.
    pub bases: Vec<String>,
    pub next: Option<Cursor>,
}

impl WorklistQuery {
    /// The last due day a deadline filter admits.
    fn last_due_day(&self) -> Option<i32> {
        let today = day_number(self.as_of);
        match (self.overdue, self.due_within_days) {
            (true, _) => Some(today - 1),
            (false, Some(days)) => Some(today + days as i32),
            (false, None) => None,
        }
    }

    /// Returns the household as the reader may know it, and the basis it knows it on;
    /// `None` when it knows none of it.
    fn visible(&self, household: &StoredHousehold) -> Option<(StoredHousehold, String)> {
        let reader = Reader {
            client: &self.reader,
            on_behalf_of: "",
        };
        let standing = reader.standing(household, None);
        let known = disclosure::visible(household, &standing)?;
        Some((known, standing.row_basis().to_string()))
    }

    fn matches(&self, household: &StoredHousehold) -> bool {
        if !self.gemeenten.contains(&household.gemeente_code) {
            return false;
        }
        let active = active_pillars(household);
        if self.pillar.is_some_and(|pillar| !active.contains(&pillar)) {
            return false;
        }
        let regisseur = household
            .regisseur
            .as_ref()
            .map(|r| r.regisseur_id.as_str());
        if self.no_regisseur && regisseur.is_some() {
            return false;
        }
        if self
            .regisseur
            .as_ref()
            .is_some_and(|wanted| regisseur != Some(wanted.as_str()))
        {
            return false;
        }
        if assess::law_pillars_active(household) < self.min_active_pillars as usize {
            return false;
        }
        if let Some(flag) = self.risk_flag
            && !assess::risk_flags(household, self.as_of).contains(&flag)
        {
            return false;
        }
        true
    }

    fn row(&self, id: &HouseholdId, household: &StoredHousehold) -> v1::WorklistRow {
        v1::WorklistRow {
            household_id: id.to_string(),
            gemeente_code: household.gemeente_code.clone(),
            active_pillars: active_pillars(household),
            regisseur_id: household
                .regisseur
                .as_ref()
                .map(|r| r.regisseur_id.clone())
                .unwrap_or_default(),
            most_urgent: assess::most_urgent(household, self.as_of, self.pillar),
            open_deadlines: household
                .deadlines
                .iter()
                .filter(|d| d.is_actionable())
                .count() as u32,
            risk_flags: assess::risk_flags(household, self.as_of)
                .into_iter()
                .map(|flag| flag as i32)
                .collect(),
            member_count: household.members.len() as u32,
            last_position: household.last_position,
        }
    }
}

/// Returns one page of the worklist.
///
/// # Errors
/// [`Error::Storage`] or [`Error::Corrupt`].
pub fn list(model: &ReadModel, query: &WorklistQuery) -> Result<WorklistPage> {
    let mut rows = Vec::new();
    let last_due = query.last_due_day();
    if !matches!(query.after, Some(Cursor::Household(_))) {
        let after = match &query.after {
            Some(Cursor::Deadline(key)) => Some(key.as_slice()),
            _ => None,
        };
        for key in model.deadline_index(after) {
            let key = key?;
            let (due, id) = parse_deadline_key(&key)?;
            if last_due.is_some_and(|last| due > last) {
                break;
            }
            let Some(household) = model.household(&id)? else {
                return Err(Error::Corrupt {
                    what: "deadline index entry without a household",
                });
            };
            // Listed once, at its most urgent deadline the reader may see.
            let Some((household, basis)) = query.visible(&household) else {
                continue;
            };
            if open_deadline_keys_in(&id, &household, query.pillar).first() != Some(&key)
                || !query.matches(&household)
            {
                continue;
            }
            if rows.len() == query.limit {
                return Ok(page(rows, true));
            }
            rows.push((Cursor::Deadline(key), query.row(&id, &household), basis));
        }
    }
    if last_due.is_some() {
        // Only households with a deadline qualify; the scan below is for the rest.
        return Ok(page(rows, false));
    }
    let after = match &query.after {
        Some(Cursor::Household(id)) => Some(*id),
        _ => None,
    };
    for item in model.households_after(after.as_ref()) {
        let (id, household) = item?;
        let Some((household, basis)) = query.visible(&household) else {
            continue;
        };
        if !open_deadline_keys_in(&id, &household, query.pillar).is_empty()
            || !query.matches(&household)
        {
            continue;
        }
        if rows.len() == query.limit {
            return Ok(page(rows, true));
        }
        rows.push((Cursor::Household(id), query.row(&id, &household), basis));
    }
    Ok(page(rows, false))
}

/// Returns the page; when `more` follow, it continues after its last row.
fn page(rows: Vec<(Cursor, v1::WorklistRow, String)>, more: bool) -> WorklistPage {
    let next = if more {
        rows.last().map(|(cursor, _, _)| cursor.clone())
    } else {
        None
    };
    let (rows, bases) = rows.into_iter().map(|(_, row, basis)| (row, basis)).unzip();
    WorklistPage { rows, bases, next }
}
