//! Markdown: a heading per article, a metadata line, the clean text, a rule between articles.

use std::io::{self, Write};

use super::{Sink, safe_href};
use crate::store::Article;

pub(super) struct Markdown;

impl Sink for Markdown {
    fn article(&mut self, out: &mut dyn Write, a: &Article) -> io::Result<()> {
        let title = escape(&a.title);
        match safe_href(a.url.as_deref()) {
            Some(url) => writeln!(
                out,
                "## [{title}](<{}>)\n",
                url.replace('<', "%3C").replace('>', "%3E")
            )?,
            None => writeln!(out, "## {title}\n")?,
        }
        let mut meta = vec![escape(&a.feed)];
        if let Some(author) = &a.author {
            meta.push(escape(author));
        }
        meta.push(a.published.clone());
        writeln!(out, "*{}*\n", meta.join(" · "))?;
        for paragraph in a.content.split("\n\n").filter(|p| !p.trim().is_empty()) {
            writeln!(out, "{}\n", escape_block(paragraph))?;
        }
        writeln!(out, "---\n")
    }
}

/// Escapes characters Markdown would read as inline markup, and a `#` that would start a
/// heading. List markers in clean text ("- item") are meant as lists and stay.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    if text.starts_with('#') {
        out.push('\\');
    }
    for c in text.chars() {
        if matches!(c, '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// A paragraph of clean text: escaped, line breaks kept as Markdown hard breaks.
fn escape_block(paragraph: &str) -> String {
    paragraph
        .lines()
        .map(escape)
        .collect::<Vec<_>>()
        .join("  \n")
}
