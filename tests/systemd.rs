//! The units in systemd/: `systemd-analyze verify` accepts them and `systemd-analyze security`
//! rates each service 2.0 or lower. Skipped (with a message) where systemd-analyze is missing,
//! except under `.ci/run`, which installs it and sets `FEEDSIFT_REQUIRE_SYSTEMD_ANALYZE`.

use std::path::{Path, PathBuf};
use std::process::Command;

const UNITS: &[&str] = &[
    "feedsift.service",
    "feedsift-fetch.service",
    "feedsift-fetch.timer",
];

fn analyze_available() -> bool {
    Command::new("systemd-analyze")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// The units, with ExecStart pointing at the binary under test (verify checks it exists).
fn units_for_this_build() -> (tempfile::TempDir, Vec<PathBuf>) {
    let dir = tempfile::tempdir().unwrap();
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("systemd");
    let paths = UNITS
        .iter()
        .map(|name| {
            let text = std::fs::read_to_string(source.join(name)).unwrap();
            let text = text.replace("/usr/local/bin/feedsift", env!("CARGO_BIN_EXE_feedsift"));
            let path = dir.path().join(name);
            std::fs::write(&path, text).unwrap();
            path
        })
        .collect();
    (dir, paths)
}

#[test]
fn the_units_verify_and_rate_2_0_or_lower() {
    if !analyze_available() {
        assert!(
            std::env::var_os("FEEDSIFT_REQUIRE_SYSTEMD_ANALYZE").is_none(),
            "systemd-analyze is required here (FEEDSIFT_REQUIRE_SYSTEMD_ANALYZE is set)"
        );
        println!(
            "systemd unit checks skipped: systemd-analyze not found (Debian package `systemd`)"
        );
        return;
    }
    let (_dir, paths) = units_for_this_build();
    let verify = Command::new("systemd-analyze")
        .arg("verify")
        .args(&paths)
        .output()
        .unwrap();
    assert!(
        verify.status.success() && verify.stderr.is_empty(),
        "systemd-analyze verify: {}",
        String::from_utf8_lossy(&verify.stderr)
    );
    for path in paths
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "service"))
    {
        let security = Command::new("systemd-analyze")
            .args(["security", "--offline=yes", "--threshold=20"])
            .arg(path)
            .output()
            .unwrap();
        let report = String::from_utf8_lossy(&security.stdout);
        let overall = report
            .lines()
            .find(|l| l.contains("Overall exposure"))
            .unwrap_or("");
        println!("{}: {overall}", path.display());
        assert!(security.status.success(), "rated above 2.0: {report}");
    }
}

#[test]
fn the_daemon_unit_notifies_reloads_and_keeps_state_in_its_state_directory() {
    let unit = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("systemd/feedsift.service"),
    )
    .unwrap();
    for line in [
        "Type=notify",
        "ExecReload=/bin/kill -HUP $MAINPID",
        "StateDirectory=feedsift",
        "DynamicUser=yes",
        "--config /etc/feedsift/feeds.toml --db /var/lib/feedsift/feedsift.db run",
        "WatchdogSec=",
    ] {
        assert!(unit.contains(line), "feedsift.service lacks {line}");
    }
}
