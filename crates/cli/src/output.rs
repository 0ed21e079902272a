//! What the client commands print: aligned text for people, JSON (`--json`) for scripts.
//! Everything goes through [`say!`], so `rondom ... | head` ends quietly instead of panicking
//! on the closed pipe.

/// Prints a line to stdout, like `say!`; when the reader has gone (a closed pipe), the
/// program ends quietly, as any Unix tool does.
macro_rules! say {
    () => {
        $crate::output::line(format_args!(""))
    };
    ($($arg:tt)*) => {
        $crate::output::line(format_args!($($arg)*))
    };
}

/// Writes one line to stdout; see [`say!`]. Any other failure to write (a full disk under
/// `> file`) ends the program with an error: output that silently lost lines would pass for
/// whole.
pub(crate) fn line(text: std::fmt::Arguments<'_>) {
    use std::io::Write as _;
    if let Err(err) = writeln!(std::io::stdout().lock(), "{text}") {
        if err.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
        eprintln!("error: cannot write the output: {err}");
        std::process::exit(1);
    }
}

use chrono::SecondsFormat;
use prost_types::Timestamp;
use rondom_proto::convert::{datetime, naive_date, pillar_from_proto, urgency_from_proto};
use rondom_proto::v1;
use serde_json::{Value, json};
use tonic_types::StatusExt;

pub(crate) fn time_text(at: Option<&Timestamp>) -> String {
    at.and_then(datetime)
        .map(|at| at.to_rfc3339_opts(SecondsFormat::Secs, true))
        .unwrap_or_default()
}

pub(crate) fn pillar_name(value: i32) -> &'static str {
    pillar_from_proto(value).map_or("?", |pillar| pillar.as_str())
}

fn urgency_name(value: i32) -> &'static str {
    urgency_from_proto(value).map_or("-", |urgency| urgency.as_str())
}

pub(crate) fn date_text(date: Option<&v1::Date>) -> String {
    date.and_then(naive_date)
        .map(|date| date.to_string())
        .unwrap_or_default()
}

fn enum_text(name: &str, prefix: &str) -> String {
    name.strip_prefix(prefix).unwrap_or(name).to_lowercase()
}

fn state_name(value: i32) -> String {
    v1::TrajectoryState::try_from(value).map_or("?".into(), |state| {
        enum_text(state.as_str_name(), "TRAJECTORY_STATE_")
    })
}

fn status_name(value: i32) -> String {
    v1::DeadlineStatus::try_from(value).map_or("?".into(), |status| {
        enum_text(status.as_str_name(), "DEADLINE_STATUS_")
    })
}

fn risk_name(value: i32) -> String {
    v1::RiskFlag::try_from(value).map_or("?".into(), |flag| {
        enum_text(flag.as_str_name(), "RISK_FLAG_")
    })
}

pub(crate) fn deadline_json(deadline: &v1::Deadline) -> Value {
    json!({
        "rule": deadline.rule,
        "title": deadline.title,
        "article": deadline.article,
        "pillar": pillar_name(deadline.pillar),
        "case_id": deadline.case_id,
        "start": date_text(deadline.start.as_ref()),
        "due": date_text(deadline.due.as_ref()),
        "status": status_name(deadline.status),
        "days_left": deadline.days_left,
        "met_by": deadline.met_by,
        "met_on": date_text(deadline.met_on.as_ref()),
        "suspended_days": deadline.suspended_days,
    })
}

/// "3 days left", "due today", "2 days overdue"; closed deadlines say how they closed.
fn days_left_text(deadline: &v1::Deadline) -> String {
    let status = v1::DeadlineStatus::try_from(deadline.status).unwrap_or_default();
    match status {
        v1::DeadlineStatus::Open | v1::DeadlineStatus::AtRisk | v1::DeadlineStatus::Overdue => {
            match deadline.days_left {
                0 => "due today".into(),
                1 => "1 day left".into(),
                -1 => "1 day overdue".into(),
                days if days > 0 => format!("{days} days left"),
                days => format!("{} days overdue", -days),
            }
        }
        v1::DeadlineStatus::Met | v1::DeadlineStatus::MetLate => {
            format!(
                "{} on {}",
                status_name(deadline.status),
                date_text(deadline.met_on.as_ref())
            )
        }
        _ => status_name(deadline.status),
    }
}

