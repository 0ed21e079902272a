//! `GET /huishoudens/{id}/tijdlijn`: what happened around the household, newest first, paged
//! and filtered by law; each entry as much as this staff member may see of it (one
//! `GetTimeline` call for regie).

use axum::extract::{Path, Query};
use axum::response::{IntoResponse, Response};
use maud::{Markup, html};
use rondom_domain::Pillar;
use rondom_proto::v1;
use serde::Deserialize;

use super::{SignedIn, refused, words};
use crate::app::State;
use crate::hub::call;
use crate::layout::{page, table, text};

#[derive(Debug, Default, Deserialize)]
pub(crate) struct Filters {
    /// A pillar by its wire name, or empty for all.
    #[serde(default)]
    wet: String,
    #[serde(default)]
    pagina: String,
}

pub(crate) async fn show(
    axum::extract::State(app): State,
    SignedIn { id, session }: SignedIn,
    Path(household_id): Path<String>,
    Query(filters): Query<Filters>,
) -> Response {
    let pillar = Pillar::ALL
        .into_iter()
        .find(|pillar| pillar.as_str() == filters.wet);
    let request = v1::GetTimelineRequest {
        household_id: household_id.clone(),
        page_size: 25,
        page_token: filters.pagina.clone(),
        pillars: pillar
            .map(|pillar| v1::Pillar::from(pillar) as i32)
            .into_iter()
            .collect(),
        purpose: v1::Purpose::Regie as i32,
        ..Default::default()
    };
    let answer = match app
        .hub
        .households()
        .get_timeline(call(&session.staff, request))
        .await
    {
        Ok(answer) => answer.into_inner(),
        Err(status) => return refused(&app, &id, &session, &status),
    };
    let rows: Vec<Vec<Markup>> = answer.entries.iter().map(row).collect();
    let short = super::worklist::short(&household_id);
    let body = html! {
        p class="utrecht-paragraph" {
            a class="utrecht-link" href={ "/huishoudens/" (household_id) } { "Terug naar huishouden " (short) }
        }
        form method="get" class="utrecht-form rondom-filters" {
            div class="utrecht-form-field" {
                label class="utrecht-form-label" for="wet" { "Wet" }
                select class="utrecht-select utrecht-select--html-select" id="wet" name="wet" {
                    option value="" selected[pillar.is_none()] { "alles" }
                    @for each in Pillar::ALL {
                        option value=(each.as_str()) selected[pillar == Some(each)] { (each.label()) }
                    }
                }
            }
            button class="utrecht-button utrecht-button--secondary-action" type="submit" { "Filter" }
        }
        (table("Gebeurtenissen, de nieuwste eerst", &["Wanneer", "Wet", "Wat", "Zaak", "Toelichting"], &rows))
        @if !answer.next_page_token.is_empty() {
            p class="utrecht-paragraph" {
                a class="utrecht-link" href={ "/huishoudens/" (household_id) "/tijdlijn?wet=" (pillar.map_or("", Pillar::as_str)) "&pagina=" (crate::query::escape(&answer.next_page_token)) } {
                    "Oudere gebeurtenissen"
                }
            }
        }
    };
    page(
        &app,
        Some(&session),
        &format!("Tijdlijn van huishouden {short}"),
        body,
    )
    .into_response()
}

fn row(entry: &v1::TimelineEntry) -> Vec<Markup> {
    let what = html! {
        (entry.title)
        @if entry.rectified_by != 0 { " " strong { "(gerectificeerd: onjuist)" } }
    };
    vec![
        text(words::moment(entry.occurred_at.as_ref())),
        text(words::pillar(entry.pillar)),
        what,
        text(&entry.case_id),
        text(&entry.summary),
    ]
}
