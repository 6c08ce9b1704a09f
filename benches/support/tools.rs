//! The aggregators the bench runs on the same corpus and server: feedsift and, where the
//! Debian packages are installed, newsboat, sfeed, feed2exec and rss2email, each with its
//! default settings and its state in a fresh folder per run.
//!
//! A run is "cold" on an empty state folder and "warm" when repeated on the same folder
//! (the server then answers 304 to every tool that sends its validators).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

pub struct Tool {
    pub name: &'static str,
    /// The Debian package it comes from; `None` for feedsift.
    package: Option<&'static str>,
    /// Writes the tool's configuration for `urls` into its state folder.
    setup: fn(&Path, &[String]) -> std::io::Result<()>,
    /// The command for one pass over every feed.
    command: fn(&Path, &Path) -> Command,
}

impl Tool {
    pub fn installed(&self) -> bool {
        self.package.is_none_or(|p| version_of(p).is_some())
    }

    pub fn version(&self, feedsift: &Path) -> String {
        match self.package {
            Some(package) => version_of(package).unwrap_or_default(),
            None => Command::new(feedsift)
                .arg("--version")
                .output()
                .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
                .unwrap_or_default(),
        }
    }

    pub fn setup(&self, state: &Path, urls: &[String]) -> std::io::Result<()> {
        std::fs::create_dir_all(state)?;
        (self.setup)(state, urls)
    }

    /// One pass over every feed; `feedsift` is the binary under test.
    pub fn command(&self, state: &Path, feedsift: &Path) -> Command {
        let mut command = (self.command)(state, feedsift);
        // Python and newsboat write caches under HOME and XDG folders: keep them per run.
        command
            .env("HOME", state)
            .env("XDG_CONFIG_HOME", state.join(".config"))
            .env("XDG_DATA_HOME", state.join(".local/share"))
            .env("XDG_CACHE_HOME", state.join(".cache"))
            .current_dir(state);
        command
    }
}

fn version_of(package: &str) -> Option<String> {
    let out = Command::new("dpkg-query")
        .args(["-W", "-f", "${Status} ${Version}", package])
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    let version = text.strip_prefix("install ok installed ")?;
    Some(format!("{package} {version}"))
}

pub fn all() -> Vec<Tool> {
    vec![
        Tool {
            name: "feedsift",
            package: None,
            setup: feedsift_setup,
            command: |state, bin| {
                let mut c = Command::new(bin);
                c.arg("--config").arg(state.join("feeds.toml")).arg("fetch");
                c
            },
        },
        Tool {
            name: "newsboat",
            package: Some("newsboat"),
            setup: |state, urls| {
                std::fs::write(state.join("urls"), lines(urls, |_, u| u.to_string()))?;
                std::fs::write(state.join("config"), "")
            },
            command: |state, _| {
                let mut c = Command::new("newsboat");
                c.arg("-x")
                    .arg("reload")
                    .arg("-u")
                    .arg(state.join("urls"))
                    .arg("-c")
                    .arg(state.join("cache.db"))
                    .arg("-C")
                    .arg(state.join("config"));
                c
            },
        },
        Tool {
            name: "sfeed",
            package: Some("sfeed"),
            setup: |state, urls| {
                let feeds = lines(urls, |i, u| format!("\tfeed \"f{i}\" \"{u}\""));
                std::fs::write(
                    state.join("sfeedrc"),
                    format!(
                        "sfeedpath=\"{}\"\nfeeds() {{\n{feeds}}}\n",
                        state.join("feeds").display()
                    ),
                )
            },
            command: |state, _| {
                let mut c = Command::new("sfeed_update");
                c.arg(state.join("sfeedrc"));
                c
            },
        },
        Tool {
            name: "feed2exec",
            package: Some("feed2exec"),
            setup: |state, urls| {
                let feeds = lines(urls, |i, u| {
                    format!("[f{i}]\nurl = {u}\noutput = feed2exec.plugins.null\n")
                });
                std::fs::write(state.join("feed2exec.ini"), feeds)
            },
            command: |state, _| {
                let mut c = Command::new("feed2exec");
                c.arg("--config")
                    .arg(state.join("feed2exec.ini"))
                    .arg("--database")
                    .arg(state.join("feed2exec.db"))
                    .arg("fetch");
                c
            },
        },
        Tool {
            name: "rss2email",
            package: Some("rss2email"),
            setup: rss2email_setup,
            command: |state, _| {
                let mut c = Command::new("r2e");
                c.arg("-c")
                    .arg(state.join("r2e.cfg"))
                    .arg("-d")
                    .arg(state.join("r2e.json"))
                    .args(["run", "--no-send"]);
                c
            },
        },
    ]
}

fn lines(urls: &[String], line: impl Fn(usize, &str) -> String) -> String {
    urls.iter()
        .enumerate()
        .fold(String::new(), |mut out, (i, u)| {
            let _ = writeln!(out, "{}", line(i, u));
            out
        })
}

fn feedsift_setup(state: &Path, urls: &[String]) -> std::io::Result<()> {
    let feeds = lines(urls, |i, u| {
        format!("[[feeds]]\nname = \"f{i}\"\nurl = \"{u}\"\n")
    });
    std::fs::write(
        state.join("feeds.toml"),
        format!("database = \"feedsift.db\"\n\n{feeds}"),
    )
}

fn rss2email_setup(state: &Path, urls: &[String]) -> std::io::Result<()> {
    let feeds = lines(urls, |i, u| format!("[feed.f{i}]\nurl = {u}\n"));
    std::fs::write(
        state.join("r2e.cfg"),
        format!("[DEFAULT]\nto = bench@example.invalid\n\n{feeds}"),
    )?;
    let data: Vec<serde_json::Value> = (0..urls.len())
        .map(|i| serde_json::json!({"name": format!("f{i}"), "etag": null, "modified": null, "seen": {}}))
        .collect();
    std::fs::write(
        state.join("r2e.json"),
        serde_json::json!({"version": 2, "feeds": data}).to_string(),
    )
}

/// The feedsift database of a state folder.
pub fn feedsift_db(state: &Path) -> PathBuf {
    state.join("feedsift.db")
}