pub(crate) fn print_json(value: &Value) {
    say!(
        "{}",
        serde_json::to_string_pretty(value).expect("JSON values serialise")
    );
}

/// Prints what became of one iStandaarden message file: the event of each line, or why the
/// hub refused it.
pub(crate) fn submitted(
    file: &str,
    answer: &Result<v1::SubmitResponse, tonic::Status>,
    as_json: bool,
) {
    match (answer, as_json) {
        (Ok(reply), true) => print_json(&json!({
            "file": file,
            "events": reply.events.iter().map(|event| json!({
                "event_id": event.event_id,
                "household_id": event.household_id,
                "position": event.position,
                "duplicate": event.duplicate,
            })).collect::<Vec<_>>(),
        })),
        (Ok(reply), false) => {
            let positions: Vec<String> = reply
                .events
                .iter()
                .map(|event| {
                    let again = if event.duplicate { " (again)" } else { "" };
                    format!("#{}{again}", event.position)
                })
                .collect();
            say!("{file}: {}", positions.join(", "));
        }
        (Err(status), true) => print_json(&json!({
            "file": file,
            "refused": format!("{:?}", status.code()),
            "violations": status
                .get_details_bad_request()
                .map(|bad| bad.field_violations.into_iter().map(|violation| json!({
                    "field": violation.field,
                    "description": violation.description,
                })).collect::<Vec<_>>())
                .unwrap_or_default(),
            "message": status.message(),
        })),
        (Err(status), false) => {
            say!("{file}: {}", error_report(&status.clone().into()));
        }
    }
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
    say!(
        "signal published{}",
        if reply.duplicate {
            " (duplicate of an earlier post)"
        } else {
            ""
        }
    );
    say!("  event id         {}", reply.event_id);
    say!("  household id     {}", reply.household_id);
    say!("  position         {}", reply.position);
    say!("  idempotency key  {idempotency_key}");
}

fn erasure_reason_name(value: i32) -> &'static str {
    v1::ErasureReason::try_from(value)
        .map_or("ERASURE_REASON_UNKNOWN", |reason| reason.as_str_name())
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
        "erasure": household.erasure.as_ref().map(|erasure| json!({
            "reden": erasure_reason_name(erasure.reden),
            "at": time_text(erasure.at.as_ref()),
            "position": erasure.position,
        })),
        "trajectories": household.trajectories.iter().map(|trajectory| json!({
            "pillar": pillar_name(trajectory.pillar),
            "case_id": trajectory.case_id,
            "state": state_name(trajectory.state),
            "last_kind": trajectory.last_kind,
            "providers": trajectory.providers,
        })).collect::<Vec<_>>(),
        "deadlines": household.deadlines.iter().map(deadline_json).collect::<Vec<_>>(),
        "regisseur": household.regisseur.as_ref().map(|regisseur| json!({
            "regisseur_id": regisseur.regisseur_id,
            "organisatie": regisseur.organisatie,
            "since": time_text(regisseur.since.as_ref()),
        })),
        "plan": household.plan.as_ref().map(|plan| json!({
            "versie": plan.versie,
            "doelen": plan.doelen,
            "pijlers": plan.pijlers.iter().map(|pillar| pillar_name(*pillar)).collect::<Vec<_>>(),
            "evaluatiedatum": date_text(plan.evaluatiedatum.as_ref()),
            "huishouden_akkoord": plan.huishouden_akkoord,
        })),
        "partners": household.partners.iter().map(|partner| json!({
            "organisatie": partner.organisatie,
            "pillar": pillar_name(partner.pillar),
            "case_id": partner.case_id,
        })).collect::<Vec<_>>(),
        "risk_flags": household.risk_flags.iter().map(|flag| risk_name(*flag)).collect::<Vec<_>>(),
        "read_model_position": position,
    })
}

pub(crate) fn household(reply: &v1::GetHouseholdResponse, as_json: bool) {
    let Some(household) = &reply.household else {
        say!("(no household in reply)");
        return;
    };
    if as_json {
        return print_json(&household_json(household, reply.position));
    }
    household_summary(household);
    household_people_and_cases(household);
    household_open_items(household);
}

