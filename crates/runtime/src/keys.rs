//! The two secrets of a Rondom installation, each in its own file of 64 hex digits with mode
//! 0600: `master.key` wraps every household data key, `pseudonym.key` turns BSNs into
//! pseudonyms. Development installs generate them on first start; production provides them.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use rondom_domain::PseudonymKey;
use rondom_domain::seal::{MasterKey, random_key_bytes};

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
}

/// The installation's secrets. `Debug` shows only the master key's public id.
#[derive(Debug, Clone)]
pub struct Keys {
    pub master: MasterKey,
    pub pseudonym: PseudonymKey,
}

impl Keys {
    /// Loads both keys from `dir`, generating any that are missing.
    ///
    /// # Errors
    /// [`Error`] when a file cannot be read or written, is readable by group or others, or is
    /// not 64 hex digits.
    pub fn load_or_generate(dir: &Path) -> Result<Keys, Error> {
        let master = load_or_generate_key(&dir.join("master.key"))?;
        let pseudonym = load_or_generate_key(&dir.join("pseudonym.key"))?;
        Ok(Keys {
            master: MasterKey::from_bytes(master),
            pseudonym: PseudonymKey::from_bytes(pseudonym),
        })
    }
}

fn load_or_generate_key(path: &Path) -> Result<[u8; 32], Error> {
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
        assert_eq!(first.master.id(), second.master.id());
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
