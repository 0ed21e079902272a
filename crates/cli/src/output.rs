//! What the client commands print: aligned text for people, JSON (`--json`) for scripts.

use chrono::SecondsFormat;
use prost_types::Timestamp;
use rondom_proto::convert::{datetime, pillar_from_proto, urgency_from_proto};
use rondom_proto::v1;
use serde_json::{Value, json};
use tonic_types::StatusExt;

fn time_text(at: Option<&Timestamp>) -> String {
    at.and_then(datetime)
        .map(|at| at.to_rfc3339_opts(SecondsFormat::Secs, true))
        .unwrap_or_default()
}

fn pillar_name(value: i32) -> &'static str {
    pillar_from_proto(value).map_or("?", |pillar| pillar.as_str())
}

fn urgency_name(value: i32) -> &'static str {
    urgency_from_proto(value).map_or("-", |urgency| urgency.as_str())
}

fn print_json(value: &Value) {
    println!(
        "{}",
        serde_json::to_string_pretty(value).expect("JSON values serialise")
    );
}

pub(crate) fn posted(reply: &v1::PostSignalResponse, idempotency_key: &str, as_json: bool) {
    if as_json {
        return print_json(&json!({
            "event_id": reply.event_id,
            "household_id": reply.household_id,
            "position": reply.position,
            "duplicate": reply.duplicate,
            "idempotency_key": idempotency_key,
        }));
    }
    println!(
        "signal published{}",
        if reply.duplicate {
            " (duplicate of an earlier post)"
        } else {
            ""
        }
    );
    println!("  event id         {}", reply.event_id);
    println!("  household id     {}", reply.household_id);
    println!("  position         {}", reply.position);
    println!("  idempotency key  {idempotency_key}");
}

fn household_json(household: &v1::Household, position: u64) -> Value {
    json!({
        "household_id": household.household_id,
        "gemeente_code": household.gemeente_code,
        "members": household.members.iter().map(|member| json!({
            "pseudonym": member.pseudonym,
            "display_name": member.display_name,
            "bsn_masked": member.bsn_masked,
            "joined_position": member.joined_position,
        })).collect::<Vec<_>>(),
        "active_pillars": household.active_pillars.iter().map(|pillar| pillar_name(*pillar)).collect::<Vec<_>>(),
        "open_signals": household.open_signals.iter().map(|signal| json!({
            "position": signal.position,
            "event_id": signal.event_id,
            "pillar": pillar_name(signal.pillar),
            "kind": signal.kind,
            "urgency": urgency_name(signal.urgency),
            "observed_at": time_text(signal.observed_at.as_ref()),
        })).collect::<Vec<_>>(),
        "first_activity_at": time_text(household.first_activity_at.as_ref()),
        "last_activity_at": time_text(household.last_activity_at.as_ref()),
        "last_position": household.last_position,
        "event_count": household.event_count,
        "read_model_position": position,
    })
}

pub(crate) fn household(reply: &v1::GetHouseholdResponse, as_json: bool) {
    let Some(household) = &reply.household else {
        println!("(no household in reply)");
        return;
    };
    if as_json {
        return print_json(&household_json(household, reply.position));
    }
    println!(
        "household {}  (gemeente {})",
        household.household_id, household.gemeente_code
    );
    let pillars: Vec<&str> = household
        .active_pillars
        .iter()
        .map(|pillar| pillar_name(*pillar))
        .collect();
    println!(
        "active pillars  {}",
        if pillars.is_empty() {
            "-".to_owned()
        } else {
            pillars.join(", ")
        }
    );
    println!(
        "last activity   {}",
        time_text(household.last_activity_at.as_ref())
    );
    println!(
        "events          {} (through position {})",
        household.event_count, household.last_position
    );
    println!("\nmembers ({})", household.members.len());
    for member in &household.members {
        let name = if member.display_name.is_empty() {
            "(no name)"
        } else {
            &member.display_name
        };
        println!(
            "  {name:<24} {:<10} {}…",
            member.bsn_masked,
            &member.pseudonym[..member.pseudonym.len().min(12)]
        );
    }
    println!("\nopen signals ({})", household.open_signals.len());
    for signal in &household.open_signals {
        println!(
            "  #{:<6} {:<20} {:<12} {:<28} {}",
            signal.position,
            time_text(signal.observed_at.as_ref()),
            pillar_name(signal.pillar),
            signal.kind,
            urgency_name(signal.urgency)
        );
    }
}

pub(crate) fn timeline(reply: &v1::GetTimelineResponse, as_json: bool) {
    if as_json {
        return print_json(&json!({
            "entries": reply.entries.iter().map(|entry| json!({
                "position": entry.position,
                "event_id": entry.event_id,
                "occurred_at": time_text(entry.occurred_at.as_ref()),
                "pillar": pillar_name(entry.pillar),
                "kind": entry.kind,
                "type": entry.r#type,
                "urgency": urgency_name(entry.urgency),
                "source": entry.source,
                "summary": entry.summary,
            })).collect::<Vec<_>>(),
            "next_page_token": reply.next_page_token,
        }));
    }
    if reply.entries.is_empty() {
        println!("(no entries)");
    }
    for entry in &reply.entries {
        println!(
            "#{:<6} {:<20} {:<12} {:<28} {:<7} {}",
            entry.position,
            time_text(entry.occurred_at.as_ref()),
            pillar_name(entry.pillar),
            entry.kind,
            urgency_name(entry.urgency),
            entry.source
        );
        if !entry.summary.is_empty() {
            println!("        {}", entry.summary);
        }
    }
    if !reply.next_page_token.is_empty() {
        println!("\nmore: --page-token {}", reply.next_page_token);
    }
}

/// Returns an error with its causes, and for a gRPC status its code and field violations.
pub(crate) fn error_report(err: &anyhow::Error) -> String {
    if let Some(status) = err.downcast_ref::<tonic::Status>() {
        let Some(bad_request) = status.get_details_bad_request() else {
            return format!("{:?}: {}", status.code(), status.message());
        };
        let mut text = format!("{:?}: the request was refused", status.code());
        for violation in &bad_request.field_violations {
            text.push_str(&format!(
                "\n  {}: {}",
                violation.field, violation.description
            ));
        }
        return text;
    }
    format!("{err:#}")
}
