//! Feeds in and out as OPML, the subscription-list format every feed reader speaks: reading
//! the OPML other readers export (nested folders, `text` or `title`, any attribute case),
//! adding its feeds to `feeds.toml` without disturbing the file (toml_edit keeps comments,
//! order and layout), and writing the configured feeds back as OPML 2.0. Pure: text in,
//! text out.

use std::collections::HashSet;

use quick_xml::events::{BytesStart, Event};
use toml_edit::{DocumentMut, Item, Table, value};

/// One subscription.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpmlFeed {
    pub title: String,
    pub xml_url: String,
    pub html_url: Option<String>,
    /// The folder path it sits in, `/`-joined ("News/Tech"), if any.
    pub category: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum OpmlError {
    #[error("{file}: not readable as OPML (line {line}): {reason}")]
    Xml {
        file: String,
        line: usize,
        reason: String,
    },
    #[error("{file}: no <outline> with an xmlUrl; is this an OPML subscription list?")]
    NoFeeds { file: String },
    #[error("{file}: cannot read it as TOML to add feeds: {reason}")]
    Toml { file: String, reason: String },
}

/// The feeds in an OPML document, in document order. `file` names it in errors.
pub fn parse(file: &str, text: &str) -> Result<Vec<OpmlFeed>, OpmlError> {
    let mut reader = quick_xml::Reader::from_str(text);
    let mut folders: Vec<Option<String>> = Vec::new();
    let mut feeds = Vec::new();
    loop {
        let event = reader.read_event().map_err(|e| OpmlError::Xml {
            file: file.to_string(),
            line: line_of(text, reader.error_position() as usize),
            reason: e.to_string(),
        })?;
        match event {
            Event::Start(e) if is_outline(&e) => {
                let outline = Outline::read(&e);
                match outline.feed(&folders) {
                    Some(feed) => {
                        feeds.push(feed);
                        folders.push(None);
                    }
                    None => folders.push(outline.label),
                }
            }
            Event::Empty(e) if is_outline(&e) => {
                if let Some(feed) = Outline::read(&e).feed(&folders) {
                    feeds.push(feed);
                }
            }
            Event::End(e) if e.local_name().as_ref().eq_ignore_ascii_case("outline") => {
                folders.pop();
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if feeds.is_empty() {
        return Err(OpmlError::NoFeeds {
            file: file.to_string(),
        });
    }
    Ok(feeds)
}

fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

fn is_outline(e: &BytesStart<'_>) -> bool {
    e.local_name().as_ref().eq_ignore_ascii_case("outline")
}

/// The attributes of one `<outline>` that matter.
struct Outline {
    xml_url: Option<String>,
    html_url: Option<String>,
    /// `title`, else `text`.
    label: Option<String>,
}

impl Outline {
    fn read(e: &BytesStart<'_>) -> Outline {
        let mut outline = Outline {
            xml_url: None,
            html_url: None,
            label: None,
        };
        let mut text = None;
        for attr in e.attributes().with_checks(false).flatten() {
            let raw = attr.value;
            let Ok(value) = quick_xml::escape::unescape(&raw) else {
                continue;
            };
            let value = value.trim().to_string();
            if value.is_empty() {
                continue;
            }
            match attr.key.local_name().as_ref().to_ascii_lowercase().as_str() {
                "xmlurl" => outline.xml_url = Some(value),
                "htmlurl" => outline.html_url = Some(value),
                "title" => outline.label = Some(value),
                "text" => text = Some(value),
                _ => {}
            }
        }
        outline.label = outline.label.or(text);
        outline
    }

    fn feed(&self, folders: &[Option<String>]) -> Option<OpmlFeed> {
        let xml_url = self.xml_url.clone()?;
        let path: Vec<&str> = folders.iter().flatten().map(String::as_str).collect();
        Some(OpmlFeed {
            title: self.label.clone().unwrap_or_else(|| host_of(&xml_url)),
            xml_url,
            html_url: self.html_url.clone(),
            category: (!path.is_empty()).then(|| path.join("/")),
        })
    }
}

fn host_of(url: &str) -> String {
    url::Url::parse(url)
        .ok()
        .and_then(|u| {
            u.host_str()
                .map(|h| h.trim_start_matches("www.").to_string())
        })
        .unwrap_or_else(|| url.to_string())
}

/// What an import did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct ImportReport {
    /// Names given to the feeds added.
    pub added: Vec<String>,
    /// Feeds skipped because feeds.toml already has their URL: (OPML title, existing name).
    pub skipped: Vec<(String, String)>,
    /// Feeds left out because their URL is not an http(s) URL: (OPML title, why).
    pub rejected: Vec<(String, String)>,
}

/// Adds `feeds` to the TOML text of a feeds.toml as `[[feeds]]` tables at its end, keeping
/// everything else byte for byte. A feed whose URL is already configured is skipped; a
/// title that is already a feed's name gets a number.
pub fn add_to_config(
    file: &str,
    toml: &str,
    feeds: &[OpmlFeed],
) -> Result<(String, ImportReport), OpmlError> {
    let mut doc: DocumentMut = toml
        .parse()
        .map_err(|e: toml_edit::TomlError| OpmlError::Toml {
            file: file.to_string(),
            reason: e.to_string(),
        })?;
    let not_a_list = || OpmlError::Toml {
        file: file.to_string(),
        reason: "`feeds` is not a list of [[feeds]] tables".to_string(),
    };
    if doc.get("feeds").is_none() {
        doc.insert("feeds", Item::ArrayOfTables(Default::default()));
    }
    let tables = doc
        .get_mut("feeds")
        .and_then(Item::as_array_of_tables_mut)
        .ok_or_else(not_a_list)?;
    let mut names: HashSet<String> = HashSet::new();
    let mut urls: Vec<(String, String)> = Vec::new();
    for table in tables.iter() {
        let name = table.get("name").and_then(Item::as_str).unwrap_or_default();
        let url = table.get("url").and_then(Item::as_str).unwrap_or_default();
        names.insert(name.to_string());
        urls.push((same_feed_key(url), name.to_string()));
    }
    let mut report = ImportReport::default();
    for feed in feeds {
        let url = match web_url(&feed.xml_url) {
            Ok(url) => url,
            Err(why) => {
                report.rejected.push((feed.title.clone(), why));
                continue;
            }
        };
        let key = same_feed_key(&url);
        if let Some((_, existing)) = urls.iter().find(|(u, _)| *u == key) {
            report.skipped.push((feed.title.clone(), existing.clone()));
            continue;
        }
        let name = unique_name(&feed.title, &names);
        let mut table = Table::new();
        table.insert("name", value(name.as_str()));
        table.insert("url", value(url.as_str()));
        if let Some(category) = &feed.category {
            table.insert("category", value(category.as_str()));
        }
        tables.push(table);
        names.insert(name.clone());
        urls.push((key, name.clone()));
        report.added.push(name);
    }
    Ok((doc.to_string(), report))
}

/// The feed's URL as feeds.toml needs it: absolute http(s); `feed:` URLs are unwrapped.
fn web_url(url: &str) -> Result<String, String> {
    let url = url.trim();
    let unwrapped = url
        .strip_prefix("feed://")
        .map(|rest| format!("http://{rest}"))
        .or_else(|| url.strip_prefix("feed:").map(str::to_string))
        .unwrap_or_else(|| url.to_string());
    match url::Url::parse(&unwrapped) {
        Ok(u) if matches!(u.scheme(), "http" | "https") => Ok(u.to_string()),
        Ok(u) => Err(format!("`{url}` is a {}: URL, not http(s)", u.scheme())),
        Err(e) => Err(format!("`{url}` is not a URL ({e})")),
    }
}

/// Two URLs name the same feed when they differ only in scheme, `www.`, a trailing slash or
/// letter case of the host.
fn same_feed_key(url: &str) -> String {
    let trimmed = url.trim();
    match url::Url::parse(trimmed) {
        Ok(u) => format!(
            "{}{}{}",
            u.host_str().unwrap_or_default().trim_start_matches("www."),
            u.path().trim_end_matches('/'),
            u.query().map(|q| format!("?{q}")).unwrap_or_default()
        ),
        Err(_) => trimmed.to_string(),
    }
}

/// The OPML title as a feed name: one line, and numbered if it is already taken.
fn unique_name(title: &str, taken: &HashSet<String>) -> String {
    let base: String = title.split_whitespace().collect::<Vec<_>>().join(" ");
    let base = if base.is_empty() {
        "feed".to_string()
    } else {
        base
    };
    if !taken.contains(&base) {
        return base;
    }
    (2..)
        .map(|n| format!("{base} ({n})"))
        .find(|candidate| !taken.contains(candidate))
        .unwrap_or(base)
}

/// An OPML 2.0 document listing `feeds`, grouped in one level of folders by category.
pub fn write(title: &str, feeds: &[OpmlFeed]) -> String {
    use html_escape::encode_double_quoted_attribute as attr;
    let mut out = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<opml version=\"2.0\">\n  <head>\n    \
         <title>{}</title>\n    <dateCreated>{}</dateCreated>\n  </head>\n  <body>\n",
        html_escape::encode_text(title),
        chrono::Utc::now().to_rfc2822()
    );
    let outline = |f: &OpmlFeed, indent: &str| {
        let html = f
            .html_url
            .as_deref()
            .map(|h| format!(" htmlUrl=\"{}\"", attr(h)))
            .unwrap_or_default();
        format!(
            "{indent}<outline type=\"rss\" text=\"{0}\" title=\"{0}\" xmlUrl=\"{1}\"{html}/>\n",
            attr(&f.title),
            attr(&f.xml_url)
        )
    };
    let mut categories: Vec<&str> = Vec::new();
    for feed in feeds {
        match feed.category.as_deref() {
            None => out.push_str(&outline(feed, "    ")),
            Some(c) if !categories.contains(&c) => categories.push(c),
            Some(_) => {}
        }
    }
    for category in categories {
        out.push_str(&format!(
            "    <outline text=\"{0}\" title=\"{0}\">\n",
            attr(category)
        ));
        for feed in feeds
            .iter()
            .filter(|f| f.category.as_deref() == Some(category))
        {
            out.push_str(&outline(feed, "      "));
        }
        out.push_str("    </outline>\n");
    }
    out.push_str("  </body>\n</opml>\n");
    out
}

#[cfg(test)]
mod tests;
