//! Settings of the read model.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use rondom_domain::bylaw::BylawTerms;
use rondom_domain::retention::RetentionTerms;

/// Where the read model lives and how the projector reads.
#[derive(Debug, Clone, clap::Args)]
pub struct ProjectionArgs {
    /// Directory of the sled read model (with its generations).
    #[arg(
        long,
        env = "RONDOM_PROJECTOR_DATA_DIR",
        default_value = "./data/projector"
    )]
    pub data_dir: PathBuf,
    /// Most events applied in one sled transaction.
    #[arg(long, env = "RONDOM_PROJECTOR_BATCH_SIZE", default_value_t = 256)]
    pub batch_size: usize,
    /// How long a read with min_position waits for the projector before UNAVAILABLE.
    #[arg(long, env = "RONDOM_PROJECTOR_READ_WAIT", default_value = "5s", value_parser = humantime::parse_duration)]
    pub read_wait: Duration,
    /// Most events the projector may lag behind the stream before HouseholdService and
    /// SubscriptionService report NOT_SERVING on grpc.health.v1 (they still answer).
    #[arg(long, env = "RONDOM_PROJECTOR_MAX_LAG", default_value_t = 10_000)]
    pub max_lag: u64,
    /// sled's page cache for the read model, in MiB (the process's memory grows by about
    /// this much beyond its base).
    #[arg(long = "projector-cache-mb", env = "RONDOM_PROJECTOR_CACHE_MB", default_value_t = crate::store::DEFAULT_CACHE_MB)]
    pub cache_mb: u64,
    /// TOML file of per-gemeente bylaw terms (e.g. SHV-BESCHIKKING = "6 weeks"); without it
    /// the catalogue's defaults apply.
    #[arg(long, env = "RONDOM_BYLAWS")]
    pub bylaws: Option<PathBuf>,
    /// TOML file of retention periods per pillar in years (`[years] wmo = 15`); without it
    /// every pillar keeps twenty years, the Jeugdwet's.
    #[arg(long, env = "RONDOM_RETENTION")]
    pub retention: Option<PathBuf>,
    /// How often the retention task erases households whose period ended.
    #[arg(long, env = "RONDOM_RETENTION_EVERY", default_value = "24h", value_parser = humantime::parse_duration)]
    pub retention_every: Duration,
}

impl ProjectionArgs {
    /// Reads and checks the bylaw file, if one is set.
    ///
    /// # Errors
    /// [`crate::Error::BylawFile`] or [`crate::Error::Bylaws`]: the hub does not start on a
    /// wrong file rather than count a term wrong later.
    pub fn load_bylaws(&self) -> crate::Result<Arc<BylawTerms>> {
        load_bylaws(self.bylaws.as_deref()).map(Arc::new)
    }

    /// Reads and checks the retention file, if one is set.
    ///
    /// # Errors
    /// [`crate::Error::RetentionFile`]: the hub does not start on a wrong file rather than
    /// erase on a wrong term.
    pub fn load_retention(&self) -> crate::Result<RetentionTerms> {
        let Some(path) = self.retention.as_deref() else {
            return Ok(RetentionTerms::default());
        };
        let wrong = |reason: String| crate::Error::RetentionFile {
            path: path.to_owned(),
            reason,
        };
        let text = std::fs::read_to_string(path).map_err(|err| wrong(err.to_string()))?;
        RetentionTerms::from_toml(&text).map_err(|err| wrong(err.to_string()))
    }
}

/// Reads and checks a bylaw file; `None` gives the catalogue's defaults.
///
/// # Errors
/// As [`ProjectionArgs::load_bylaws`].
pub fn load_bylaws(path: Option<&std::path::Path>) -> crate::Result<BylawTerms> {
    let Some(path) = path else {
        return Ok(BylawTerms::default());
    };
    let text = std::fs::read_to_string(path).map_err(|source| crate::Error::BylawFile {
        path: path.to_owned(),
        source,
    })?;
    BylawTerms::from_toml(&text).map_err(|source| crate::Error::Bylaws {
        path: path.to_owned(),
        source,
    })
}
