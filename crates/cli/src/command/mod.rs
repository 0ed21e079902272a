//! The commands of `rondom`.

mod audit;
mod backup;
mod client;
mod deadline;
mod demo;
mod import;
mod istandaard;
mod keys;
mod person;
mod projection;
mod projector;
mod provision;
mod retention;
mod serve;
mod subscribe;
mod up;

use clap::{Parser, Subcommand};

/// Rondom: one integral view per household for the Dutch sociaal domein.
#[derive(Debug, Parser)]
#[command(name = "rondom", version, about)]
pub(crate) struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Start the whole hub in one process, with an embedded nats-server (the quick start).
    Up(Box<up::UpArgs>),
    /// Run one role against an existing NATS (scale-out).
    Serve(Box<serve::ServeArgs>),
    /// Post a signal, as a wijkteam system would.
    Signal(client::SignalArgs),
    /// Show a household's integral view.
    Household(client::HouseholdArgs),
    /// Show a household's timeline.
    Timeline(client::TimelineArgs),
    /// A coordinator's worklist: households by deadline, pillar, regisseur and risk.
    Worklist(client::WorklistArgs),
    /// Follow the events of a partner's households, as the partner may see them.
    Subscribe(subscribe::SubscribeArgs),
    /// Read the audit log (operators): who read which household, for what, and what was refused.
    Audit(audit::AuditArgs),
    /// Everything held on one person, at their request (operators; AVG art. 15 and 20).
    Person(person::PersonArgs),
    /// Which households' retention period ended (operators): what the retention task erases.
    Retention(retention::RetentionArgs),
    /// Rotate the master key (operators), and see which master key wraps the household keys.
    Keys(keys::KeysArgs),
    /// Back up the event log, audit log, registry and household keys (the hub may run).
    Backup(backup::BackupArgs),
    /// Replace everything with a backup (hub stopped); erasures made since stay erased.
    Restore(backup::RestoreArgs),
    /// Operate the projector's read model.
    Projector(projector::ProjectorArgs),
    /// Create the streams and buckets, or bring them up to date (operators; once per upgrade).
    Provision(provision::ProvisionArgs),
    /// Compute a statutory due date and show the reasoning.
    Deadline(deadline::DeadlineArgs),
    /// Load the family scenario into a running hub and show the coordinator's view.
    Demo(demo::DemoArgs),
    /// iWmo 3.2 and iJw 3.2 messages: `rondom istandaard submit FILE...`.
    Istandaard(istandaard::IStandaardArgs),
    /// Load signals in bulk from a JSON Lines file (PostSignals in batches; run it again to
    /// go on after an interruption).
    Import(import::ImportArgs),
}

impl Cli {
    /// The log filter unless RUST_LOG sets one: the hub tells what it does, a command that
    /// talks to it only warns (its answer is on stdout).
    pub(crate) fn log_filter(&self) -> &'static str {
        match self.command {
            Command::Up(_) | Command::Serve(_) => "info",
            _ => "warn",
        }
    }

    pub(crate) async fn run(self) -> anyhow::Result<()> {
        match self.command {
            Command::Up(args) => up::run(*args).await,
            Command::Serve(args) => serve::run(*args).await,
            Command::Signal(args) => client::signal(args).await,
            Command::Household(args) => client::household(args).await,
            Command::Timeline(args) => client::timeline(args).await,
            Command::Worklist(args) => client::worklist(args).await,
            Command::Subscribe(args) => subscribe::run(args).await,
            Command::Audit(args) => audit::run(args).await,
            Command::Person(args) => person::run(args).await,
            Command::Retention(args) => retention::run(args).await,
            Command::Keys(args) => keys::run(args).await,
            Command::Provision(args) => provision::run(args).await,
            Command::Backup(args) => backup::backup(args).await,
            Command::Restore(args) => backup::restore(args).await,
            Command::Projector(args) => projector::run(args).await,
            Command::Deadline(args) => deadline::run(args),
            Command::Demo(args) => demo::run(args).await,
            Command::Istandaard(args) => istandaard::run(args).await,
            Command::Import(args) => import::run(args).await,
        }
    }
}

/// Asks `question` on the terminal; only "ja" goes ahead.
fn confirmed(question: &str) -> anyhow::Result<bool> {
    use std::io::Write as _;
    eprint!("{question}");
    std::io::stderr().flush()?;
    let mut answer = String::new();
    std::io::stdin().read_line(&mut answer)?;
    Ok(answer.trim() == "ja")
}
