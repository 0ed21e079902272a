//! The three secrets of a Rondom installation, each in its own file of 64 hex digits with mode
//! 0600: `master.key` wraps every household data key, `pseudonym.key` turns BSNs into
//! pseudonyms, `event-signing.key` signs every event (kept for good: the log's events are
//! checked against it at every rebuild). Development installs generate them on first start;
//! production provides them, the same in every process.
//!
//! `rondom keys rotate` moves the master key to `retired/<id>.key` and writes a new
//! `master.key` ([`rotate_master`]); retired keys still unwrap what they wrapped until every
//! household key is re-wrapped, after which the operator may remove them (but keep them as
//! long as backups wrapped under them are kept).

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rondom_bus::EventSigner;
use rondom_bus::keystore::ReloadMasters;
use rondom_domain::PseudonymKey;
use rondom_domain::seal::{MasterKey, MasterKeys, random_key_bytes};

const MASTER: &str = "master.key";
const PSEUDONYM: &str = "pseudonym.key";
const EVENT_SIGNING: &str = "event-signing.key";
const RETIRED: &str = "retired";
const PSEUDONYM_NEXT: &str = "pseudonym.key.next";

/// A key file that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("cannot read or create key file {path}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("key file {path} is readable by others (mode {mode:o}); run chmod 600 on it")]
    Permissions { path: PathBuf, mode: u32 },
    #[error("key file {path} must hold exactly 64 hex digits")]
    Format { path: PathBuf },
    #[error("no master key in {dir}; nothing to rotate")]
    NoMasterKey { dir: PathBuf },
}

/// The installation's secrets. `Debug` shows only the master keys' public ids.
#[derive(Debug, Clone)]
pub struct Keys {
    pub masters: MasterKeys,
    pub pseudonym: PseudonymKey,
    pub signer: EventSigner,
    dir: PathBuf,
}

impl Keys {
    /// Loads the keys from `dir`, generating a missing master or pseudonym key.
    ///
    /// # Errors
    /// [`Error`] when a file cannot be read or written, is readable by group or others, or is
    /// not 64 hex digits.
    pub fn load_or_generate(dir: &Path) -> Result<Keys, Error> {
        generate_if_missing(&dir.join(MASTER))?;
        generate_if_missing(&dir.join(PSEUDONYM))?;
        generate_if_missing(&dir.join(EVENT_SIGNING))?;
        Ok(Keys {
            masters: load_masters(dir)?,
            pseudonym: PseudonymKey::from_bytes(read_key(&dir.join(PSEUDONYM))?),
            signer: EventSigner::new(read_key(&dir.join(EVENT_SIGNING))?),
            dir: dir.to_owned(),
        })
    }

    /// Returns how a key store reads this installation's master keys again after a rotation.
    pub fn reload(&self) -> ReloadMasters {
        let dir = self.dir.clone();
        Arc::new(move || load_masters(&dir).map_err(|err| err.to_string()))
    }
}

/// Reads the event-signing key of `dir`, for an operator's command that reads or writes the
/// log beside the hub; never generates one (events signed under a new key would not be the
/// hub's).
///
/// # Errors
/// As [`Keys::load_or_generate`]; a missing `event-signing.key` is an I/O error here.
pub fn load_signer(dir: &Path) -> Result<EventSigner, Error> {
    Ok(EventSigner::new(read_key(&dir.join(EVENT_SIGNING))?))
}

/// Reads the current master key and every retired one from `dir`.
///
/// # Errors
/// As [`Keys::load_or_generate`]; a missing `master.key` is an I/O error here.
pub fn load_masters(dir: &Path) -> Result<MasterKeys, Error> {
    let current = MasterKey::from_bytes(read_key(&dir.join(MASTER))?);
    let retired_dir = dir.join(RETIRED);
    let mut retired = Vec::new();
    if retired_dir.exists() {
        let entries = fs::read_dir(&retired_dir).map_err(|source| Error::Io {
            path: retired_dir.clone(),
            source,
        })?;
        for entry in entries {
            let path = entry
                .map_err(|source| Error::Io {
                    path: retired_dir.clone(),
                    source,
                })?
                .path();
            if path.extension().is_some_and(|ext| ext == "key") {
                retired.push(MasterKey::from_bytes(read_key(&path)?));
            }
        }
    }
    Ok(MasterKeys::new(current, retired))
}

/// A master key rotation: which key retired, which one wraps from now on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rotation {
    pub retired: String,
    pub current: String,
}

