//! Client commands: the CLI talks to a running hub over gRPC, like any other client.

use std::path::PathBuf;

use anyhow::Context as _;
use chrono::{DateTime, Utc};
use rondom_access::dev_clients::{self, DevClient, DevTokens};
use rondom_domain::access::Purpose;
use rondom_proto::convert::{proto_date, timestamp};
use rondom_proto::v1;
use rondom_proto::v1::household_service_client::HouseholdServiceClient;
use rondom_proto::v1::operator_service_client::OperatorServiceClient;
use rondom_proto::v1::signal_service_client::SignalServiceClient;
use tonic::transport::Channel;

use crate::output;
use rondom_cli::connection::{Connection, authed};

/// Where the hub listens and how to print.
/// The pillars `keep` keeps, by their wire names.
pub(crate) fn pillars(
    keep: fn(rondom_domain::Pillar) -> bool,
) -> clap::builder::PossibleValuesParser {
    clap::builder::PossibleValuesParser::new(
        rondom_domain::Pillar::ALL
            .into_iter()
            .filter(|&pillar| keep(pillar))
            .map(rondom_domain::Pillar::as_str),
    )
}

#[derive(Debug, clap::Args)]
pub(crate) struct Endpoint {
    /// Address of the hub's gRPC endpoint.
    #[arg(
        long,
        env = "RONDOM_ADDR",
        default_value = "http://127.0.0.1:50051",
        global = true
    )]
    addr: String,
    /// For an https:// address: the PEM certificate of the CA that signed the hub's
    /// certificate (default: the system's trusted roots).
    #[arg(long, env = "RONDOM_CA", global = true)]
    ca: Option<PathBuf>,
    /// For a hub that asks for client certificates: this client's PEM certificate and key.
    #[arg(
        long,
        env = "RONDOM_CLIENT_CERT",
        global = true,
        requires = "client_key"
    )]
    client_cert: Option<PathBuf>,
    #[arg(
        long,
        env = "RONDOM_CLIENT_KEY",
        global = true,
        requires = "client_cert"
    )]
    client_key: Option<PathBuf>,
    /// Print JSON instead of text.
    #[arg(long, global = true)]
    pub(crate) json: bool,
}

impl Endpoint {
    /// Returns how to reach the hub: TLS for an https:// address.
    fn tls(&self) -> anyhow::Result<Option<tonic::transport::ClientTlsConfig>> {
        if !self.addr.starts_with("https://") {
            return Ok(None);
        }
        let read = |path: &PathBuf| {
            std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))
        };
        let mut tls = tonic::transport::ClientTlsConfig::new();
        tls = match &self.ca {
            Some(ca) => tls.ca_certificate(tonic::transport::Certificate::from_pem(read(ca)?)),
            None => tls.with_native_roots(),
        };
        if let (Some(cert), Some(key)) = (&self.client_cert, &self.client_key) {
            tls = tls.identity(tonic::transport::Identity::from_pem(
                read(cert)?,
                read(key)?,
            ));
        }
        Ok(Some(tls))
    }

    /// The same endpoint at another address (another role of a scaled-out hub).
    pub(crate) fn at(&self, addr: &str) -> Self {
        Self {
            addr: addr.to_owned(),
            ca: self.ca.clone(),
            client_cert: self.client_cert.clone(),
            client_key: self.client_key.clone(),
            json: self.json,
        }
    }

    pub(crate) async fn channel(&self) -> anyhow::Result<Channel> {
        let mut endpoint = Channel::from_shared(self.addr.clone())
            .with_context(|| format!("{:?} is not a valid address", self.addr))?;
        if let Some(tls) = self.tls()? {
            endpoint = endpoint
                .tls_config(tls)
                .context("cannot set up TLS to the hub")?;
        }
        endpoint.connect().await.with_context(|| {
            format!(
                "cannot reach the hub at {}; is `rondom up` running?",
                self.addr
            )
        })
    }
}

/// Where the hub listens, who calls, and how to print.
#[derive(Debug, clap::Args)]
pub(crate) struct ClientArgs {
    #[command(flatten)]
    pub(crate) endpoint: Endpoint,
    /// Bearer token of this client (from the hub's clients file). Without it the CLI uses the
    /// development token of the role the command needs, from <data-dir>/dev-tokens.toml.
    #[arg(long, env = "RONDOM_TOKEN", global = true, hide_env_values = true)]
    token: Option<String>,
    /// Data directory of a local `rondom up`, whose dev-tokens.toml supplies a token when
    /// --token is not given.
    #[arg(long, env = "RONDOM_DATA_DIR", default_value = "./data", global = true)]
    data_dir: PathBuf,
}

