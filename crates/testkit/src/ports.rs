//! Loopback ports for the processes a test starts, reserved across all test processes.
//!
//! A port the kernel hands out for port 0 comes from its ephemeral range, where any test's
//! next outgoing connection may take it before the process under test binds it. So ports are
//! picked below that range, and each pick is reserved with an exclusive lock on a file named
//! after it in a directory every test process shares: another process (nextest runs each test
//! in its own) cannot reserve the same port while this one lives. The lock goes with the
//! process, so a killed test leaves nothing reserved. On a host whose ephemeral range leaves
//! no room below it, the kernel picks (port 0), as before.

use std::fs::{File, OpenOptions};
use std::hash::{BuildHasher, RandomState};
use std::net::TcpListener;
use std::path::PathBuf;
use std::sync::Mutex;

/// The lowest port picked: above the well-known and most registered services' ports.
const LOWEST: u16 = 20_000;

/// Locks held for this process's reserved ports; never released before it exits.
static HELD: Mutex<Vec<File>> = Mutex::new(Vec::new());

/// Returns a loopback port free now and reserved for this process until it exits.
pub fn free_port() -> u16 {
    let highest = ephemeral_start().saturating_sub(1);
    if highest <= LOWEST {
        // A host whose outgoing connections may take any port: the kernel's pick is as good.
        return std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .expect("bind a loopback port")
            .port();
    }
    let dir = std::env::temp_dir().join("rondom-test-ports");
    std::fs::create_dir_all(&dir)
        .unwrap_or_else(|err| panic!("create the port reservations in {}: {err}", dir.display()));
    let span = u64::from(highest - LOWEST) + 1;
    let random = RandomState::new();
    for attempt in 0..10_000_u64 {
        let offset = random.hash_one((std::process::id(), attempt)) % span;
        let port = LOWEST + u16::try_from(offset).expect("offset is below the span");
        if let Some(lock) = reserve(dir.join(port.to_string()))
            && TcpListener::bind(("127.0.0.1", port)).is_ok()
        {
            HELD.lock().unwrap_or_else(|p| p.into_inner()).push(lock);
            return port;
        }
    }
    panic!("no free loopback port between {LOWEST} and {highest} after 10,000 tries")
}

/// Takes the exclusive lock on `path`, or `None` when another reservation holds it.
fn reserve(path: PathBuf) -> Option<File> {
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .unwrap_or_else(|err| panic!("open the port reservation {}: {err}", path.display()));
    file.try_lock().ok().map(|()| file)
}

/// The first port of the kernel's range for outgoing connections (32768 when unreadable).
fn ephemeral_start() -> u16 {
    std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range")
        .ok()
        .and_then(|range| range.split_whitespace().next()?.parse().ok())
        .unwrap_or(32_768)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reserved_port_is_not_handed_out_again() {
        let ports: Vec<u16> = (0..200).map(|_| free_port()).collect();
        let mut unique = ports.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique.len(), ports.len(), "a port was handed out twice");
        assert!(
            ports
                .iter()
                .all(|&port| port >= LOWEST && port < ephemeral_start()),
            "every port lies below the ephemeral range: {ports:?}"
        );
    }

    #[test]
    fn a_second_reservation_of_a_held_port_is_refused() {
        let port = free_port();
        let path = std::env::temp_dir()
            .join("rondom-test-ports")
            .join(port.to_string());
        assert!(
            reserve(path).is_none(),
            "the lock on a reserved port's file is exclusive, also against another open file of the same process"
        );
    }
}