/// Retires the master key in `dir` (kept as `retired/<id>.key`) and puts a new random one in
/// its place. The old key is safely stored before the new one replaces it, and the new one
/// replaces it in one rename, so a crash at any point leaves a usable key directory.
///
/// # Errors
/// [`Error::NoMasterKey`] when `dir` has none; [`Error`] when a file cannot be written.
pub fn rotate_master(dir: &Path) -> Result<Rotation, Error> {
    let master_path = dir.join(MASTER);
    if !master_path.exists() {
        return Err(Error::NoMasterKey {
            dir: dir.to_owned(),
        });
    }
    let old = read_key(&master_path)?;
    let old_id = MasterKey::from_bytes(old).id().to_owned();
    let retired_dir = dir.join(RETIRED);
    let io_error = |path: &Path| {
        let path = path.to_owned();
        move |source| Error::Io { path, source }
    };
    fs::create_dir_all(&retired_dir).map_err(io_error(&retired_dir))?;
    fs::set_permissions(&retired_dir, fs::Permissions::from_mode(0o700))
        .map_err(io_error(&retired_dir))?;
    fs::File::open(dir)
        .and_then(|dir| dir.sync_all())
        .map_err(io_error(dir))?;
    let retired_path = retired_dir.join(format!("{old_id}.key"));
    // Kept before anything replaces it; a retired file from an interrupted rotation counts
    // only if it really holds the old key.
    if read_key(&retired_path).ok() != Some(old) {
        write_atomically(&retired_path, &old)?;
    }
    let new = random_key_bytes();
    write_atomically(&master_path, &new)?;
    Ok(Rotation {
        retired: old_id,
        current: MasterKey::from_bytes(new).id().to_owned(),
    })
}

/// Returns the pseudonym key a re-pseudonymisation moves to: `pseudonym.key.next` in `dir`,
/// made on first use and read again by a run that continues an interrupted one.
///
/// # Errors
/// As [`Keys::load_or_generate`].
pub fn next_pseudonym_key(dir: &Path) -> Result<PseudonymKey, Error> {
    let path = dir.join(PSEUDONYM_NEXT);
    if !path.exists() {
        write_atomically(&path, &random_key_bytes())?;
    }
    Ok(PseudonymKey::from_bytes(read_key(&path)?))
}

/// Makes the next pseudonym key (from [`next_pseudonym_key`]) the one in use, in one rename.
/// The old key is gone: re-pseudonymising works from BSNs, so nothing needs it again.
///
/// # Errors
/// [`Error::Io`] when the rename fails.
pub fn promote_pseudonym_key(dir: &Path) -> Result<(), Error> {
    let io_error = |path: &Path| {
        let path = path.to_owned();
        move |source| Error::Io { path, source }
    };
    let current = dir.join(PSEUDONYM);
    fs::rename(dir.join(PSEUDONYM_NEXT), &current).map_err(io_error(&current))?;
    fs::File::open(dir)
        .and_then(|dir| dir.sync_all())
        .map_err(io_error(dir))
}

/// Puts `key` at `path` whole or not at all: written to a temporary file with mode 0600 and
/// synced, renamed into place, and the directory synced, so a crash never leaves a partial key.
fn write_atomically(path: &Path, key: &[u8; 32]) -> Result<(), Error> {
    let io_error = |path: &Path| {
        let path = path.to_owned();
        move |source| Error::Io { path, source }
    };
    let dir = path.parent().unwrap_or(Path::new("."));
    let temporary = path.with_extension("tmp");
    match fs::remove_file(&temporary) {
        Ok(()) => {}
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {}
        Err(err) => return Err(io_error(&temporary)(err)),
    }
    crate::secret_file::create(&temporary, &hex::encode(key)).map_err(io_error(&temporary))?;
    fs::rename(&temporary, path).map_err(io_error(path))?;
    fs::File::open(dir)
        .and_then(|dir| dir.sync_all())
        .map_err(io_error(dir))
}

fn generate_if_missing(path: &Path) -> Result<(), Error> {
    let io_error = |source| Error::Io {
        path: path.to_owned(),
        source,
    };
    if !path.exists() {
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).map_err(io_error)?;
            fs::set_permissions(parent, fs::Permissions::from_mode(0o700)).map_err(io_error)?;
        }
        match crate::secret_file::create(path, &hex::encode(random_key_bytes())) {
            Ok(()) => {
                tracing::warn!(path = %path.display(), "generated a development key; provide your own in production");
            }
            Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(err) => return Err(io_error(err)),
        }
    }
    Ok(())
}