impl ClientArgs {
    /// Returns a connection that calls as `--token`, or else as the development client
    /// `role` when the data directory holds development tokens, or else without a token.
    pub(crate) async fn connect(&self, role: DevClient) -> anyhow::Result<Connection> {
        let token = self.token_for(role)?;
        authed(self.endpoint.channel().await?, token.as_deref())
    }

    fn token_for(&self, role: DevClient) -> anyhow::Result<Option<String>> {
        if let Some(token) = &self.token {
            return Ok(Some(token.clone()));
        }
        let path = dev_clients::tokens_path(&self.data_dir);
        if !path.exists() {
            tracing::debug!(path = %path.display(), "no token given and no development tokens");
            return Ok(None);
        }
        let tokens = DevTokens::load(&path)?;
        tracing::debug!(path = %path.display(), client = %role.id(), "using a development token");
        Ok(Some(tokens.token(role).to_owned()))
    }

    pub(crate) fn json(&self) -> bool {
        self.endpoint.json
    }
}

/// Why a read is done and for whom: every read states a purpose (doelbinding), recorded in
/// the audit log with it.
#[derive(Debug, clap::Args)]
pub(crate) struct ReadArgs {
    /// Why you read; it must fit the token's role: regie (coordinator), uitvoering_wmo,
    /// uitvoering_jeugdwet, bijstandsverlening, schuldhulpverlening (a partner, its own law).
    #[arg(long, env = "RONDOM_PURPOSE", default_value = "regie", global = true)]
    purpose: Purpose,
    /// The person in your organisation who reads (a staff id), for the audit log; a
    /// coordinator reading for the household's regisseur names the regisseur.
    #[arg(long, env = "RONDOM_ON_BEHALF_OF", global = true)]
    on_behalf_of: Option<String>,
}

impl ReadArgs {
    pub(crate) fn purpose(&self) -> i32 {
        v1::Purpose::from(self.purpose) as i32
    }

    pub(crate) fn on_behalf_of(&self) -> String {
        self.on_behalf_of.clone().unwrap_or_default()
    }
}

#[derive(Debug, clap::Args)]
pub(crate) struct SignalArgs {
    #[command(subcommand)]
    command: SignalCommand,
    #[command(flatten)]
    client: ClientArgs,
}

#[derive(Debug, clap::Subcommand)]
enum SignalCommand {
    /// Post a signal about one or more persons of a household.
    Post(PostArgs),
}

#[derive(Debug, clap::Args)]
struct PostArgs {
    /// A person by BSN, optionally with a name: 111222333 or 111222333:Fatima. Repeat for
    /// co-residents; the first is the person the signal is about.
    #[arg(long = "person", required = true)]
    persons: Vec<String>,
    /// The pillar the signal is filed under.
    #[arg(long, value_parser = pillars(rondom_domain::Pillar::accepts_signals))]
    pillar: String,
    /// Kind from the signal catalogue, e.g. zorgen_opvoeding or betalingsachterstand.
    #[arg(long)]
    kind: String,
    /// normal, high or crisis.
    #[arg(long, default_value = "normal")]
    urgency: String,
    /// Free text (sealed on the bus).
    #[arg(long, default_value = "")]
    summary: String,
    /// CBS gemeentecode (4 digits).
    #[arg(long, env = "RONDOM_GEMEENTE")]
    gemeente: String,
    /// The posting system.
    #[arg(long, env = "RONDOM_SOURCE_SYSTEM", default_value = "rondom-cli")]
    source: String,
    /// Idempotency key; a fresh one when not given. Reuse it to retry safely.
    #[arg(long)]
    idempotency_key: Option<String>,
    /// When it was observed (RFC 3339); now when not given.
    #[arg(long)]
    observed_at: Option<DateTime<Utc>>,
}

pub(crate) fn pillar_value(name: &str) -> i32 {
    // Unknown names go to the server as UNSPECIFIED, which refuses them with a clear violation.
    name.parse::<rondom_domain::Pillar>()
        .map_or(0, |pillar| v1::Pillar::from(pillar) as i32)
}

pub(crate) fn urgency_value(name: &str) -> i32 {
    match name {
        "normal" => v1::Urgency::Normal as i32,
        "high" => v1::Urgency::High as i32,
        "crisis" => v1::Urgency::Crisis as i32,
        _ => v1::Urgency::Unspecified as i32,
    }
}

