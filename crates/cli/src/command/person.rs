//! `rondom person export --bsn`: an operator answers a person's request (AVG art. 15, 20)
//! with everything Rondom holds on them, as JSON and as a readable page; the reason and the
//! request's reference go on record with the export.

use std::path::PathBuf;

use anyhow::Context as _;
use rondom_access::dev_clients::DevClient;
use rondom_proto::v1;
use rondom_proto::v1::operator_service_client::OperatorServiceClient;

use super::client::ClientArgs;
use crate::inzage;

#[derive(Debug, clap::Args)]
pub(crate) struct PersonArgs {
    #[command(subcommand)]
    command: PersonCommand,
    #[command(flatten)]
    client: ClientArgs,
}

#[derive(Debug, clap::Subcommand)]
enum PersonCommand {
    /// Write everything held on one person to DIR/inzage-<kenmerk>.json and .html (operator).
    Export {
        /// The person's BSN.
        #[arg(long)]
        bsn: String,
        /// Why: the person's request under AVG art. 15 or art. 20.
        #[arg(long, value_enum)]
        reden: Reden,
        /// The gemeente's reference of the request (on record with the reason).
        #[arg(long)]
        kenmerk: String,
        /// Where to write the files.
        #[arg(long, default_value = ".")]
        out: PathBuf,
    },
}

/// Why a person's data is exported.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum Reden {
    /// The person asked what is held on them (AVG art. 15).
    Inzageverzoek,
    /// The person asked for their data to take elsewhere (AVG art. 20).
    Overdraagbaarheid,
}

pub(crate) async fn run(args: PersonArgs) -> anyhow::Result<()> {
    let PersonCommand::Export {
        bsn,
        reden,
        kenmerk,
        out,
    } = args.command;
    let mut client = OperatorServiceClient::new(args.client.connect(DevClient::Operator).await?);
    let export = client
        .export_person(v1::ExportPersonRequest {
            bsn,
            reden: match reden {
                Reden::Inzageverzoek => v1::ExportReden::Inzageverzoek,
                Reden::Overdraagbaarheid => v1::ExportReden::Overdraagbaarheid,
            } as i32,
            kenmerk: kenmerk.clone(),
        })
        .await?
        .into_inner();
    // The reference may hold '/' and ':'; the file name does not.
    let name: String = kenmerk
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let json = serde_json::to_string_pretty(&inzage::json(&export))?;
    for (extension, text) in [("json", json), ("html", inzage::html(&export))] {
        let path = out.join(format!("inzage-{name}.{extension}"));
        private_file(&path, &text).with_context(|| format!("cannot write {}", path.display()))?;
        say!("{}", path.display());
    }
    say!(
        "{} facts, {} deadlines, {} records of who read the household",
        export.facts.len(),
        export.deadlines.len(),
        export.reads.len()
    );
    Ok(())
}

/// Writes `text` to a new file only its owner may read: it holds personal data.
fn private_file(path: &std::path::Path, text: &str) -> std::io::Result<()> {
    use std::io::Write as _;
    use std::os::unix::fs::OpenOptionsExt as _;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)?;
    // A file that was there keeps its mode on open: make it private too.
    file.set_permissions(std::os::unix::fs::PermissionsExt::from_mode(0o600))?;
    file.write_all(text.as_bytes())
}
