//! A test killed mid-way, as nextest kills one at its timeout, leaves no nats-server behind.

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[test]
#[ignore = "started by a_killed_test_takes_its_nats_server_with_it, in a process of its own"]
fn holds_a_nats_server_until_killed() {
    let nats = rondom_testkit::TestNats::start();
    println!("nats-server {}", nats.pid());
    std::io::stdout().flush().expect("flush");
    std::thread::sleep(Duration::from_secs(120));
}

#[test]
fn a_killed_test_takes_its_nats_server_with_it() {
    let mut test = Command::new(std::env::current_exe().expect("this test binary"))
        .args([
            "--exact",
            "holds_a_nats_server_until_killed",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .stdout(Stdio::piped())
        .spawn()
        .expect("run the test that holds a server");
    let stdout = test.stdout.take().expect("its output");
    let pid = BufReader::new(stdout)
        .lines()
        .map_while(Result::ok)
        // After libtest's "test ... " on the same line.
        .find_map(|line| line.split("nats-server ").nth(1).map(str::to_owned))
        .expect("the server's process id");
    let alive = || Path::new(&format!("/proc/{pid}")).exists();
    assert!(alive(), "the server runs");
    test.kill().expect("kill the test");
    test.wait().expect("reaped");
    let deadline = Instant::now() + Duration::from_secs(10);
    while alive() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(!alive(), "nats-server {pid} outlived its test");
}
