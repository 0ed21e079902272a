//! The NATS users of a locked bus: one per kind of process, with the subjects
//! `deploy/nats/accounts.conf` grants it. `rondom up` generates their passwords into
//! `<data-dir>/nats-users.toml` (mode 0600) on first start and starts its nats-server with that
//! same accounts file; the operator's commands take the operator's password from there when
//! their NATS URL names no user.

use std::path::{Path, PathBuf};

use zeroize::Zeroizing;

/// The accounts and permissions of every Rondom nats-server, production and embedded alike.
pub const ACCOUNTS_CONF: &str = include_str!("../../../deploy/nats/accounts.conf");

const FILE: &str = "nats-users.toml";

/// A kind of process on the bus.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BusUser {
    /// Creates and changes streams and buckets; the operator's commands.
    Operator,
    /// The adapters: publish events, look up and create registry entries and keys.
    Writer,
    /// The projector and the reading services.
    Projector,
}

impl BusUser {
    pub const ALL: [BusUser; 3] = [BusUser::Operator, BusUser::Writer, BusUser::Projector];

    /// Returns the NATS user name.
    pub fn name(self) -> &'static str {
        match self {
            BusUser::Operator => "rondom-operator",
            BusUser::Writer => "rondom-writer",
            BusUser::Projector => "rondom-projector",
        }
    }

    /// Returns the environment variable nats-server reads the password from.
    pub fn password_variable(self) -> &'static str {
        match self {
            BusUser::Operator => "RONDOM_NATS_OPERATOR_PASSWORD",
            BusUser::Writer => "RONDOM_NATS_WRITER_PASSWORD",
            BusUser::Projector => "RONDOM_NATS_PROJECTOR_PASSWORD",
        }
    }

    fn key(self) -> &'static str {
        match self {
            BusUser::Operator => "operator",
            BusUser::Writer => "writer",
            BusUser::Projector => "projector",
        }
    }
}

/// The passwords of the three users. `Debug` leaves them out.
#[derive(Clone)]
pub struct BusUsers {
    passwords: [Zeroizing<String>; 3],
}

impl std::fmt::Debug for BusUsers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("BusUsers(<passwords>)")
    }
}

/// The users file of a data directory cannot be used.
#[derive(Debug, thiserror::Error)]
#[error("cannot use the NATS users file {path}: {reason}")]
pub struct Error {
    path: PathBuf,
    reason: String,
}

/// Returns where `rondom up` keeps the NATS passwords of `data_dir`.
pub fn path(data_dir: &Path) -> PathBuf {
    data_dir.join(FILE)
}

impl BusUsers {
    /// Returns three new random passwords (256 bits each, hex).
    pub fn generate() -> Self {
        let password = || Zeroizing::new(hex::encode(rondom_domain::seal::random_key_bytes()));
        Self {
            passwords: [password(), password(), password()],
        }
    }

    /// Reads the users of `data_dir`, creating them (mode 0600) on first use.
    ///
    /// # Errors
    /// When the file cannot be written or read, is readable by others, or lacks a user.
    pub fn load_or_create(data_dir: &Path) -> Result<Self, Error> {
        let path = path(data_dir);
        if !path.exists() {
            let users = Self::generate();
            match crate::secret_file::create(&path, &users.to_toml()) {
                Ok(()) => return Ok(users),
                // Another process created it a moment ago: read theirs.
                Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists => {}
                Err(err) => {
                    return Err(Error {
                        path,
                        reason: err.to_string(),
                    });
                }
            }
        }
        Self::load(data_dir)?.ok_or_else(|| Error {
            path,
            reason: "it disappeared".into(),
        })
    }

