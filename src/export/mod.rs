//! Writes stored articles in the format a pipeline wants. Each format is one file with a
//! [`Sink`]: `begin`, one `article` call per article (streamed from the store, newest first),
//! `end`. Every feed-supplied string is escaped for its format; HTML and Atom output carry no
//! live markup from any feed (article bodies are rebuilt from clean text).

mod atom;
mod csv;
mod html;
mod json;
mod markdown;

use std::io::{self, Write};
use std::path::Path;

use crate::store::{Article, ArticleFilter, Store, StoreError};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Ndjson,
    Json,
    Csv,
    Markdown,
    Atom,
    Html,
}

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("cannot write {}: {source}", path.display())]
    File {
        path: std::path::PathBuf,
        source: io::Error,
    },
    #[error("cannot write the export: {0}")]
    Io(#[from] io::Error),
}

impl ExportError {
    /// The reader went away (`feedsift export | head`): not an error for the user.
    pub fn is_broken_pipe(&self) -> bool {
        let io = match self {
            ExportError::Io(e)
            | ExportError::File { source: e, .. }
            | ExportError::Store(StoreError::Output(e)) => e,
            ExportError::Store(_) => return false,
        };
        io.kind() == io::ErrorKind::BrokenPipe
    }
}

/// A format's writer.
trait Sink {
    fn begin(&mut self, _out: &mut dyn Write) -> io::Result<()> {
        Ok(())
    }
    fn article(&mut self, out: &mut dyn Write, article: &Article) -> io::Result<()>;
    fn end(&mut self, _out: &mut dyn Write) -> io::Result<()> {
        Ok(())
    }
}

struct Ndjson;

impl Sink for Ndjson {
    fn article(&mut self, out: &mut dyn Write, article: &Article) -> io::Result<()> {
        serde_json::to_writer(&mut *out, article)?;
        out.write_all(b"\n")
    }
}

fn sink(format: Format) -> Box<dyn Sink> {
    match format {
        Format::Ndjson => Box::new(Ndjson),
        Format::Json => Box::new(json::Json::default()),
        Format::Csv => Box::new(csv::Csv),
        Format::Markdown => Box::new(markdown::Markdown),
        Format::Atom => Box::new(atom::Atom),
        Format::Html => Box::new(html::Html::default()),
    }
}

/// Writes every article matching `filter` to `out`; returns how many.
pub fn export(
    store: &Store,
    filter: &ArticleFilter,
    format: Format,
    out: &mut dyn Write,
) -> Result<usize, ExportError> {
    let mut sink = sink(format);
    sink.begin(out)?;
    let count = store.for_each_article(filter, &mut |article| sink.article(out, &article))?;
    sink.end(out)?;
    out.flush()?;
    Ok(count)
}

/// Like [`export`], into a file that appears complete or not at all: written beside its
/// final name, then renamed over it.
pub fn export_to_file(
    store: &Store,
    filter: &ArticleFilter,
    format: Format,
    path: &Path,
) -> Result<usize, ExportError> {
    let file_error = |source| ExportError::File {
        path: path.to_path_buf(),
        source,
    };
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let result = (|| {
        let file = std::fs::File::create(&temp).map_err(file_error)?;
        let mut writer = io::BufWriter::new(file);
        let count = export(store, filter, format, &mut writer)?;
        let file = writer
            .into_inner()
            .map_err(|e| file_error(e.into_error()))?;
        file.sync_all().map_err(file_error)?;
        std::fs::rename(&temp, path).map_err(file_error)?;
        Ok(count)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    result
}

/// Removes characters XML 1.0 forbids (controls other than tab, newline, carriage return).
fn xml_safe(text: &str) -> std::borrow::Cow<'_, str> {
    let bad = |c: char| matches!(c, '\u{0}'..='\u{8}' | '\u{b}' | '\u{c}' | '\u{e}'..='\u{1f}' | '\u{fffe}' | '\u{ffff}');
    if text.contains(bad) {
        text.replace(bad, "").into()
    } else {
        text.into()
    }
}

/// A link that is safe to make clickable: absolute http(s) only.
fn safe_href(url: Option<&str>) -> Option<String> {
    let parsed = url::Url::parse(url?).ok()?;
    matches!(parsed.scheme(), "http" | "https").then(|| parsed.to_string())
}

/// Clean text as HTML paragraphs, every character escaped: safe by construction.
fn text_as_html(text: &str) -> String {
    text.split("\n\n")
        .filter(|p| !p.trim().is_empty())
        .map(|p| {
            format!(
                "<p>{}</p>\n",
                html_escape::encode_text(&xml_safe(p)).replace('\n', "<br>\n")
            )
        })
        .collect()
}