/// The household's heading: where, how active, its regisseur, plan and risk flags.
fn household_summary(household: &v1::Household) {
    say!(
        "household {}  (gemeente {})",
        household.household_id,
        household.gemeente_code
    );
    let pillars: Vec<&str> = household
        .active_pillars
        .iter()
        .map(|pillar| pillar_name(*pillar))
        .collect();
    say!(
        "active pillars  {}",
        if pillars.is_empty() {
            "-".to_owned()
        } else {
            pillars.join(", ")
        }
    );
    say!(
        "last activity   {}",
        time_text(household.last_activity_at.as_ref())
    );
    say!(
        "events          {} (through position {})",
        household.event_count,
        household.last_position
    );
    if let Some(erasure) = &household.erasure {
        say!(
            "ERASED          {} at {} (#{}): no members, no free text",
            erasure_reason_name(erasure.reden),
            time_text(erasure.at.as_ref()),
            erasure.position
        );
    }
    household_regie(household);
}

/// Who coordinates the household and on what: regisseur, plan, aanpak, restriction, flags.
fn household_regie(household: &v1::Household) {
    match &household.regisseur {
        Some(regisseur) => say!(
            "regisseur       {} ({})",
            regisseur.regisseur_id,
            regisseur.organisatie
        ),
        None => say!("regisseur       none assigned"),
    }
    if let Some(plan) = &household.plan {
        say!(
            "gezinsplan      version {}, goals: {}; evaluation {}{}",
            plan.versie,
            plan.doelen.join(", "),
            date_text(plan.evaluatiedatum.as_ref()),
            if plan.huishouden_akkoord {
                "; agreed by the household"
            } else {
                ""
            }
        );
    }
    if let Some(aanpak) = &household.aanpak {
        let wetten: Vec<&str> = aanpak.wetten.iter().map(|&wet| pillar_name(wet)).collect();
        say!(
            "aanpak          {} since {} on {}: {}",
            aanpak.aanpak_id,
            time_text(aanpak.since.as_ref()),
            if aanpak.uitzondering {
                "a documented exception"
            } else {
                "instemming"
            },
            wetten.join(", ")
        );
    }
    if household.restricted {
        say!("RESTRICTED      a member objected or restricted processing (AVG 21/18)");
    }
    if !household.risk_flags.is_empty() {
        let flags: Vec<String> = household
            .risk_flags
            .iter()
            .map(|flag| risk_name(*flag))
            .collect();
        say!("risk flags      {}", flags.join(", "));
    }
}

/// The members and the cases of each law.
fn household_people_and_cases(household: &v1::Household) {
    say!("\nmembers ({})", household.members.len());
    for member in &household.members {
        let name = if member.display_name.is_empty() {
            "(no name)"
        } else {
            &member.display_name
        };
        say!(
            "  {name:<24} {:<10} {}…",
            member.bsn_masked,
            &member.pseudonym[..member.pseudonym.len().min(12)]
        );
    }
    if !household.trajectories.is_empty() {
        say!("\ntrajectories ({})", household.trajectories.len());
        for trajectory in &household.trajectories {
            say!(
                "  {:<12} {:<20} {:<13} {:<32} {}",
                pillar_name(trajectory.pillar),
                trajectory.case_id,
                state_name(trajectory.state),
                trajectory.last_kind,
                trajectory.providers.join(", ")
            );
        }
    }
}

/// What is still open: deadlines and signals.
fn household_open_items(household: &v1::Household) {
    let open: Vec<&v1::Deadline> = household
        .deadlines
        .iter()
        .filter(|deadline| {
            deadline.met_on.is_none() && deadline.status != v1::DeadlineStatus::Lapsed as i32
        })
        .collect();
    say!("\nopen deadlines ({})", open.len());
    for deadline in &open {
        say!(
            "  {:<19} due {:<10} {:<18} {:<20} {}",
            deadline.rule,
            date_text(deadline.due.as_ref()),
            days_left_text(deadline),
            deadline.case_id,
            deadline.article
        );
    }
    say!("\nopen signals ({})", household.open_signals.len());
    for signal in &household.open_signals {
        say!(
            "  #{:<6} {:<20} {:<12} {:<28} {}",
            signal.position,
            time_text(signal.observed_at.as_ref()),
            pillar_name(signal.pillar),
            signal.kind,
            urgency_name(signal.urgency)
        );
    }
}