pub(crate) async fn signal(args: SignalArgs) -> anyhow::Result<()> {
    let SignalCommand::Post(post) = args.command;
    let idempotency_key = post
        .idempotency_key
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    let persons = post
        .persons
        .iter()
        .map(|person| {
            let (bsn, name) = person.split_once(':').unwrap_or((person, ""));
            v1::PersonRef {
                bsn: bsn.to_owned(),
                display_name: name.to_owned(),
                birth_date: None,
            }
        })
        .collect();
    let request = v1::PostSignalRequest {
        idempotency_key: idempotency_key.clone(),
        source_system: post.source,
        gemeente_code: post.gemeente,
        persons,
        pillar: pillar_value(&post.pillar),
        kind: post.kind,
        urgency: urgency_value(&post.urgency),
        observed_at: Some(timestamp(post.observed_at.unwrap_or_else(Utc::now))),
        summary: post.summary,
    };
    let mut client = SignalServiceClient::new(args.client.connect(DevClient::Wijkteam).await?);
    let reply = client.post_signal(request).await?.into_inner();
    output::posted(&reply, &idempotency_key, args.client.json());
    Ok(())
}

#[derive(Debug, clap::Args)]
pub(crate) struct HouseholdArgs {
    #[command(subcommand)]
    command: HouseholdCommand,
    #[command(flatten)]
    read: ReadArgs,
    #[command(flatten)]
    client: ClientArgs,
}

#[derive(Debug, clap::Subcommand)]
enum HouseholdCommand {
    /// Show the integral view of a household, by id or by a member's BSN.
    Show {
        /// Household id.
        #[arg(required_unless_present = "bsn", conflicts_with = "bsn")]
        household_id: Option<String>,
        /// Find the household of the person with this BSN.
        #[arg(long)]
        bsn: Option<String>,
        /// Wait until the view includes this stream position (from `signal post`).
        #[arg(long, default_value_t = 0)]
        min_position: u64,
        /// Judge deadlines as of this day (YYYY-MM-DD); default today.
        #[arg(long)]
        as_of: Option<chrono::NaiveDate>,
    },
    /// Erase a household's personal data for good by destroying its key (operator).
    Erase {
        /// Household id.
        household_id: String,
        /// The legal reason.
        #[arg(long, value_enum)]
        reason: ErasureReason,
        /// Do not ask for confirmation.
        #[arg(long)]
        yes: bool,
    },
}

/// Why a household is erased.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum ErasureReason {
    /// The person concerned asked for it (AVG art. 17).
    VerzoekBetrokkene,
    /// The retention period ended.
    BewaartermijnVerstreken,
    /// The data was processed unlawfully.
    OnrechtmatigVerwerkt,
}

impl From<ErasureReason> for v1::ErasureReason {
    fn from(reason: ErasureReason) -> Self {
        match reason {
            ErasureReason::VerzoekBetrokkene => v1::ErasureReason::VerzoekBetrokkene,
            ErasureReason::BewaartermijnVerstreken => v1::ErasureReason::BewaartermijnVerstreken,
            ErasureReason::OnrechtmatigVerwerkt => v1::ErasureReason::OnrechtmatigVerwerkt,
        }
    }
}

pub(crate) async fn household(args: HouseholdArgs) -> anyhow::Result<()> {
    let (household_id, bsn, min_position, as_of) = match args.command {
        HouseholdCommand::Show {
            household_id,
            bsn,
            min_position,
            as_of,
        } => (household_id, bsn, min_position, as_of),
        HouseholdCommand::Erase {
            household_id,
            reason,
            yes,
        } => {
            if !yes
                && !super::confirmed(&format!(
                    "Erase household {household_id}? Its members' personal data can never be read \
                 again (a restore leaves it erased; a backup made before now still holds its \
                 key until that backup is gone). Type 'ja' to erase: "
                ))?
            {
                anyhow::bail!("not erased");
            }
            let mut client =
                OperatorServiceClient::new(args.client.connect(DevClient::Operator).await?);
            let reply = client
                .erase_household(v1::EraseHouseholdRequest {
                    household_id: household_id.clone(),
                    reden: v1::ErasureReason::from(reason) as i32,
                })
                .await?
                .into_inner();
            if reply.already_erased {
                say!(
                    "household {household_id} was erased before (#{})",
                    reply.position
                );
            } else {
                say!(
                    "household {household_id} erased (#{}): its key is destroyed",
                    reply.position
                );
            }
            return Ok(());
        }
    };
    let key = match (household_id, bsn) {
        (Some(id), _) => v1::get_household_request::Key::HouseholdId(id),
        (None, Some(bsn)) => v1::get_household_request::Key::Bsn(bsn),
        (None, None) => unreachable!("clap requires one of them"),
    };
    let mut client =
        HouseholdServiceClient::new(args.client.connect(DevClient::Coordinator).await?);
    let reply = client
        .get_household(v1::GetHouseholdRequest {
            key: Some(key),
            min_position,
            as_of: as_of.map(proto_date),
            purpose: args.read.purpose(),
            on_behalf_of: args.read.on_behalf_of(),
        })
        .await?
        .into_inner();
    output::household(&reply, args.client.json());
    Ok(())
}

