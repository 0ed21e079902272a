//! `rondom import FILE.jsonl`: loads signals a system delivers in bulk (a gemeente's
//! existing caseload, a vroegsignalen feed) through `SignalService/PostSignals`, in batches,
//! with a progress bar, and a summary of what was refused and why. One JSON object per line,
//! the fields of a `PostSignalRequest`:
//!
//! ```json
//! {"idempotency_key": "zaak-1042", "source_system": "suite-wijkteam", "gemeente_code": "0363",
//!  "persons": [{"bsn": "111222333", "display_name": "Fatima"}], "pillar": "schuldhulp",
//!  "kind": "betalingsachterstand", "urgency": "normal", "observed_at": "2026-11-30T09:00:00Z",
//!  "summary": "..."}
//! ```
//!
//! A line without an idempotency key gets one from its own content, so running the same file
//! again after an interruption writes nothing twice: what was written is recognised, the rest
//! is written.

use std::path::PathBuf;

use anyhow::Context as _;
use chrono::{DateTime, Utc};
use indicatif::{ProgressBar, ProgressStyle};
use rondom_access::dev_clients::DevClient;
use rondom_proto::v1;
use rondom_proto::v1::post_signal_result::Result as Outcome;
use rondom_proto::v1::signal_service_client::SignalServiceClient;
use serde::Deserialize;
use sha2::{Digest as _, Sha256};

use super::client::{ClientArgs, pillar_value, urgency_value};

#[derive(Debug, clap::Args)]
pub(crate) struct ImportArgs {
    /// The file: one signal as JSON per line.
    file: PathBuf,
    /// Signals per PostSignals call (1 to 1,000).
    #[arg(long, default_value_t = 500, value_parser = clap::value_parser!(u16).range(1..=1000))]
    batch: u16,
    #[command(flatten)]
    client: ClientArgs,
}

/// One line of the file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Line {
    #[serde(default)]
    idempotency_key: Option<String>,
    source_system: String,
    gemeente_code: String,
    persons: Vec<Person>,
    pillar: String,
    kind: String,
    #[serde(default = "normal")]
    urgency: String,
    observed_at: DateTime<Utc>,
    #[serde(default)]
    summary: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Person {
    bsn: String,
    #[serde(default)]
    display_name: String,
}

fn normal() -> String {
    "normal".to_owned()
}

/// What became of the file.
#[derive(Debug, Default)]
struct Summary {
    written: u64,
    already: u64,
    /// Line number and why.
    refused: Vec<(usize, String)>,
}

pub(crate) async fn run(args: ImportArgs) -> anyhow::Result<()> {
    let text = std::fs::read_to_string(&args.file)
        .with_context(|| format!("cannot read {}", args.file.display()))?;
    // Every line is read before anything is sent: a file that is not what it says stops here.
    let lines = text
        .lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty())
        .map(|(index, line)| request(index + 1, line).map(|request| (index + 1, request)))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let mut client = SignalServiceClient::new(args.client.connect(DevClient::Wijkteam).await?);
    let bar = ProgressBar::new(lines.len() as u64).with_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} signals ({per_sec}, {eta} left)")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let mut summary = Summary::default();
    for chunk in lines.chunks(usize::from(args.batch)) {
        let signals = chunk.iter().map(|(_, request)| request.clone()).collect();
        let results = client
            .post_signals(v1::PostSignalsRequest { signals })
            .await
            .with_context(|| {
                format!(
                    "the hub took no batch from line {}: run the same command again to go on \
                     (what was written is recognised)",
                    chunk[0].0
                )
            })?
            .into_inner()
            .results;
        for ((number, _), result) in chunk.iter().zip(results) {
            summary.count(*number, result.result);
        }
        bar.inc(chunk.len() as u64);
    }
    bar.finish_and_clear();
    summary.print(args.client.json());
    Ok(())
}

/// The request line `number` of the file makes.
fn request(number: usize, line: &str) -> anyhow::Result<v1::PostSignalRequest> {
    // Where and what kind of fault, never the line or serde's message: both can quote a BSN
    // or a name, and this goes to a terminal, a script's log or cron's mail.
    let parsed: Line = serde_json::from_str(line).map_err(|err| {
        let fault = match err.classify() {
            serde_json::error::Category::Syntax | serde_json::error::Category::Eof => "not JSON",
            serde_json::error::Category::Data | serde_json::error::Category::Io => {
                "not the fields of a signal, or one of the wrong type"
            }
        };
        anyhow::anyhow!(
            "line {number} is not a signal: {fault}, at column {} (each line holds the fields \
             of a PostSignalRequest; the README's `rondom import` shows one)",
            err.column()
        )
    })?;
    // Without a key of its own, one from the line's content: the same line, the same key.
    let idempotency_key = parsed.idempotency_key.unwrap_or_else(|| {
        format!(
            "import-{}",
            &hex::encode(Sha256::digest(line.trim().as_bytes()))[..40]
        )
    });
    Ok(v1::PostSignalRequest {
        idempotency_key,
        source_system: parsed.source_system,
        gemeente_code: parsed.gemeente_code,
        persons: parsed
            .persons
            .into_iter()
            .map(|person| v1::PersonRef {
                bsn: person.bsn,
                display_name: person.display_name,
                birth_date: None,
            })
            .collect(),
        pillar: pillar_value(&parsed.pillar),
        kind: parsed.kind,
        urgency: urgency_value(&parsed.urgency),
        observed_at: Some(rondom_proto::convert::timestamp(parsed.observed_at)),
        summary: parsed.summary,
    })
}

impl Summary {
    fn count(&mut self, line: usize, result: Option<Outcome>) {
        match result {
            Some(Outcome::Accepted(accepted)) if accepted.duplicate => self.already += 1,
            Some(Outcome::Accepted(_)) => self.written += 1,
            Some(Outcome::Refused(refusal)) => {
                let fields: Vec<String> = refusal
                    .violations
                    .iter()
                    .map(|violation| format!("{}: {}", violation.field, violation.description))
                    .collect();
                let why = if fields.is_empty() {
                    format!("{} {}", refusal.code, refusal.message)
                } else {
                    format!("{} {}", refusal.code, fields.join("; "))
                };
                self.refused.push((line, why));
            }
            None => self.refused.push((line, "no answer".to_owned())),
        }
    }

    fn print(&self, json: bool) {
        if json {
            let refused: Vec<serde_json::Value> = self
                .refused
                .iter()
                .map(|(line, why)| serde_json::json!({ "line": line, "reason": why }))
                .collect();
            crate::output::print_json(&serde_json::json!({
                "written": self.written,
                "already_written": self.already,
                "refused": refused,
            }));
            return;
        }
        say!(
            "{} written, {} already written before, {} refused",
            self.written,
            self.already,
            self.refused.len()
        );
        for (line, why) in &self.refused {
            say!("  line {line}: {why}");
        }
    }
}
