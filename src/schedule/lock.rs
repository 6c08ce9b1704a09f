//! One daemon per database: `feedsift run` holds an exclusive lock on `<database>.lock` for as
//! long as it runs. The operating system drops the lock when the process ends, however it
//! ends, so a crashed daemon never blocks the next one. The file holds the owner's pid, for
//! the message a second daemon prints.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error(
        "another `feedsift run`{} is already using {}; stop it first (e.g. `systemctl stop feedsift`), or give this one its own --db",
        pid.map(|p| format!(" (pid {p})")).unwrap_or_default(),
        database.display()
    )]
    Held { database: PathBuf, pid: Option<u32> },
    #[error("cannot lock {}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// Held while the daemon runs; the lock is released when this is dropped or the process ends.
#[derive(Debug)]
pub struct DaemonLock {
    _file: File,
}

/// The lock file of a database: `feedsift.db` -> `feedsift.db.lock`.
pub fn lock_path(database: &Path) -> PathBuf {
    let mut name = database.as_os_str().to_os_string();
    name.push(".lock");
    PathBuf::from(name)
}

impl DaemonLock {
    pub fn acquire(database: &Path) -> Result<DaemonLock, LockError> {
        let path = lock_path(database);
        let io = |source| LockError::Io {
            path: path.clone(),
            source,
        };
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(io)?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                return Err(LockError::Held {
                    database: database.to_path_buf(),
                    pid: owner(&mut file),
                });
            }
            Err(TryLockError::Error(e)) => return Err(io(e)),
        }
        file.set_len(0).map_err(io)?;
        file.rewind().map_err(io)?;
        writeln!(file, "{}", std::process::id()).map_err(io)?;
        Ok(DaemonLock { _file: file })
    }
}

fn owner(file: &mut File) -> Option<u32> {
    let mut text = String::new();
    file.read_to_string(&mut text).ok()?;
    text.trim().parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_lock_on_the_same_database_is_refused_until_the_first_is_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("feedsift.db");
        let first = DaemonLock::acquire(&db).unwrap();
        let second = DaemonLock::acquire(&db).unwrap_err();
        let message = second.to_string();
        assert!(
            message.contains(&format!("(pid {})", std::process::id())),
            "{message}"
        );
        assert!(message.contains("feedsift.db"), "{message}");
        drop(first);
        DaemonLock::acquire(&db).unwrap();
    }
}
