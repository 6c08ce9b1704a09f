use super::*;

fn load(text: &str) -> Result<Config, ConfigError> {
    Config::from_toml(Path::new("/etc/feedsift/feeds.toml"), text)
}

fn message(text: &str) -> String {
    load(text).unwrap_err().to_string()
}

#[test]
fn minimal_config_gets_defaults() {
    let c = load("[[feeds]]\nname = \"a\"\nurl = \"https://example.com/feed\"\n").unwrap();
    assert_eq!(c.database, PathBuf::from("/etc/feedsift/feedsift.db"));
    assert_eq!(c.feeds[0].schedule, DEFAULT_SCHEDULE);
    assert_eq!(c.feeds[0].max_body_size, DEFAULT_MAX_BODY_SIZE);
    assert_eq!(c.concurrency, DEFAULT_CONCURRENCY);
}

#[test]
fn defaults_apply_and_feeds_override() {
    let c = load(
        r#"
database = "data/x.db"
[defaults]
schedule = "0 */5 * * * *"
timeout = "5s"
max_body_size = "1 MiB"

[[feeds]]
name = "a"
url = "https://example.com/a"

[[feeds]]
name = "b"
url = "saved/b.xml"
schedule = "*/2 * * * * *"
timeout = 7
"#,
    )
    .unwrap();
    assert_eq!(c.database, PathBuf::from("/etc/feedsift/data/x.db"));
    assert_eq!(c.feeds[0].schedule, "0 */5 * * * *");
    assert_eq!(c.feeds[0].timeout, Duration::from_secs(5));
    assert_eq!(c.feeds[0].max_body_size, 1024 * 1024);
    assert_eq!(c.feeds[1].schedule, "*/2 * * * * *");
    assert_eq!(c.feeds[1].timeout, Duration::from_secs(7));
    assert_eq!(
        c.feeds[1].source,
        FeedSource::File(PathBuf::from("/etc/feedsift/saved/b.xml"))
    );
}

#[test]
fn unknown_key_names_line_and_suggestion() {
    let m = message("[[feeds]]\nname = \"a\"\nurl = \"https://e.com/\"\nshedule = \"x\"\n");
    assert!(
        m.starts_with("/etc/feedsift/feeds.toml:4:1: unknown key `shedule`"),
        "{m}"
    );
    assert!(m.contains("did you mean `schedule`?"), "{m}");
}

#[test]
fn duplicate_names_are_rejected_at_the_second() {
    let m = message(
        "[[feeds]]\nname = \"a\"\nurl = \"https://e.com/1\"\n[[feeds]]\nname = \"a\"\nurl = \"https://e.com/2\"\n",
    );
    assert!(m.contains(":5:8: duplicate feed name \"a\""), "{m}");
}

#[test]
fn bad_urls_are_rejected() {
    let m = message("[[feeds]]\nname = \"a\"\nurl = \"htp://e.com/\"\n");
    assert!(
        m.contains(":3:7: feed \"a\": unsupported URL scheme `htp`"),
        "{m}"
    );
    let m = message("[[feeds]]\nname = \"a\"\nurl = \"https://\"\n");
    assert!(m.contains("feed \"a\""), "{m}");
}

#[test]
fn bad_cron_names_the_feed() {
    let m =
        message("[[feeds]]\nname = \"a\"\nurl = \"https://e.com/\"\nschedule = \"*/15 * * * *\"\n");
    assert!(
        m.contains(":4:12: feed \"a\": bad cron expression `*/15 * * * *`"),
        "{m}"
    );
    assert!(m.contains("seconds first"), "{m}");
}

#[test]
fn wrong_types_are_reported_with_position() {
    let m = message("concurrency = \"many\"\n");
    assert!(m.starts_with("/etc/feedsift/feeds.toml:1:15:"), "{m}");
}

#[test]
fn cleaning_rules_combine_defaults_and_feed() {
    let c = load(
        r#"
[defaults]
remove = [".ad"]
keep_boilerplate = ["byline-repeat"]

[[feeds]]
name = "a"
url = "https://example.com/a"
remove_text = ["^Sponsored by"]
keep_boilerplate = ["learned"]
"#,
    )
    .unwrap();
    let rules = &c.feeds[0].rules;
    assert!(!rules.enabled(clean::Rule::Learned));
    assert!(!rules.enabled(clean::Rule::BylineRepeat));
    assert!(rules.enabled(clean::Rule::WordpressFooter));
    let expected = clean::Rules::compile(
        &[".ad".into()],
        &["^Sponsored by".into()],
        &["byline-repeat".into(), "learned".into()],
    )
    .unwrap();
    assert_eq!(rules, &expected);
}

#[test]
fn bad_cleaning_rules_name_the_feed_and_line() {
    let feed = "[[feeds]]\nname = \"news\"\nurl = \"https://e.com/f\"\n";
    let m = message(&format!("{feed}remove = [\"div.ok\", \"p[\"]\n"));
    assert!(
        m.contains("feeds.toml:4:") && m.contains("feed \"news\""),
        "{m}"
    );
    assert!(m.contains("`remove` entry 1") && m.contains("p["), "{m}");
    let m = message(&format!("{feed}remove_text = [\"(unclosed\"]\n"));
    assert!(m.contains("regular expression") && m.contains(":4:"), "{m}");
    let m = message(&format!("{feed}keep_boilerplate = [\"wordpres-footer\"]\n"));
    assert!(m.contains("did you mean `wordpress-footer`"), "{m}");
    let m = message("[defaults]\nremove = [\"##\"]\n");
    assert!(m.contains("[defaults]") && m.contains(":2:"), "{m}");
}

#[test]
fn retention_has_defaults_and_per_feed_overrides() {
    let c = load(
        r#"
[defaults]
keep = "365d"
keep_raw = "4w"

[[feeds]]
name = "a"
url = "https://example.com/a"
category = "News/Tech"

[[feeds]]
name = "b"
url = "https://example.com/b"
keep = "30d"
max_articles_per_feed = 500
"#,
    )
    .unwrap();
    let day = Duration::from_secs(86_400);
    assert_eq!(c.feeds[0].retention.keep, Some(365 * day));
    assert_eq!(c.feeds[0].retention.keep_raw, Some(28 * day));
    assert_eq!(c.feeds[0].retention.max_articles, None);
    assert_eq!(c.feeds[0].category.as_deref(), Some("News/Tech"));
    assert_eq!(c.feeds[1].retention.keep, Some(30 * day));
    assert_eq!(c.feeds[1].retention.max_articles, Some(500));
}

#[test]
fn bad_retention_names_its_line() {
    let m = message("[defaults]\nkeep = \"forever\"\n");
    assert!(m.contains(":2:"), "{m}");
    assert!(m.contains("365d"), "{m}");
    let m = message(
        "[[feeds]]\nname = \"a\"\nurl = \"https://example.com/a\"\nmax_articles_per_feed = 0\n",
    );
    assert!(m.contains(":4:") && m.contains("leave it out"), "{m}");
}