pub(crate) fn worklist(reply: &v1::ListHouseholdsResponse, as_json: bool) {
    if as_json {
        return print_json(&json!({
            "rows": reply.rows.iter().map(|row| json!({
                "household_id": row.household_id,
                "gemeente_code": row.gemeente_code,
                "active_pillars": row.active_pillars.iter().map(|pillar| pillar_name(*pillar)).collect::<Vec<_>>(),
                "regisseur_id": row.regisseur_id,
                "most_urgent": row.most_urgent.as_ref().map(deadline_json),
                "open_deadlines": row.open_deadlines,
                "risk_flags": row.risk_flags.iter().map(|flag| risk_name(*flag)).collect::<Vec<_>>(),
                "member_count": row.member_count,
                "last_position": row.last_position,
            })).collect::<Vec<_>>(),
            "next_page_token": reply.next_page_token,
        }));
    }
    if reply.rows.is_empty() {
        say!("(no households match)");
        return;
    }
    say!(
        "{:<36}  {:<4}  {:<19} {:<27} {:<10} {:<34} RISK FLAGS",
        "HOUSEHOLD",
        "GEM",
        "MOST URGENT",
        "DUE",
        "REGISSEUR",
        "PILLARS"
    );
    for row in &reply.rows {
        let (rule, due, left) = match &row.most_urgent {
            Some(deadline) => (
                deadline.rule.clone(),
                date_text(deadline.due.as_ref()),
                days_left_text(deadline),
            ),
            None => ("-".into(), String::new(), String::new()),
        };
        let pillars: Vec<&str> = row
            .active_pillars
            .iter()
            .map(|pillar| pillar_name(*pillar))
            .collect();
        let flags: Vec<String> = row.risk_flags.iter().map(|flag| risk_name(*flag)).collect();
        say!(
            "{:<36}  {:<4}  {:<19} {:<10} {:<16} {:<10} {:<34} {}",
            row.household_id,
            row.gemeente_code,
            rule,
            due,
            left,
            if row.regisseur_id.is_empty() {
                "-"
            } else {
                &row.regisseur_id
            },
            pillars.join(","),
            flags.join(",")
        );
    }
    if !reply.next_page_token.is_empty() {
        say!("\nmore: --page-token {}", reply.next_page_token);
    }
}

pub(crate) fn timeline(reply: &v1::GetTimelineResponse, as_json: bool) {
    if as_json {
        return print_json(&json!({
            "entries": reply.entries.iter().map(entry_json).collect::<Vec<_>>(),
            "next_page_token": reply.next_page_token,
        }));
    }
    if reply.entries.is_empty() {
        say!("(no entries)");
    }
    for entry in &reply.entries {
        say!(
            "#{:<6} {:<20} {:<12} {}",
            entry.position,
            time_text(entry.occurred_at.as_ref()),
            pillar_name(entry.pillar),
            entry.title,
        );
        if !entry.summary.is_empty() {
            say!("        {}", entry.summary);
        }
    }
    if !reply.next_page_token.is_empty() {
        say!("\nmore: --page-token {}", reply.next_page_token);
    }
}

pub(crate) fn entry_json(entry: &v1::TimelineEntry) -> Value {
    json!({
        "position": entry.position,
        "event_id": entry.event_id,
        "occurred_at": time_text(entry.occurred_at.as_ref()),
        "pillar": pillar_name(entry.pillar),
        "kind": entry.kind,
        "type": entry.r#type,
        "urgency": urgency_name(entry.urgency),
        "source": entry.source,
        "title": entry.title,
        "case_id": entry.case_id,
        "summary": entry.summary,
    })
}

pub(crate) fn record_json(record: &v1::AuditRecord) -> Value {
    json!({
        "id": record.id,
        "at": time_text(record.at.as_ref()),
        "client_id": record.client_id,
        "role": record.role,
        "organisatie": record.organisatie,
        "on_behalf_of": record.on_behalf_of,
        "method": record.method,
        "purpose": purpose_name(record.purpose),
        "household_id": record.household_id,
        "outcome": record.outcome,
        "reason": record.reason,
        "disclosed": record.disclosed.iter().map(|disclosure| json!({
            "need_to_know": need_to_know_name(disclosure.need_to_know),
            "sight": sight_name(disclosure.sight),
            "count": disclosure.count,
            "basis": disclosure.basis,
        })).collect::<Vec<_>>(),
        "peer": record.peer,
        "trace_id": record.trace_id,
        "call_id": record.call_id,
    })
}

