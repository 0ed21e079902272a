//! Generations of the read model. The model lives in `<data_dir>/gen-NNNNNN`; the file
//! `CURRENT` names the one in use. A rebuild fills the next generation and switches `CURRENT`
//! by an atomic rename only when it is complete, so an interrupted rebuild leaves the old
//! model untouched.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

const CURRENT: &str = "CURRENT";

/// The read model directory with its generations.
#[derive(Debug, Clone)]
pub struct Generations {
    root: PathBuf,
}

fn io_error(path: &Path) -> impl FnOnce(std::io::Error) -> Error + '_ {
    move |source| Error::Directory {
        path: path.to_owned(),
        source,
    }
}

impl Generations {
    /// Returns the generations under `root`.
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    fn number(&self) -> Result<u32> {
        let path = self.root.join(CURRENT);
        match fs::read_to_string(&path) {
            Ok(text) => text
                .trim()
                .strip_prefix("gen-")
                .and_then(|number| number.parse().ok())
                .ok_or(Error::Corrupt {
                    what: "read model CURRENT file",
                }),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(1),
            Err(err) => Err(io_error(&path)(err)),
        }
    }

    fn path_of(&self, number: u32) -> PathBuf {
        self.root.join(format!("gen-{number:06}"))
    }

    /// Returns the directory of the generation in use (the first one on a new install).
    ///
    /// # Errors
    /// [`Error::Directory`] or [`Error::Corrupt`] for an unreadable `CURRENT`.
    pub fn current(&self) -> Result<PathBuf> {
        Ok(self.path_of(self.number()?))
    }

    /// Returns an empty directory for the next generation, clearing what an interrupted
    /// rebuild left there.
    ///
    /// # Errors
    /// [`Error::Directory`] when it cannot be cleared.
    pub fn prepare_next(&self) -> Result<PathBuf> {
        let next = self.path_of(self.number()? + 1);
        if next.exists() {
            fs::remove_dir_all(&next).map_err(io_error(&next))?;
        }
        Ok(next)
    }

    /// Makes `next` (from [`Generations::prepare_next`]) the generation in use and removes
    /// the old one.
    ///
    /// # Errors
    /// [`Error::Directory`] when `CURRENT` cannot be replaced.
    pub fn switch_to_next(&self) -> Result<PathBuf> {
        let old = self.current()?;
        let number = self.number()? + 1;
        let temporary = self.root.join("CURRENT.tmp");
        let mut file = fs::File::create(&temporary).map_err(io_error(&temporary))?;
        file.write_all(format!("gen-{number:06}\n").as_bytes())
            .map_err(io_error(&temporary))?;
        file.sync_all().map_err(io_error(&temporary))?;
        let current = self.root.join(CURRENT);
        fs::rename(&temporary, &current).map_err(io_error(&current))?;
        fs::File::open(&self.root)
            .and_then(|dir| dir.sync_all())
            .map_err(io_error(&self.root))?;
        if old.exists() {
            fs::remove_dir_all(&old).map_err(io_error(&old))?;
        }
        Ok(self.path_of(number))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn switching_moves_current_and_drops_the_old_generation() {
        let dir = tempfile::tempdir().expect("temp dir");
        let generations = Generations::new(dir.path());
        let first = generations.current().expect("current");
        fs::create_dir_all(&first).expect("create first");
        let next = generations.prepare_next().expect("next");
        fs::create_dir_all(&next).expect("create next");
        assert_eq!(
            generations.current().expect("current"),
            first,
            "nothing moves before the switch"
        );
        assert_eq!(generations.switch_to_next().expect("switch"), next);
        assert_eq!(generations.current().expect("current"), next);
        assert!(!first.exists());
    }

    #[test]
    fn an_interrupted_rebuild_is_cleared() {
        let dir = tempfile::tempdir().expect("temp dir");
        let generations = Generations::new(dir.path());
        let next = generations.prepare_next().expect("next");
        fs::create_dir_all(next.join("leftover")).expect("leftover");
        assert!(
            !generations
                .prepare_next()
                .expect("again")
                .join("leftover")
                .exists()
        );
    }
}