fn read_key(path: &Path) -> Result<[u8; 32], Error> {
    let io_error = |source| Error::Io {
        path: path.to_owned(),
        source,
    };
    let text = crate::secret_file::read(path).map_err(|err| match err {
        crate::secret_file::ReadError::Io(err) => io_error(err),
        crate::secret_file::ReadError::Exposed(mode) => Error::Permissions {
            path: path.to_owned(),
            mode,
        },
    })?;
    let mut bytes = [0u8; 32];
    hex::decode_to_slice(text.trim(), &mut bytes).map_err(|_| Error::Format {
        path: path.to_owned(),
    })?;
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::OpenOptionsExt as _;

    use super::*;
    use rondom_domain::Bsn;

    #[test]
    fn generated_keys_are_kept_and_reused() {
        let dir = tempfile::tempdir().expect("temp dir");
        let first = Keys::load_or_generate(dir.path()).expect("generate");
        let second = Keys::load_or_generate(dir.path()).expect("load");
        assert_eq!(first.masters.current().id(), second.masters.current().id());
        let bsn: Bsn = "111222333".parse().expect("valid");
        assert_eq!(
            first.pseudonym.pseudonym(&bsn),
            second.pseudonym.pseudonym(&bsn)
        );
        let mode = fs::metadata(dir.path().join("master.key"))
            .expect("exists")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    #[test]
    fn rotation_retires_the_old_master_key_and_both_keep_unwrapping() {
        let dir = tempfile::tempdir().expect("temp dir");
        let before = Keys::load_or_generate(dir.path()).expect("generate");
        let household = rondom_domain::HouseholdId::generate();
        let data_key = rondom_domain::seal::DataKey::generate();
        let wrapped = before.masters.current().wrap(&household, &data_key);

        let rotation = rotate_master(dir.path()).expect("rotate");
        assert_eq!(rotation.retired, before.masters.current().id());
        let after = Keys::load_or_generate(dir.path()).expect("load");
        assert_eq!(after.masters.current().id(), rotation.current);
        assert_ne!(rotation.current, rotation.retired);
        let old = after
            .masters
            .by_id(&rotation.retired)
            .expect("retired key kept");
        assert!(old.unwrap(&household, &wrapped).is_ok());
        let mode = fs::metadata(
            dir.path()
                .join("retired")
                .join(format!("{}.key", rotation.retired)),
        )
        .expect("retired file")
        .permissions()
        .mode();
        assert_eq!(mode & 0o777, 0o600);
        // The pseudonym key is not touched.
        let bsn: Bsn = "111222333".parse().expect("valid");
        assert_eq!(
            before.pseudonym.pseudonym(&bsn),
            after.pseudonym.pseudonym(&bsn)
        );

        // A second rotation keeps both earlier keys.
        let again = rotate_master(dir.path()).expect("rotate again");
        let masters = load_masters(dir.path()).expect("load");
        assert!(masters.by_id(&rotation.retired).is_some());
        assert!(masters.by_id(&again.retired).is_some());
        assert_eq!(masters.current().id(), again.current);
    }

    #[test]
    fn a_rotation_interrupted_while_retiring_loses_no_key() {
        let dir = tempfile::tempdir().expect("temp dir");
        let before = Keys::load_or_generate(dir.path()).expect("generate");
        let old_id = before.masters.current().id().to_owned();
        // A crash left an empty retired file behind, master.key still the old key.
        fs::create_dir_all(dir.path().join(RETIRED)).expect("retired dir");
        fs::write(dir.path().join(RETIRED).join(format!("{old_id}.key")), "").expect("partial");
        fs::set_permissions(
            dir.path().join(RETIRED).join(format!("{old_id}.key")),
            fs::Permissions::from_mode(0o600),
        )
        .expect("chmod");

        let rotation = rotate_master(dir.path()).expect("rotate");
        assert_eq!(rotation.retired, old_id);
        let masters = load_masters(dir.path()).expect("both keys load");
        assert!(
            masters.by_id(&old_id).is_some(),
            "the old key is kept whole"
        );
    }

    #[test]
    fn rotation_needs_a_master_key() {
        let dir = tempfile::tempdir().expect("temp dir");
        assert!(matches!(
            rotate_master(dir.path()),
            Err(Error::NoMasterKey { .. })
        ));
    }

    #[test]
    fn refuses_a_key_file_others_can_read() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("master.key");
        fs::write(&path, "11".repeat(32)).expect("write");
        fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).expect("chmod");
        assert!(matches!(
            Keys::load_or_generate(dir.path()),
            Err(Error::Permissions { .. })
        ));
    }

    #[test]
    fn refuses_a_malformed_key_file() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("master.key");
        fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&path)
            .expect("create");
        fs::write(&path, "not hex").expect("write");
        assert!(matches!(
            Keys::load_or_generate(dir.path()),
            Err(Error::Format { .. })
        ));
    }
}
