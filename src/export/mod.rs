//! Writes stored articles in the format a pipeline wants. Each format is one file with a
//! [`Sink`]: `begin`, one `article` call per article (streamed from the store, newest first),
//! `end`. Every feed-supplied string is escaped for its format; HTML and Atom output carry no
//! live markup from any feed (article bodies are rebuilt from clean text).

mod atom;
mod atomic;
mod csv;
mod html;
mod json;
mod markdown;
mod mbox;

use std::io::{self, Write};
use std::path::Path;

pub use atomic::AtomicFile;

use crate::store::{
    Article, ArticleSink, ExportPlan, Exported, OutlineEntry, Store, StoreError, Wants,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// One JSON object per line (the default).
    Ndjson,
    /// One JSON array.
    Json,
    /// RFC 4180, a header row, one record per article.
    Csv,
    /// A heading per article, its text, a rule between articles.
    Markdown,
    /// An Atom 1.0 feed to subscribe to.
    Atom,
    /// One self-contained page with a table of contents.
    Html,
    /// One plain-text message per article, for mail clients and mail tools.
    Mbox,
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
    /// Whether `begin` needs the outline of every article (a table of contents).
    fn wants_outline(&self) -> bool {
        false
    }
    fn begin(&mut self, _out: &mut dyn Write, _outline: &[OutlineEntry]) -> io::Result<()> {
        Ok(())
    }
    fn article(&mut self, out: &mut dyn Write, article: &Article) -> io::Result<()>;
    fn end(&mut self, _out: &mut dyn Write) -> io::Result<()> {
        Ok(())
    }
}

/// Told how far a long export has come (the CLI draws a progress bar with it).
pub trait Progress {
    fn start(&mut self, total: usize);
    fn advance(&mut self);
    fn finish(&mut self);
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
        Format::Html => Box::new(html::Html),
        Format::Mbox => Box::new(mbox::Mbox),
    }
}

/// Connects a format's [`Sink`] and an output to the store's stream of articles.
struct Writing<'o, 'p> {
    sink: Box<dyn Sink>,
    out: &'o mut dyn Write,
    progress: Option<&'p mut dyn Progress>,
}

impl ArticleSink for Writing<'_, '_> {
    fn wants(&self) -> Wants {
        Wants {
            count: self.progress.is_some(),
            outline: self.sink.wants_outline(),
        }
    }

    fn start(
        &mut self,
        total: Option<usize>,
        outline: Option<Vec<OutlineEntry>>,
    ) -> io::Result<()> {
        if let (Some(progress), Some(total)) = (self.progress.as_deref_mut(), total) {
            progress.start(total);
        }
        self.sink
            .begin(self.out, outline.as_deref().unwrap_or_default())
    }

    fn article(&mut self, article: Article) -> io::Result<()> {
        self.sink.article(self.out, &article)?;
        if let Some(progress) = self.progress.as_deref_mut() {
            progress.advance();
        }
        Ok(())
    }
}

/// Where an export goes.
pub enum Output<'a> {
    Writer(&'a mut dyn Write),
    /// A file that appears complete or not at all: written beside its final name, synced,
    /// then renamed over it.
    File(&'a Path),
}

/// Writes the articles `plan` selects to `output`; with a cursor, advances it only once the
/// output is complete (flushed, or the file renamed into place). Returns how many.
pub fn export(
    store: &Store,
    plan: &ExportPlan,
    format: Format,
    output: Output<'_>,
    progress: Option<&mut dyn Progress>,
) -> Result<usize, ExportError> {
    let exported = match output {
        Output::Writer(out) => write_all(store, plan, format, out, progress)?,
        Output::File(path) => write_file(store, plan, format, path, progress)?,
    };
    if let Some(step) = &exported.cursor {
        store.advance_cursor(step)?;
    }
    Ok(exported.count)
}

fn write_all(
    store: &Store,
    plan: &ExportPlan,
    format: Format,
    out: &mut dyn Write,
    progress: Option<&mut dyn Progress>,
) -> Result<Exported, ExportError> {
    let mut writing = Writing {
        sink: sink(format),
        out,
        progress,
    };
    let exported = store.export_articles(plan, &mut writing)?;
    writing.sink.end(writing.out)?;
    writing.out.flush()?;
    if let Some(progress) = writing.progress {
        progress.finish();
    }
    Ok(exported)
}

fn write_file(
    store: &Store,
    plan: &ExportPlan,
    format: Format,
    path: &Path,
    progress: Option<&mut dyn Progress>,
) -> Result<Exported, ExportError> {
    let file_error = |source| ExportError::File {
        path: path.to_path_buf(),
        source,
    };
    let mut file = AtomicFile::create(path).map_err(file_error)?;
    let exported = write_all(store, plan, format, &mut file, progress)?;
    file.commit().map_err(file_error)?;
    Ok(exported)
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
