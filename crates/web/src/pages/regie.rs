//! The regie actions posted from the household page ([`super::regie_forms`]): assign the
//! regisseur, set the gezinsplan, register and end a partner, change the composition. Each
//! form names the view it was based on (`Household.last_position`) and carries a key of its
//! own, so a double click writes once; the hub refuses a write on a view that changed since
//! (ABORTED), and the page then says so and shows the household as it is now.

use axum::Form;
use axum::extract::Path;
use axum::response::Response;
use maud::html;
use rondom_proto::v1;
use tonic::Code;

use super::{SignedIn, refused, violations};
use crate::app::{App, State};
use crate::hub::call;
use crate::layout::alert;
use crate::layout::forbidden_form;
use crate::session::{Session, same_secret};

/// The fields of a posted form, in order (a field may repeat: the plan's laws).
struct Fields(Vec<(String, String)>);

impl Fields {
    fn get(&self, name: &str) -> &str {
        self.0
            .iter()
            .find(|(key, _)| key == name)
            .map_or("", |(_, value)| value.trim())
    }

    fn all(&self, name: &str) -> impl Iterator<Item = &str> {
        self.0
            .iter()
            .filter(move |(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }
}

/// `POST /huishoudens/{id}/regie/{action}`.
pub(crate) async fn act(
    axum::extract::State(app): State,
    SignedIn { id, session }: SignedIn,
    Path((household_id, action)): Path<(String, String)>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Response {
    let fields = Fields(fields);
    if !same_secret(&session.csrf, fields.get("csrf")) {
        return forbidden_form(&app, &session);
    }
    let context = v1::RegieContext {
        idempotency_key: fields.get("sleutel").to_owned(),
        source_system: "rondom-regiewerkplek".into(),
        household_id: household_id.clone(),
        expected_position: fields.get("positie").parse().unwrap_or_default(),
        occurred_at: Some(rondom_proto::convert::timestamp(chrono::Utc::now())),
        note: String::new(),
    };
    let written = write(&app, &session, &action, context, &fields).await;
    let notice = match &written {
        Ok(_) => alert("ok", "Opgeslagen."),
        Err(status) if status.code() == Code::Aborted => alert(
            "warning",
            "Het huishouden is gewijzigd sinds u de pagina opende; uw wijziging is niet opgeslagen. \
             Hieronder staat het huishouden zoals het nu is: kijk of uw wijziging nog nodig is.",
        ),
        Err(status) if status.code() == Code::InvalidArgument => html! {
            (alert("error", "De wijziging is niet opgeslagen: controleer de velden."))
            (violations(status))
        },
        Err(status) => return refused(&app, &id, &session, status),
    };
    // The page after a write is the household as it is now: the write's own effect included.
    let position = written.as_ref().map_or(0, |position| *position);
    match super::household::read(&app, &session, &household_id, position).await {
        Ok(household) => super::household::render(&app, &session, &household, notice),
        Err(status) => refused(&app, &id, &session, &status),
    }
}

/// Sends the action's write and returns where it landed; `NOT_FOUND` for an action this
/// page does not have.
async fn write(
    app: &App,
    session: &Session,
    action: &str,
    context: v1::RegieContext,
    fields: &Fields,
) -> Result<u64, tonic::Status> {
    let mut regie = app.hub.regie();
    let staff = &session.staff;
    let context = Some(context);
    let partner = || {
        Some(v1::Partner {
            organisatie: fields.get("organisatie").to_owned(),
            pillar: pillar(fields.get("wet")),
        })
    };
    match action {
        "regisseur" => regie
            .assign_regisseur(call(
                staff,
                v1::AssignRegisseurRequest {
                    context,
                    regisseur: Some(v1::RegisseurToegewezen {
                        regisseur_id: fields.get("regisseur_id").to_owned(),
                        organisatie: fields.get("organisatie").to_owned(),
                    }),
                },
            ))
            .await
            .map(|written| written.into_inner().position),
        "plan" => regie
            .set_gezinsplan(call(
                staff,
                v1::SetGezinsplanRequest {
                    context,
                    plan: Some(plan(fields)),
                },
            ))
            .await
            .map(|written| written.into_inner().position),
        "partner" => regie
            .register_partner(call(
                staff,
                v1::RegisterPartnerRequest {
                    context,
                    partner: partner(),
                },
            ))
            .await
            .map(|written| written.into_inner().position),
        "partner-beeindigen" => regie
            .end_partner(call(
                staff,
                v1::EndPartnerRequest {
                    context,
                    partner: partner(),
                },
            ))
            .await
            .map(|written| written.into_inner().position),
        "samenstelling" => regie
            .change_composition(call(staff, composition(context, fields)))
            .await
            .map(|written| written.into_inner().position),
        _ => Err(tonic::Status::not_found("no such regie action")),
    }
}

/// The pillar a form names by its wire name; 0 (unspecified) for anything else, which the hub
/// refuses by field.
fn pillar(name: &str) -> i32 {
    rondom_domain::Pillar::ALL
        .into_iter()
        .find(|pillar| pillar.as_str() == name)
        .map_or(0, |pillar| v1::Pillar::from(pillar) as i32)
}

fn date(text: &str) -> Option<v1::Date> {
    chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .map(rondom_proto::convert::proto_date)
}

fn plan(fields: &Fields) -> v1::Gezinsplan {
    v1::Gezinsplan {
        versie: fields.get("versie").parse().unwrap_or_default(),
        doelen: fields
            .get("doelen")
            .split(',')
            .map(str::trim)
            .filter(|goal| !goal.is_empty())
            .map(str::to_owned)
            .collect(),
        pijlers: fields.all("pijler").map(pillar).collect(),
        evaluatiedatum: date(fields.get("evaluatiedatum")),
        huishouden_akkoord: fields.get("akkoord") == "ja",
    }
}

fn composition(context: Option<v1::RegieContext>, fields: &Fields) -> v1::ChangeCompositionRequest {
    let wijziging = match fields.get("wijziging") {
        "toegetreden" => v1::SamenstellingWijziging::Toegetreden,
        "vertrokken" => v1::SamenstellingWijziging::Vertrokken,
        _ => v1::SamenstellingWijziging::Unspecified,
    };
    let reden = v1::SamenstellingReden::from_str_name(&format!(
        "SAMENSTELLING_REDEN_{}",
        fields.get("reden").to_ascii_uppercase()
    ))
    .unwrap_or(v1::SamenstellingReden::Unspecified);
    v1::ChangeCompositionRequest {
        context,
        person: Some(v1::PersonRef {
            bsn: fields.get("bsn").to_owned(),
            display_name: fields.get("naam").to_owned(),
            birth_date: date(fields.get("geboortedatum")),
        }),
        wijziging: Some(v1::SamenstellingGewijzigd {
            wijziging: wijziging as i32,
            reden: reden as i32,
        }),
    }
}