#[derive(Debug, clap::Args)]
pub(crate) struct TimelineArgs {
    /// Household id.
    household_id: String,
    /// Only these pillars (repeatable).
    #[arg(long = "pillar")]
    pillars: Vec<String>,
    /// Oldest first (default newest first).
    #[arg(long)]
    oldest_first: bool,
    /// Entries per page (default 50, at most 500).
    #[arg(long, default_value_t = 0)]
    page_size: u32,
    /// Continue from a previous page.
    #[arg(long, default_value = "")]
    page_token: String,
    /// Wait until the timeline includes this stream position.
    #[arg(long, default_value_t = 0)]
    min_position: u64,
    #[command(flatten)]
    read: ReadArgs,
    #[command(flatten)]
    client: ClientArgs,
}

pub(crate) async fn timeline(args: TimelineArgs) -> anyhow::Result<()> {
    let request = v1::GetTimelineRequest {
        household_id: args.household_id,
        min_position: args.min_position,
        page_size: args.page_size,
        page_token: args.page_token,
        pillars: args.pillars.iter().map(|name| pillar_value(name)).collect(),
        oldest_first: args.oldest_first,
        purpose: args.read.purpose(),
        on_behalf_of: args.read.on_behalf_of(),
    };
    let mut client =
        HouseholdServiceClient::new(args.client.connect(DevClient::Coordinator).await?);
    let reply = client.get_timeline(request).await?.into_inner();
    output::timeline(&reply, args.client.json());
    Ok(())
}

#[derive(Debug, clap::Args)]
pub(crate) struct WorklistArgs {
    /// Only households with an overdue deadline.
    #[arg(long, conflicts_with = "due_within")]
    overdue: bool,
    /// Only households with a deadline due within this many days (overdue included).
    #[arg(long)]
    due_within: Option<u32>,
    /// Only this gemeente (CBS code).
    #[arg(long)]
    gemeente: Option<String>,
    /// Only households active in this pillar.
    #[arg(long)]
    pillar: Option<String>,
    /// Only households of this regisseur.
    #[arg(long, conflicts_with = "no_regisseur")]
    regisseur: Option<String>,
    /// Only households without a regisseur.
    #[arg(long)]
    no_regisseur: bool,
    /// Only households active in at least this many of the four laws.
    #[arg(long, default_value_t = 0)]
    min_pillars: u32,
    /// Only households with this risk flag, e.g. drie_of_meer_pijlers, geen_regisseur.
    #[arg(long)]
    risk: Option<String>,
    /// Judge deadlines as of this day (YYYY-MM-DD); default today.
    #[arg(long)]
    as_of: Option<chrono::NaiveDate>,
    /// Rows per page (default 50, at most 500).
    #[arg(long, default_value_t = 0)]
    page_size: u32,
    /// Continue from a previous page.
    #[arg(long, default_value = "")]
    page_token: String,
    #[command(flatten)]
    read: ReadArgs,
    #[command(flatten)]
    client: ClientArgs,
}

pub(crate) async fn worklist(args: WorklistArgs) -> anyhow::Result<()> {
    let risk_flag = match &args.risk {
        None => 0,
        Some(name) => v1::RiskFlag::from_str_name(&format!("RISK_FLAG_{}", name.to_uppercase()))
            .map(|flag| flag as i32)
            .with_context(|| format!("unknown risk flag {name:?}; e.g. drie_of_meer_pijlers, jeugdhulp_en_schulden, geen_regisseur, termijn_overschreden"))?,
    };
    let request = v1::ListHouseholdsRequest {
        gemeente_code: args.gemeente.unwrap_or_default(),
        pillar: args.pillar.as_deref().map_or(0, pillar_value),
        regisseur_id: args.regisseur.unwrap_or_default(),
        no_regisseur: args.no_regisseur,
        overdue: args.overdue,
        due_within_days: args.due_within.unwrap_or(0),
        min_active_pillars: args.min_pillars,
        risk_flag,
        as_of: args.as_of.map(proto_date),
        page_size: args.page_size,
        page_token: args.page_token,
        min_position: 0,
        purpose: args.read.purpose(),
        on_behalf_of: args.read.on_behalf_of(),
    };
    let mut client =
        HouseholdServiceClient::new(args.client.connect(DevClient::Coordinator).await?);
    let reply = client.list_households(request).await?.into_inner();
    output::worklist(&reply, args.client.json());
    Ok(())
}