/// Prints `record` as a CloudEvent in the JSON format, on one line: the attributes every
/// record shares are not stored with each (the audit log holds the bare records), so they are
/// added here.
pub(crate) fn audit_cloudevent(record: &v1::AuditRecord) {
    let mut event = json!({
        "specversion": rondom_bus::envelope::SPEC_VERSION,
        "id": record.id,
        "source": rondom_bus::audit::AUDIT_SOURCE,
        "type": rondom_bus::audit::AUDIT_TYPE,
        "datacontenttype": "application/json",
        "data": record_json(record),
    });
    if let Some(at) = record.at.as_ref().and_then(datetime) {
        event["time"] = json!(at.to_rfc3339_opts(SecondsFormat::AutoSi, true));
    }
    if !record.household_id.is_empty() {
        event["subject"] = json!(record.household_id);
    }
    say!("{event}");
}

pub(crate) fn purpose_name(value: i32) -> String {
    v1::Purpose::try_from(value).map_or("?".into(), |purpose| match purpose {
        v1::Purpose::Unspecified => "-".into(),
        purpose => enum_text(purpose.as_str_name(), "PURPOSE_"),
    })
}

fn need_to_know_name(value: i32) -> String {
    v1::NeedToKnow::try_from(value).map_or("?".into(), |class| {
        enum_text(class.as_str_name(), "NEED_TO_KNOW_")
    })
}

fn sight_name(value: i32) -> String {
    v1::Sight::try_from(value).map_or("?".into(), |sight| match sight {
        v1::Sight::Unspecified => "-".into(),
        sight => enum_text(sight.as_str_name(), "SIGHT_"),
    })
}

