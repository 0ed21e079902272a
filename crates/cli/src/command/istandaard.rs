//! `rondom istandaard submit FILE...`: sends iWmo 3.2 and iJw 3.2 messages a back-office or
//! provider dropped as files to `IStandaardService/Submit`, one at a time, with a progress
//! bar for many. Like `rondom demo` it sends each message with the development token of the
//! role that sends that kind of message (a 301 or 319 the law's back-office, the others its
//! provider), unless `--token` names one.

use std::path::PathBuf;

use anyhow::Context as _;
use indicatif::{ProgressBar, ProgressStyle};
use rondom_access::dev_clients::{self, DevClient, DevTokens};
use rondom_adapter_istandaard::message::{self, Standard};
use rondom_domain::Pillar;
use rondom_proto::v1;
use rondom_proto::v1::i_standaard_service_client::IStandaardServiceClient;

use super::client::Endpoint;
use crate::output;
use rondom_cli::connection::authed;

#[derive(Debug, clap::Args)]
pub(crate) struct IStandaardArgs {
    #[command(subcommand)]
    command: IStandaardCommand,
}

#[derive(Debug, clap::Subcommand)]
enum IStandaardCommand {
    /// Sends each message file to the hub and prints what became of it.
    Submit(SubmitArgs),
}

#[derive(Debug, clap::Args)]
struct SubmitArgs {
    /// The message files (XML), sent in the order given.
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// The sender's bearer token for every file; without it, the development token of the
    /// role that sends each kind of message.
    #[arg(long, env = "RONDOM_TOKEN")]
    token: Option<String>,
    /// Data directory of the local `rondom up` whose development tokens are used.
    #[arg(long, env = "RONDOM_DATA_DIR", default_value = "./data")]
    data_dir: PathBuf,
    #[command(flatten)]
    endpoint: Endpoint,
}

pub(crate) async fn run(args: IStandaardArgs) -> anyhow::Result<()> {
    match args.command {
        IStandaardCommand::Submit(args) => submit(args).await,
    }
}

async fn submit(args: SubmitArgs) -> anyhow::Result<()> {
    let channel = args.endpoint.channel().await?;
    let tokens = match &args.token {
        Some(_) => None,
        None => Some(
            DevTokens::load(&dev_clients::tokens_path(&args.data_dir)).context(
                "without --token the CLI sends each message with the development token of its \
                 sender: start the hub with `rondom up` in this directory or give --data-dir",
            )?,
        ),
    };
    let progress = if args.files.len() > 1 {
        ProgressBar::new(args.files.len() as u64)
    } else {
        ProgressBar::hidden()
    };
    progress.set_style(
        ProgressStyle::with_template("{elapsed_precise} [{wide_bar}] {pos}/{len} messages")
            .expect("valid progress template"),
    );
    let mut refused = 0;
    for file in &args.files {
        let xml = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
        let token = match (&args.token, &tokens) {
            (Some(token), _) => token.clone(),
            (None, Some(tokens)) => sender(&xml)
                .map(|client| tokens.token(client).to_owned())
                .unwrap_or_default(),
            (None, None) => String::new(),
        };
        let mut service = IStandaardServiceClient::new(authed(channel.clone(), Some(&token))?);
        let answer = service
            .submit(v1::SubmitRequest { xml })
            .await
            .map(tonic::Response::into_inner);
        refused += usize::from(answer.is_err());
        let name = file.display().to_string();
        progress.suspend(|| output::submitted(&name, &answer, args.endpoint.json));
        progress.inc(1);
    }
    progress.finish_and_clear();
    if refused > 0 {
        anyhow::bail!("{refused} of {} messages refused", args.files.len());
    }
    Ok(())
}

/// Returns the development client that sends the message, by its namespace: a 301 or 319
/// comes from the law's back-office, every other message from its provider; `None` when the
/// message is of neither standard (the hub then says why it refuses it).
fn sender(xml: &[u8]) -> Option<DevClient> {
    let (standard, number) = message::addressed(xml)?;
    let pillar = match standard {
        Standard::Iwmo => Pillar::Wmo,
        Standard::Ijw => Pillar::Jeugd,
    };
    match number {
        301 | 319 => Some(DevClient::BackOffice(pillar)),
        _ => Some(DevClient::Partner(pillar)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_message_goes_with_the_token_of_its_sender() {
        let ns =
            |path: &str| format!("<Bericht xmlns=\"http://www.istandaarden.nl/{path}/schema\"/>");
        assert_eq!(
            sender(ns("iwmo/3_2/wmo301").as_bytes()),
            Some(DevClient::BackOffice(Pillar::Wmo))
        );
        assert_eq!(
            sender(ns("ijw/3_2/jw305").as_bytes()),
            Some(DevClient::Partner(Pillar::Jeugd))
        );
        assert_eq!(
            sender(ns("ijw/3_2/jw319").as_bytes()),
            Some(DevClient::BackOffice(Pillar::Jeugd))
        );
        assert_eq!(sender(b"<a/>"), None);
    }
}
