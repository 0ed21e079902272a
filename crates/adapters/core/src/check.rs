//! [`Check`]: collects every field violation of a write (its context and its payload) so a
//! sender can fix them all in one go.

use chrono::{DateTime, NaiveDate, Utc};
use rondom_domain::InvalidInput;
use rondom_domain::violation::Violations;
use rondom_proto::convert::naive_date;
use rondom_proto::v1;

/// Checks of one write. Payload checks run even when the context is invalid, so every bad
/// field is reported at once.
#[derive(Debug)]
pub struct Check {
    violations: Violations,
    now: DateTime<Utc>,
    occurred_on: Option<NaiveDate>,
    birth_date: Option<NaiveDate>,
    birth_date_given: bool,
    aanbieder: Option<String>,
}

impl Check {
    /// Returns a check of a write arriving at `now`.
    pub fn new(now: DateTime<Utc>) -> Self {
        Self {
            violations: Violations::default(),
            now,
            occurred_on: None,
            birth_date: None,
            birth_date_given: false,
            aanbieder: None,
        }
    }

    /// Records the provider a write reports care of (a start or stop): a provider may send it
    /// only about itself, under a toewijzing to it.
    pub fn aanbieder(&mut self, code: &str) {
        self.aanbieder = Some(code.to_owned());
    }

    pub(crate) fn named_aanbieder(&self) -> Option<&str> {
        self.aanbieder.as_deref()
    }

    pub(crate) fn violations_mut(&mut self) -> &mut Violations {
        &mut self.violations
    }

    pub(crate) fn now(&self) -> DateTime<Utc> {
        self.now
    }

    pub(crate) fn set_occurred_on(&mut self, date: Option<NaiveDate>) {
        self.occurred_on = date;
    }

    pub(crate) fn set_birth_date(&mut self, given: bool, date: Option<NaiveDate>) {
        self.birth_date_given = given;
        self.birth_date = date;
    }

    /// Records a violation unless the first person has a birth date and was younger than
    /// `years` on the day of the event (`law` names the rule, e.g. "the Jeugdwet").
    pub fn younger_than(&mut self, years: u32, law: &str) {
        const FIELD: &str = "context.persons[0].birth_date";
        if !self.birth_date_given {
            self.push(
                FIELD,
                format!("{law} needs the birth date of the person concerned"),
            );
            return;
        }
        let (Some(born), Some(on)) = (self.birth_date, self.occurred_on) else {
            return; // an impossible date was reported already
        };
        if born > on {
            self.push(FIELD, "the birth date lies after the day of the event");
        } else if on.years_since(born).is_some_and(|age| age >= years) {
            self.push(
                FIELD,
                format!("{law} applies to persons younger than {years}; the person was older on the day of the event"),
            );
        }
    }

    /// Returns the age in whole years of the first person on the day of the event, when both
    /// dates were given and valid.
    pub fn age_on_event(&self) -> Option<u32> {
        let (born, on) = (self.birth_date?, self.occurred_on?);
        on.years_since(born)
    }

    /// Returns the Dutch date the event happened on, when the context gave a valid one.
    pub fn occurred_on(&self) -> Option<NaiveDate> {
        self.occurred_on
    }

    /// Returns the birth date of the first person, when given and valid.
    pub fn birth_date(&self) -> Option<NaiveDate> {
        self.birth_date
    }

    /// Records a violation of `field`.
    pub fn push(&mut self, field: impl Into<String>, description: impl Into<String>) {
        self.violations.push(field, description);
    }

    /// Returns the payload message, or records that it is missing.
    pub fn required<T>(&mut self, field: &str, value: Option<T>) -> Option<T> {
        if value.is_none() {
            self.push(field, format!("{field} is required"));
        }
        value
    }

    /// Returns a required date; records a missing or impossible one.
    pub fn date(&mut self, field: &str, value: Option<&v1::Date>) -> Option<NaiveDate> {
        match value {
            None => {
                self.push(field, format!("{field} is required"));
                None
            }
            Some(date) => self.optional_date(field, Some(date)).flatten(),
        }
    }

    /// Returns an optional date: `Some(None)` when absent, `None` when given but impossible or
    /// outside [`rondom_domain::calendar::write_dates`].
    pub fn optional_date(
        &mut self,
        field: &str,
        value: Option<&v1::Date>,
    ) -> Option<Option<NaiveDate>> {
        let Some(date) = value else {
            return Some(None);
        };
        match naive_date(date) {
            Some(date) => match rondom_domain::calendar::out_of_range(date) {
                None => Some(Some(date)),
                Some(reason) => {
                    self.push(field, reason);
                    None
                }
            },
            None => {
                self.push(
                    field,
                    format!(
                        "{:04}-{:02}-{:02} is not a date",
                        date.year, date.month, date.day
                    ),
                );
                None
            }
        }
    }

    /// Returns an enum value; records an unspecified (0) or unknown number, listing `choices`.
    pub fn choice<E: TryFrom<i32>>(&mut self, field: &str, value: i32, choices: &str) -> Option<E> {
        let known = if value == 0 {
            None
        } else {
            E::try_from(value).ok()
        };
        if known.is_none() {
            self.push(field, format!("{field} is required: one of {choices}"));
        }
        known
    }

