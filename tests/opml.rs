//! `import-opml` and `export-opml` through the binary: the OPML other readers export goes into
//! feeds.toml without disturbing it, and comes back out the same.

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use common::{Workspace, stderr};
use feedsift::opml::{self, OpmlFeed};

const READERS: [&str; 6] = [
    "miniflux",
    "freshrss",
    "feedly",
    "newsboat",
    "netnewswire",
    "inoreader",
];

const COMMENTED: &str = "# Feeds for the newsroom pipeline.\n\
database = \"feedsift.db\"  # beside this file\n\n\
[defaults]\n# every 30 minutes\nschedule = \"0 */30 * * * *\"\n";

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("tests/fixtures/opml/{name}.opml"))
}

/// (url, category) of every feed, the identity a round trip must keep.
fn identity(feeds: &[OpmlFeed]) -> BTreeSet<(String, Option<String>)> {
    feeds
        .iter()
        .map(|f| {
            (
                f.xml_url.trim_end_matches('/').to_string(),
                f.category.clone(),
            )
        })
        .collect()
}

fn exported(ws: &Workspace) -> Vec<OpmlFeed> {
    opml::parse("export", &ws.ok(&["export-opml"])).unwrap()
}

#[test]
fn every_reader_s_opml_goes_in_and_comes_back_out() {
    let ws = Workspace::new(COMMENTED);
    let mut expected = Vec::new();
    for reader in READERS {
        let path = fixture(reader);
        let out = ws.run(&["import-opml", path.to_str().unwrap()]);
        assert!(out.status.success(), "{reader}: {}", stderr(&out));
        expected.extend(opml::parse(reader, &std::fs::read_to_string(&path).unwrap()).unwrap());
    }
    let config = std::fs::read_to_string(ws.path("feeds.toml")).unwrap();
    assert!(
        config.starts_with(COMMENTED),
        "comments and layout kept:\n{config}"
    );
    // export-opml below loads the file: it is still valid.

    // TheWrap is in both miniflux's and newsboat's list (with and without www. and a slash).
    let back = exported(&ws);
    assert_eq!(back.len(), expected.len() - 1);
    let wrap = back
        .iter()
        .filter(|f| f.xml_url.contains("thewrap.com"))
        .count();
    assert_eq!(wrap, 1);
    let mut want = identity(&expected);
    want.remove(&("https://www.thewrap.com/feed".to_string(), None)); // newsboat's copy
    assert_eq!(identity(&back), want);

    // Importing everything again adds nothing and leaves the file as it was.
    for reader in READERS {
        let out = ws.run(&["import-opml", fixture(reader).to_str().unwrap()]);
        assert!(
            stderr(&out).lines().any(|l| l.starts_with("0 of ")),
            "{reader}: {}",
            stderr(&out)
        );
    }
    assert_eq!(
        std::fs::read_to_string(ws.path("feeds.toml")).unwrap(),
        config
    );

    // The exported OPML makes the same configuration elsewhere.
    std::fs::write(ws.path("exported.opml"), ws.ok(&["export-opml"])).unwrap();
    let other = Workspace::new("");
    other.ok(&["import-opml", ws.path("exported.opml").to_str().unwrap()]);
    assert_eq!(identity(&exported(&other)), identity(&back));
    let names =
        |w: &Workspace| -> BTreeSet<String> { exported(w).into_iter().map(|f| f.title).collect() };
    assert_eq!(names(&other), names(&ws), "names survive the round trip");
}

#[test]
fn dry_run_changes_nothing_and_bad_files_say_why() {
    let ws = Workspace::new(COMMENTED);
    let out = ws.run(&[
        "import-opml",
        fixture("feedly").to_str().unwrap(),
        "--dry-run",
    ]);
    assert!(
        stderr(&out).contains("would add Ars Technica"),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        std::fs::read_to_string(ws.path("feeds.toml")).unwrap(),
        COMMENTED
    );

    std::fs::write(
        ws.path("broken.opml"),
        "<opml><body>\n<outline text=\"x\">\n</body>",
    )
    .unwrap();
    let out = ws.run(&["import-opml", "broken.opml"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("broken.opml: not readable as OPML (line"),
        "{}",
        stderr(&out)
    );
    let out = ws.run(&["import-opml", "missing.opml"]);
    assert!(
        stderr(&out).contains("cannot read missing.opml"),
        "{}",
        stderr(&out)
    );
}

/// OPML files in ../shared/corpus, if there are any, survive the same round trip.
#[test]
fn corpus_opml_round_trips() {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus");
    if !corpus.exists() {
        common::notice("corpus OPML round trip skipped: ../shared/corpus not found");
        return;
    }
    let mut files = Vec::new();
    let mut stack = vec![corpus];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path
                .extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("opml"))
            {
                files.push(path);
            }
        }
    }
    common::notice(&format!("corpus OPML files: {}", files.len()));
    for file in files {
        let ws = Workspace::new("");
        let out = ws.run(&["import-opml", file.to_str().unwrap()]);
        assert!(out.status.success(), "{}: {}", file.display(), stderr(&out));
        let text = std::fs::read_to_string(&file).unwrap();
        let feeds = opml::parse("corpus", &text).unwrap();
        let web: Vec<OpmlFeed> = feeds
            .into_iter()
            .filter(|f| f.xml_url.starts_with("http"))
            .collect();
        assert_eq!(
            identity(&exported(&ws)).len(),
            identity(&web).len(),
            "{}",
            file.display()
        );
    }
}
