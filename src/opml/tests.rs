use super::*;

fn fixture(name: &str) -> &'static str {
    match name {
        "miniflux" => include_str!("../../tests/fixtures/opml/miniflux.opml"),
        "freshrss" => include_str!("../../tests/fixtures/opml/freshrss.opml"),
        "feedly" => include_str!("../../tests/fixtures/opml/feedly.opml"),
        "newsboat" => include_str!("../../tests/fixtures/opml/newsboat.opml"),
        "netnewswire" => include_str!("../../tests/fixtures/opml/netnewswire.opml"),
        "inoreader" => include_str!("../../tests/fixtures/opml/inoreader.opml"),
        _ => unreachable!(),
    }
}

#[test]
fn reads_each_reader_s_export() {
    let expect = [
        ("miniflux", 3, "News & Politics"),
        ("freshrss", 2, "Film"),
        ("feedly", 2, "Tech"),
        ("newsboat", 3, ""),
        ("netnewswire", 2, "Reading/Books"),
        ("inoreader", 2, "Science"),
    ];
    for (name, count, category) in expect {
        let feeds = parse(name, fixture(name)).unwrap();
        assert_eq!(feeds.len(), count, "{name}: {feeds:?}");
        if !category.is_empty() {
            assert!(
                feeds
                    .iter()
                    .any(|f| f.category.as_deref() == Some(category)),
                "{name}: {feeds:?}"
            );
        }
    }
    let ino = parse("ino", fixture("inoreader")).unwrap();
    assert_eq!(ino[1].title, "Nature <News>");
    assert_eq!(ino[1].xml_url, "https://www.nature.com/nature.rss?x=1&y=2");
    let boat = parse("nb", fixture("newsboat")).unwrap();
    assert_eq!(boat[2].title, "example.org", "no title: the host");
    assert_eq!(boat[2].html_url, None, "an empty htmlUrl is none");
    let nnw = parse("nnw", fixture("netnewswire")).unwrap();
    assert_eq!(nnw[0].category, None, "a feed at the top level");
}

#[test]
fn broken_or_empty_opml_is_a_clear_error() {
    let err = parse(
        "subs.opml",
        "<opml><body><outline text=\"x\"></body></opml>",
    )
    .unwrap_err();
    assert!(
        err.to_string()
            .starts_with("subs.opml: not readable as OPML (line 1)"),
        "{err}"
    );
    let err = parse("subs.opml", "<opml><body></body></opml>").unwrap_err();
    assert!(
        err.to_string().contains("no <outline> with an xmlUrl"),
        "{err}"
    );
}

#[test]
fn import_keeps_the_file_and_skips_what_is_there() {
    let toml = "# my feeds\ndatabase = \"feedsift.db\" # next to this file\n\n[defaults]\nschedule = \"0 */30 * * * *\"\n\n# the first one\n[[feeds]]\nname = \"The Wrap\"\nurl = \"https://thewrap.com/feed\" # no www\n";
    let feeds = parse("m", fixture("miniflux")).unwrap();
    let (out, report) = add_to_config("feeds.toml", toml, &feeds).unwrap();
    assert!(out.starts_with(toml), "the file is kept as it was:\n{out}");
    assert_eq!(report.added, ["Rust Blog", "This Week in Rust"]);
    assert_eq!(
        report.skipped,
        [("The Wrap".to_string(), "The Wrap".to_string())],
        "same URL up to www. and a slash"
    );
    assert!(out.contains("category = \"All\""));
    // Importing again adds nothing.
    let (again, report) = add_to_config("feeds.toml", &out, &feeds).unwrap();
    assert_eq!(again, out);
    assert!(report.added.is_empty());
}

#[test]
fn a_taken_name_gets_a_number() {
    let toml = "[[feeds]]\nname = \"xkcd.com\"\nurl = \"https://other.example/feed\"\n";
    let feeds = parse("nb", fixture("newsboat")).unwrap();
    let (_, report) = add_to_config("feeds.toml", toml, &feeds).unwrap();
    assert_eq!(report.added[0], "xkcd.com (2)");
}

#[test]
fn written_opml_reads_back_the_same() {
    let mut feeds = Vec::new();
    for name in [
        "miniflux",
        "freshrss",
        "feedly",
        "newsboat",
        "netnewswire",
        "inoreader",
    ] {
        feeds.extend(parse(name, fixture(name)).unwrap());
    }
    let text = write("feedsift", &feeds);
    let mut back = parse("out", &text).unwrap();
    let key = |f: &OpmlFeed| (f.category.clone(), f.xml_url.clone());
    back.sort_by_key(key);
    feeds.sort_by_key(key);
    assert_eq!(back, feeds);
}

#[test]
fn urls_that_are_not_web_urls_are_reported_not_written() {
    let opml = r#"<opml><body>
        <outline text="a" xmlUrl="feed://example.com/a.xml"/>
        <outline text="b" xmlUrl="feed:https://example.com/b.xml"/>
        <outline text="c" xmlUrl="javascript:alert(1)"/>
        <outline text="d" xmlUrl="not a url"/>
    </body></opml>"#;
    let feeds = parse("x", opml).unwrap();
    let (out, report) = add_to_config("feeds.toml", "", &feeds).unwrap();
    assert_eq!(report.added, ["a", "b"]);
    assert!(out.contains("url = \"http://example.com/a.xml\""), "{out}");
    assert!(out.contains("url = \"https://example.com/b.xml\""), "{out}");
    assert_eq!(report.rejected.len(), 2, "{:?}", report.rejected);
    assert!(report.rejected[0].1.contains("javascript"));
}
