//! Atom 1.0: a clean re-syndicated feed. Titles and summaries are `type="text"`; content is
//! `type="html"` rebuilt from clean text, so no markup from the original feed survives.

use std::io::{self, Write};

use html_escape::{encode_double_quoted_attribute as attr, encode_text as text};

use super::{Sink, safe_href, text_as_html, xml_safe};
use crate::store::{Article, OutlineEntry};

pub(super) struct Atom;

impl Sink for Atom {
    fn begin(&mut self, out: &mut dyn Write, _outline: &[OutlineEntry]) -> io::Result<()> {
        write!(
            out,
            "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\">\n\
             <title>feedsift</title>\n<id>urn:feedsift:export</id>\n<updated>{}</updated>\n\
             <author><name>feedsift</name></author>\n<generator version=\"{}\">feedsift</generator>\n",
            crate::time::now(),
            env!("CARGO_PKG_VERSION")
        )
    }

    fn article(&mut self, out: &mut dyn Write, a: &Article) -> io::Result<()> {
        let href = safe_href(a.url.as_deref());
        writeln!(out, "<entry>")?;
        // The article id, not its URL: two articles may share a URL (per-feed dedup), and
        // an entry id must be unique and never change.
        writeln!(out, "<id>urn:feedsift:article:{}</id>", a.id)?;
        writeln!(
            out,
            "<title type=\"text\">{}</title>",
            text(&xml_safe(&a.title))
        )?;
        if let Some(href) = &href {
            writeln!(out, "<link rel=\"alternate\" href=\"{}\"/>", attr(href))?;
        }
        writeln!(
            out,
            "<published>{}</published>\n<updated>{}</updated>",
            a.published, a.updated
        )?;
        if let Some(author) = &a.author {
            writeln!(
                out,
                "<author><name>{}</name></author>",
                text(&xml_safe(author))
            )?;
        }
        writeln!(out, "<category term=\"{}\"/>", attr(&xml_safe(&a.feed)))?;
        if !a.summary.is_empty() {
            writeln!(
                out,
                "<summary type=\"text\">{}</summary>",
                text(&xml_safe(&a.summary))
            )?;
        }
        writeln!(
            out,
            "<content type=\"html\">{}</content>",
            text(&text_as_html(&a.content))
        )?;
        writeln!(out, "</entry>")
    }

    fn end(&mut self, out: &mut dyn Write) -> io::Result<()> {
        writeln!(out, "</feed>")
    }
}