/// "household:full×3, pillar:status×1"; "-" when nothing was disclosed.
pub(crate) fn disclosed_text(disclosed: &[v1::Disclosure]) -> String {
    if disclosed.is_empty() {
        return "-".into();
    }
    disclosed
        .iter()
        .map(|disclosure| {
            let text = format!(
                "{}:{}\u{d7}{}",
                need_to_know_name(disclosure.need_to_know),
                sight_name(disclosure.sight),
                disclosure.count
            );
            if disclosure.basis.is_empty() {
                text
            } else {
                format!("{text} [{}]", disclosure.basis)
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn dash_if_empty(text: &str) -> &str {
    if text.is_empty() { "-" } else { text }
}

/// Prints rows under a header, each column as wide as its widest cell (the last unpadded).
fn table<const N: usize>(header: [&str; N], rows: &[[String; N]]) {
    let mut widths = header.map(|title| title.chars().count());
    for row in rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let line = |cells: [&str; N]| {
        let mut text = String::new();
        for (index, cell) in cells.iter().enumerate() {
            if index + 1 == N {
                text.push_str(cell);
            } else {
                text.push_str(&format!("{cell:<width$}  ", width = widths[index]));
            }
        }
        say!("{}", text.trim_end());
    };
    line(header);
    for row in rows {
        line(row.each_ref().map(String::as_str));
    }
}

pub(crate) fn audit(reply: &v1::ListAuditRecordsResponse, as_json: bool) {
    if as_json {
        return print_json(&json!({
            "records": reply.records.iter().map(record_json).collect::<Vec<_>>(),
            "next_page_token": reply.next_page_token,
        }));
    }
    if reply.records.is_empty() {
        say!("(no audit records match)");
        return;
    }
    let rows: Vec<[String; 9]> = reply
        .records
        .iter()
        .map(|record| {
            [
                time_text(record.at.as_ref()),
                dash_if_empty(&record.client_id).to_owned(),
                dash_if_empty(&record.role).to_owned(),
                record
                    .method
                    .strip_prefix("/rondom.v1.")
                    .unwrap_or(&record.method)
                    .to_owned(),
                dash_if_empty(&record.household_id).to_owned(),
                purpose_name(record.purpose),
                record.outcome.clone(),
                dash_if_empty(&record.reason).to_owned(),
                disclosed_text(&record.disclosed),
            ]
        })
        .collect();
    table(
        [
            "TIME",
            "CLIENT",
            "ROLE",
            "METHOD",
            "HOUSEHOLD",
            "PURPOSE",
            "OUTCOME",
            "REASON",
            "DISCLOSED",
        ],
        &rows,
    );
    if !reply.next_page_token.is_empty() {
        say!("\nmore: --page-token {}", reply.next_page_token);
    }
}

/// Prints one delivery of a subscription: a line of text, or one JSON object per line.
pub(crate) fn delivery(delivery: &v1::Delivery, as_json: bool) {
    if as_json {
        let value = json!({
            "position": delivery.position,
            "id": delivery.id,
            "type": delivery.r#type,
            "household_id": delivery.household_id,
            "pillar": pillar_name(delivery.pillar),
            "kind": delivery.kind,
            "need_to_know": need_to_know_name(delivery.need_to_know),
            "sight": sight_name(delivery.sight),
            "title": delivery.title,
            "time": time_text(delivery.time.as_ref()),
            "occurred_at": time_text(delivery.occurred_at.as_ref()),
            "persons": delivery.persons.iter().map(|person| json!({
                "pseudonym": person.pseudonym,
                "bsn": person.bsn,
                "display_name": person.display_name,
                "birth_date": date_text(person.birth_date.as_ref()),
                "primary": person.primary,
            })).collect::<Vec<_>>(),
            "summary": delivery.summary,
        });
        say!("{value}");
        return;
    }
    say!(
        "#{:<6} {:<36} {:<12} {:<28} {:<6} {}",
        delivery.position,
        delivery.household_id,
        pillar_name(delivery.pillar),
        delivery.kind,
        sight_name(delivery.sight),
        delivery.title,
    );
}

/// Returns an error with its causes, and for a gRPC status its code and field violations.
pub(crate) fn error_report(err: &anyhow::Error) -> String {
    if let Some(status) = err.downcast_ref::<tonic::Status>() {
        let Some(bad_request) = status.get_details_bad_request() else {
            let hint = if status.code() == tonic::Code::Unauthenticated {
                "\n  give the client's token with --token or RONDOM_TOKEN; against a local \
                 `rondom up` the CLI uses the development tokens in <data-dir>/dev-tokens.toml \
                 (--data-dir or RONDOM_DATA_DIR, default ./data)"
            } else {
                ""
            };
            return format!("{:?}: {}{hint}", status.code(), status.message());
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
    causes(err)
}

/// An error and its causes, joined by ": ", each said once: some errors (async-nats' among
/// them) repeat their source in their own text, and the source then follows again.
fn causes(err: &anyhow::Error) -> String {
    let mut text = String::new();
    for cause in err.chain().map(ToString::to_string) {
        if text.contains(&cause) {
            continue;
        }
        if !text.is_empty() {
            text.push_str(": ");
        }
        text.push_str(&cause);
    }
    text
}

/// Prints the households whose retention period ended.
pub(crate) fn retention_due(due: &[v1::RetentionDue], as_json: bool) {
    if as_json {
        return print_json(&json!(
            due.iter()
                .map(|row| json!({
                    "household_id": row.household_id,
                    "since": date_text(row.since.as_ref()),
                }))
                .collect::<Vec<_>>()
        ));
    }
    if due.is_empty() {
        say!("no household is due to be erased");
        return;
    }
    say!("{:<38}  RETENTION ENDED", "HOUSEHOLD");
    for row in due {
        say!(
            "{:<38}  {}",
            row.household_id,
            date_text(row.since.as_ref())
        );
    }
    say!(
        "\n{} household(s) would be erased (reason bewaartermijn_verstreken)",
        due.len()
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An error that, like async-nats' own, says its source in its text and returns it too.
    #[derive(Debug)]
    struct Repeating(std::io::Error);

    impl std::fmt::Display for Repeating {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            write!(f, "jetstream error: {}", self.0)
        }
    }

    impl std::error::Error for Repeating {
        fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
            Some(&self.0)
        }
    }

    #[test]
    fn each_cause_is_said_once() {
        let err = anyhow::Error::new(Repeating(std::io::Error::other("insufficient storage")))
            .context("JetStream cannot reserve 1024 MiB");
        assert_eq!(
            error_report(&err),
            "JetStream cannot reserve 1024 MiB: jetstream error: insufficient storage"
        );
        let plain = anyhow::anyhow!("disk full").context("cannot write the log");
        assert_eq!(error_report(&plain), "cannot write the log: disk full");
    }
}