    /// Records a violation when `value` is not an [`v1::Aanlevering`]: how a delivery of
    /// care (toewijzing, start, stop) relates to the earlier one of its case. 0 is a fact of
    /// its own.
    pub fn aanlevering(&mut self, field: &str, value: i32) {
        if v1::Aanlevering::try_from(value).is_err() {
            self.push(
                field,
                format!("{field} is one of UNSPECIFIED, GECORRIGEERD, VERWIJDERD"),
            );
        }
    }

    /// Records a violation when `value` does not have the form `rule` checks.
    pub fn code(&mut self, field: &str, value: &str, rule: fn(&str) -> Result<(), &'static str>) {
        if let Err(description) = rule(value) {
            self.push(field, description);
        }
    }

    /// [`Check::code`] for a field that may be left empty.
    pub fn optional_code(
        &mut self,
        field: &str,
        value: &str,
        rule: fn(&str) -> Result<(), &'static str>,
    ) {
        if !value.is_empty() {
            self.code(field, value, rule);
        }
    }

    /// Records a violation when `date` (of `field`) lies before `earlier` (`what` it is).
    pub fn not_before(
        &mut self,
        field: &str,
        date: Option<NaiveDate>,
        earlier: Option<NaiveDate>,
        what: &str,
    ) {
        if let (Some(date), Some(earlier)) = (date, earlier)
            && date < earlier
        {
            self.push(field, format!("{date} lies before {what} ({earlier})"));
        }
    }

    /// Records a violation when `date` lies after the day the event happened: a decision
    /// cannot cite something that had not happened yet.
    pub fn not_after_event(&mut self, field: &str, date: Option<NaiveDate>) {
        if let (Some(date), Some(occurred_on)) = (date, self.occurred_on)
            && date > occurred_on
        {
            self.push(
                field,
                format!("{date} lies after the event itself (occurred_at {occurred_on})"),
            );
        }
    }

    /// Checks a decision on an application at `prefix` (e.g. `beschikking`): its outcome
    /// `besluit`, and the date it cites (`cited`, e.g. the aanvraag), which is required and
    /// not after the decision itself. Returns the outcome when valid.
    pub fn decision(
        &mut self,
        prefix: &str,
        besluit: i32,
        cited: &str,
        cited_date: Option<&v1::Date>,
    ) -> Option<v1::Besluit> {
        let outcome = self.choice::<v1::Besluit>(
            &format!("{prefix}.besluit"),
            besluit,
            "TOEGEKEND, GEDEELTELIJK_TOEGEKEND, AFGEWEZEN",
        );
        let field = format!("{prefix}.{cited}");
        let date = self.date(&field, cited_date);
        self.not_after_event(&field, date);
        date.and(outcome)
    }

    /// Checks the period a decision grants at `prefix`: `ingangsdatum` required, `einddatum`
    /// optional and not before it.
    pub fn granted_period(
        &mut self,
        prefix: &str,
        start: Option<&v1::Date>,
        end: Option<&v1::Date>,
    ) {
        let start = self.date(&format!("{prefix}.ingangsdatum"), start);
        let end_field = format!("{prefix}.einddatum");
        let end = self.optional_date(&end_field, end).flatten();
        self.not_before(&end_field, end, start, "the ingangsdatum");
    }

    /// Checks a beschikking on care (Wmo, Jeugdwet) at `prefix`: a decision citing its
    /// `aanvraag_ontvangen_op`, a productcategorie and, unless refused, the period it grants.
    pub fn care_decision(
        &mut self,
        prefix: &str,
        besluit: i32,
        aanvraag_ontvangen_op: Option<&v1::Date>,
        productcategorie: &str,
        ingangsdatum: Option<&v1::Date>,
        einddatum: Option<&v1::Date>,
    ) -> Option<v1::Besluit> {
        let outcome = self.decision(
            prefix,
            besluit,
            "aanvraag_ontvangen_op",
            aanvraag_ontvangen_op,
        );
        self.code(
            &format!("{prefix}.productcategorie"),
            productcategorie,
            rondom_domain::code::check_productcategorie,
        );
        if outcome != Some(v1::Besluit::Afgewezen) {
            self.granted_period(prefix, ingangsdatum, einddatum);
        }
        outcome
    }

    /// Records a violation for an amount in cents that is not above zero (or absurdly large).
    pub fn positive_cents(&mut self, field: &str, cents: i64) {
        if cents <= 0 {
            self.push(field, "an amount is more than zero (in euro cents)");
        } else if cents > 10_000_000_000 {
            self.push(field, "an amount above 100 million euro is not credible");
        }
    }

    /// Returns the payload, or every violation recorded.
    ///
    /// # Errors
    /// [`InvalidInput`] when any field broke a rule.
    pub fn finish<T>(self, value: Option<T>) -> Result<T, InvalidInput> {
        let Check { violations, .. } = self;
        match value {
            Some(value) if violations.is_empty() => Ok(value),
            None if violations.is_empty() => {
                Err(InvalidInput::single("request", "the request is incomplete"))
            }
            _ => Err(violations
                .finish(|| ())
                .expect_err("violations were recorded")),
        }
    }
}
