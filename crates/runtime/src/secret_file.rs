//! Files that hold secrets (keys, tokens): created with mode 0600 from the start, so never
//! readable by others even for a moment, and refused when group or others can read them.

use std::fs;
use std::io::{self, Write as _};
use std::os::unix::fs::{OpenOptionsExt as _, PermissionsExt as _};
use std::path::Path;

/// A secret file that cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error(transparent)]
    Io(#[from] io::Error),
    /// Group or others may read it.
    #[error("readable by others (mode {0:o})")]
    Exposed(u32),
}

/// Creates `path` with `text` and mode 0600; fails with `AlreadyExists` if it exists, so two
/// processes starting at once never overwrite each other's secret.
///
/// # Errors
/// The I/O error.
pub fn create(path: &Path, text: &str) -> io::Result<()> {
    let mut file = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(text.as_bytes())?;
    file.sync_all()
}

/// Reads `path` if only its owner may.
///
/// # Errors
/// [`ReadError::Exposed`] with the file's mode, or the I/O error.
pub fn read(path: &Path) -> Result<String, ReadError> {
    let mode = fs::metadata(path)?.permissions().mode() & 0o777;
    if mode & 0o077 != 0 {
        return Err(ReadError::Exposed(mode));
    }
    Ok(fs::read_to_string(path)?)
}
