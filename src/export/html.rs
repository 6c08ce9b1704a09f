//! HTML: one self-contained, readable page with a table of contents. No script, no style
//! from feeds, no event handler: every feed string is escaped and bodies are rebuilt from
//! clean text. Links are absolute http(s) only. Streamed: the table of contents comes from
//! the store's outline, so no article is held in memory.

use std::io::{self, Write};

use html_escape::{encode_double_quoted_attribute as attr, encode_text as text};

use super::{Sink, safe_href, text_as_html, xml_safe};
use crate::store::{Article, OutlineEntry};

const STYLE: &str = "body{max-width:42rem;margin:2rem auto;padding:0 1rem;font:1.05rem/1.6 Georgia,serif;color:#222}\
nav li{margin:.2rem 0}.meta{color:#666;font-size:.9rem}article{border-top:1px solid #ddd;margin-top:2rem}";

pub(super) struct Html;

impl Sink for Html {
    fn wants_outline(&self) -> bool {
        true
    }

    fn begin(&mut self, out: &mut dyn Write, outline: &[OutlineEntry]) -> io::Result<()> {
        write!(
            out,
            "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
             <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n\
             <meta name=\"referrer\" content=\"no-referrer\">\n\
             <title>feedsift export</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<h1>feedsift export</h1>\n\
             <nav><ol>\n"
        )?;
        for entry in outline {
            writeln!(
                out,
                "<li><a href=\"#a{}\">{}</a> <span class=\"meta\">{} · {}</span></li>",
                entry.id,
                text(&xml_safe(&entry.title)),
                text(&xml_safe(&entry.feed)),
                text(entry.published.get(..10).unwrap_or(&entry.published))
            )?;
        }
        write!(out, "</ol></nav>\n<main>\n")
    }

    fn article(&mut self, out: &mut dyn Write, a: &Article) -> io::Result<()> {
        let title = text(&xml_safe(&a.title)).into_owned();
        let heading = match safe_href(a.url.as_deref()) {
            Some(href) => format!(
                "<a href=\"{}\" rel=\"noopener noreferrer\">{title}</a>",
                attr(&href)
            ),
            None => title,
        };
        let mut meta = vec![text(&xml_safe(&a.feed)).into_owned()];
        if let Some(author) = &a.author {
            meta.push(text(&xml_safe(author)).into_owned());
        }
        meta.push(format!(
            "<time datetime=\"{0}\">{0}</time>",
            attr(&a.published)
        ));
        write!(
            out,
            "<article id=\"a{}\">\n<h2>{heading}</h2>\n<p class=\"meta\">{}</p>\n{}</article>\n",
            a.id,
            meta.join(" · "),
            text_as_html(&a.content)
        )
    }

    fn end(&mut self, out: &mut dyn Write) -> io::Result<()> {
        write!(out, "</main>\n</body>\n</html>\n")
    }
}
