//! `GET /wat-ik-las`: what the audit log holds of the signed-in staff member: every
//! household they read or wrote, when, for what purpose, what was disclosed and on which
//! legal basis. From `AuditService/ListOwnRecords`, which answers only about the caller.

use axum::extract::Query;
use axum::response::{IntoResponse, Response};
use maud::{Markup, html};
use rondom_proto::v1;
use serde::Deserialize;

use super::{SignedIn, refused, words};
use crate::app::State;
use crate::hub::call;
use crate::layout::{page, table, text};

#[derive(Debug, Default, Deserialize)]
pub(crate) struct Paging {
    /// How many days back: `1`, `7` (the default), `30` or `alles`.
    #[serde(default)]
    periode: String,
    #[serde(default)]
    pagina: String,
}

/// The periods the page offers, in days (`None`: everything).
const PERIODS: [(&str, &str, Option<u64>); 4] = [
    ("1", "vandaag en gisteren", Some(1)),
    ("7", "de afgelopen week", Some(7)),
    ("30", "de afgelopen 30 dagen", Some(30)),
    ("alles", "alles", None),
];

impl Paging {
    /// The period chosen, the week when none (or something else) is.
    fn period(&self) -> (&'static str, Option<u64>) {
        PERIODS
            .iter()
            .find(|(value, _, _)| *value == self.periode)
            .map_or(("7", Some(7)), |(value, _, days)| (*value, *days))
    }
}

pub(crate) async fn show(
    axum::extract::State(app): State,
    SignedIn { id, session }: SignedIn,
    Query(paging): Query<Paging>,
) -> Response {
    let (period, days) = paging.period();
    let since = days.map(|days| {
        rondom_proto::convert::timestamp(chrono::Utc::now() - chrono::Duration::days(days as i64))
    });
    let request = v1::ListOwnRecordsRequest {
        page_size: 50,
        page_token: paging.pagina.clone(),
        since,
    };
    let answer = match app
        .hub
        .audit()
        .list_own_records(call(&session.staff, request))
        .await
    {
        Ok(answer) => answer.into_inner(),
        Err(status) => return refused(&app, &id, &session, &status),
    };
    let rows: Vec<Vec<Markup>> = answer.records.iter().map(row).collect();
    let body = html! {
        p class="utrecht-paragraph" {
            "Alles wat u via Rondom inzag of vastlegde, zoals het auditlog het bewaart (de oudste eerst)."
        }
        form method="get" action="/wat-ik-las" class="utrecht-form rondom-filters" {
            div class="utrecht-form-field" {
                label class="utrecht-form-label" for="periode" { "Periode" }
                select class="utrecht-select utrecht-select--html-select" id="periode" name="periode" {
                    @for (value, label, _) in PERIODS {
                        option value=(value) selected[value == period] { (label) }
                    }
                }
            }
            button class="utrecht-button utrecht-button--secondary-action" type="submit" { "Toon" }
        }
        (table("Uw inzages en wijzigingen", &["Wanneer", "Wat", "Huishouden", "Doel", "Uitkomst", "Verstrekt (grondslag)"], &rows))
        @if !answer.next_page_token.is_empty() {
            p class="utrecht-paragraph" {
                a class="utrecht-link" href={ "/wat-ik-las?periode=" (period) "&pagina=" (crate::query::escape(&answer.next_page_token)) } { "Volgende pagina" }
            }
        }
    };
    page(&app, Some(&session), "Wat ik las", body).into_response()
}

fn row(record: &v1::AuditRecord) -> Vec<Markup> {
    let disclosed: Vec<String> = record
        .disclosed
        .iter()
        .map(|disclosure| {
            format!(
                "{} x{} ({})",
                need_to_know(disclosure.need_to_know),
                disclosure.count,
                disclosure.basis
            )
        })
        .collect();
    let household = if record.household_id.is_empty() {
        text("-")
    } else {
        html! { a class="utrecht-link" href={ "/huishoudens/" (record.household_id) } { (super::worklist::short(&record.household_id)) } }
    };
    vec![
        text(words::moment(record.at.as_ref())),
        text(record.method.trim_start_matches("/rondom.v1.")),
        household,
        text(purpose(record.purpose)),
        text(&record.outcome),
        text(disclosed.join("; ")),
    ]
}

fn purpose(value: i32) -> &'static str {
    rondom_proto::convert::purpose_from_proto(value).map_or("-", rondom_domain::Purpose::as_str)
}

fn need_to_know(value: i32) -> &'static str {
    use v1::NeedToKnow as N;
    match N::try_from(value).unwrap_or(N::Unspecified) {
        N::Household => "huishouden",
        N::Pillar => "wet",
        N::Health => "gezondheid",
        N::Protected => "beschermd",
        N::Lane => "eigen baan",
        N::Unspecified => "-",
    }
}
