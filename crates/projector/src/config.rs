//! Settings of the read model.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use rondom_domain::bylaw::BylawTerms;

/// Where the read model lives and how the projector reads. The command line that fills it is
/// the CLI's (`rondom serve --role projector`, `rondom up`).
#[derive(Debug, Clone)]
pub struct ProjectionSettings {
    /// Directory of the sled read model (with its generations).
    pub data_dir: PathBuf,
    /// Most events applied in one sled transaction.
    pub batch_size: usize,
    /// How long a read with min_position waits for the projector before UNAVAILABLE.
    pub read_wait: Duration,
    /// Most events the projector may lag behind the stream before HouseholdService and
    /// SubscriptionService report NOT_SERVING on grpc.health.v1 (they still answer).
    pub max_lag: u64,
    /// sled's page cache for the read model, in MiB.
    pub cache_mb: u64,
    /// TOML file of per-gemeente bylaw terms; without it the catalogue's defaults apply.
    pub bylaws: Option<PathBuf>,
}

impl ProjectionSettings {
    /// Reads and checks the bylaw file, if one is set.
    ///
    /// # Errors
    /// [`crate::Error::BylawFile`] or [`crate::Error::Bylaws`]: the hub does not start on a
    /// wrong file rather than count a term wrong later.
    pub fn load_bylaws(&self) -> crate::Result<Arc<BylawTerms>> {
        load_bylaws(self.bylaws.as_deref()).map(Arc::new)
    }
}

/// Reads and checks a bylaw file; `None` gives the catalogue's defaults.
///
/// # Errors
/// As [`ProjectionSettings::load_bylaws`].
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
