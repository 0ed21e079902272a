//! The projector's settings on the command line, shared by `rondom up` and
//! `rondom serve --role projector`; the projector and the lifecycle take plain
//! [`ProjectionSettings`] and [`LifecycleSettings`].

use std::path::PathBuf;
use std::time::Duration;

use rondom_lifecycle::LifecycleSettings;
use rondom_projector::ProjectionSettings;

/// How the projector reads and keeps its read model (the directory is the command's own).
#[derive(Debug, Clone, clap::Args)]
pub(crate) struct ProjectionArgs {
    /// Most events applied in one sled transaction.
    #[arg(long, env = "RONDOM_PROJECTOR_BATCH_SIZE", default_value_t = 256)]
    batch_size: usize,
    /// How long a read with min_position waits for the projector before UNAVAILABLE.
    #[arg(long, env = "RONDOM_PROJECTOR_READ_WAIT", default_value = "5s", value_parser = humantime::parse_duration)]
    read_wait: Duration,
    /// Most events the projector may lag behind the stream before HouseholdService and
    /// SubscriptionService report NOT_SERVING on grpc.health.v1 (they still answer).
    #[arg(long, env = "RONDOM_PROJECTOR_MAX_LAG", default_value_t = 10_000)]
    max_lag: u64,
    /// sled's page cache for the read model, in MiB (the process's memory grows by about
    /// this much beyond its base).
    #[arg(long = "projector-cache-mb", env = "RONDOM_PROJECTOR_CACHE_MB", default_value_t = rondom_projector::store::DEFAULT_CACHE_MB)]
    cache_mb: u64,
    /// TOML file of per-gemeente bylaw terms (e.g. SHV-BESCHIKKING = "6 weeks"); without it
    /// the catalogue's defaults apply (see `rondom deadline --list`).
    #[arg(long, env = "RONDOM_BYLAWS")]
    bylaws: Option<PathBuf>,
    /// TOML file of retention periods per pillar in years (`[years] wmo = 15`); without it
    /// every pillar keeps twenty years, the Jeugdwet's.
    #[arg(long, env = "RONDOM_RETENTION")]
    retention: Option<PathBuf>,
    /// How often the retention task erases households whose period ended (1m to 7d).
    #[arg(long, env = "RONDOM_RETENTION_EVERY", default_value = "24h", value_parser = retention_interval)]
    retention_every: Duration,
}

/// A retention interval: from a minute (each scan reads the whole read model, so `0s` would
/// scan without pause) to a week (longer lets periods run out unseen for too long).
fn retention_interval(text: &str) -> Result<Duration, String> {
    let every = humantime::parse_duration(text).map_err(|err| err.to_string())?;
    if (Duration::from_secs(60)..=Duration::from_secs(7 * 24 * 3600)).contains(&every) {
        Ok(every)
    } else {
        Err("from 1m to 7d".to_owned())
    }
}

impl ProjectionArgs {
    /// Returns the settings with the read model in `data_dir`.
    pub(crate) fn settings(&self, data_dir: PathBuf) -> ProjectionSettings {
        ProjectionSettings {
            data_dir,
            batch_size: self.batch_size,
            read_wait: self.read_wait,
            max_lag: self.max_lag,
            cache_mb: self.cache_mb,
            bylaws: self.bylaws.clone(),
        }
    }

    /// Returns the settings of the personal data's lifecycle (retention).
    pub(crate) fn lifecycle(&self) -> LifecycleSettings {
        LifecycleSettings {
            retention: self.retention.clone(),
            retention_every: self.retention_every,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retention_scans_are_a_minute_to_a_week_apart() {
        for wrong in ["0s", "59s", "8d", "soon"] {
            assert!(retention_interval(wrong).is_err(), "{wrong}");
        }
        assert_eq!(retention_interval("1m"), Ok(Duration::from_secs(60)));
        assert_eq!(retention_interval("24h"), Ok(Duration::from_secs(86_400)));
    }
}