    /// Reads the users of `data_dir`, `None` when it has none (a bus `rondom up` did not start).
    ///
    /// # Errors
    /// As [`BusUsers::load_or_create`].
    pub fn load(data_dir: &Path) -> Result<Option<Self>, Error> {
        let path = path(data_dir);
        let error = |reason: String| Error {
            path: path.clone(),
            reason,
        };
        let text = match crate::secret_file::read(&path) {
            Ok(text) => Zeroizing::new(text),
            Err(crate::secret_file::ReadError::Io(err))
                if err.kind() == std::io::ErrorKind::NotFound =>
            {
                return Ok(None);
            }
            Err(err) => return Err(error(err.to_string())),
        };
        let table: toml::Table = toml::from_str(&text).map_err(|err| error(err.to_string()))?;
        let password = |user: BusUser| {
            table
                .get(user.key())
                .and_then(toml::Value::as_str)
                .filter(|password| {
                    password.len() >= 32 && password.bytes().all(|b| b.is_ascii_hexdigit())
                })
                .map(|password| Zeroizing::new(password.to_owned()))
                .ok_or_else(|| error(format!("no valid password for {}", user.key())))
        };
        Ok(Some(Self {
            passwords: [
                password(BusUser::Operator)?,
                password(BusUser::Writer)?,
                password(BusUser::Projector)?,
            ],
        }))
    }

    fn to_toml(&self) -> String {
        let mut text = String::from(
            "# The NATS users of this data directory's nats-server (rondom up). Keep it secret.\n",
        );
        for user in BusUser::ALL {
            text.push_str(&format!("{} = \"{}\"\n", user.key(), self.password(user)));
        }
        text
    }

    /// Returns the password of `user`.
    pub fn password(&self, user: BusUser) -> &str {
        &self.passwords[user as usize]
    }

    /// Returns the environment nats-server needs to read `deploy/nats/accounts.conf`.
    pub fn environment(&self) -> Vec<(&'static str, &str)> {
        BusUser::ALL
            .into_iter()
            .map(|user| (user.password_variable(), self.password(user)))
            .collect()
    }

    /// Returns `url` (one or a comma-separated list) with `user` logging in on every server
    /// that does not name a user of its own.
    pub fn url(&self, user: BusUser, url: &str) -> String {
        url.split(',')
            .map(|one| {
                let one = one.trim();
                match one.split_once("://") {
                    Some((scheme, rest)) if !rest.contains('@') => {
                        format!("{scheme}://{}:{}@{rest}", user.name(), self.password(user))
                    }
                    Some(_) => one.to_owned(),
                    None if !one.contains('@') => {
                        format!("nats://{}:{}@{one}", user.name(), self.password(user))
                    }
                    None => one.to_owned(),
                }
            })
            .collect::<Vec<_>>()
            .join(",")
    }
}

/// Returns the URL an operator's command connects with: `url` as given when it names a user,
/// else with the operator of `data_dir`'s users file when there is one (the bus of `rondom up`).
///
/// # Errors
/// When the users file exists but cannot be used.
pub fn operator_url(url: &str, data_dir: &Path) -> Result<String, Error> {
    Ok(match BusUsers::load(data_dir)? {
        Some(users) => users.url(BusUser::Operator, url),
        None => url.to_owned(),
    })
}

/// Returns the data directory the operator's commands look in when they have no
/// `--data-dir` of their own: `RONDOM_DATA_DIR`, else `./data`, as `rondom up`'s default.
pub fn default_data_dir() -> PathBuf {
    std::env::var_os("RONDOM_DATA_DIR").map_or_else(|| PathBuf::from("./data"), PathBuf::from)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn users_are_created_private_and_read_back() {
        let dir = tempfile::tempdir().expect("temp dir");
        assert!(BusUsers::load(dir.path()).expect("no file").is_none());
        let created = BusUsers::load_or_create(dir.path()).expect("create");
        let read = BusUsers::load_or_create(dir.path()).expect("read");
        for user in BusUser::ALL {
            assert_eq!(created.password(user), read.password(user));
        }
        assert_ne!(
            created.password(BusUser::Writer),
            created.password(BusUser::Projector)
        );
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(path(dir.path()))
            .expect("file")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    #[test]
    fn a_url_gets_the_user_unless_it_names_one() {
        let users = BusUsers::generate();
        let password = users.password(BusUser::Writer).to_owned();
        assert_eq!(
            users.url(BusUser::Writer, "nats://a:4222, nats://other:pw@b:4223"),
            format!("nats://rondom-writer:{password}@a:4222,nats://other:pw@b:4223")
        );
        assert!(!format!("{users:?}").contains(&password));
    }
}
