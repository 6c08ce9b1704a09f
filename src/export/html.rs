//! HTML: one self-contained, readable page with a table of contents. No script, no style
//! from feeds, no event handler: every feed string is escaped and bodies are rebuilt from
//! clean text. Links are absolute http(s) only.

use std::io::{self, Write};

use html_escape::{encode_double_quoted_attribute as attr, encode_text as text};

use super::{Sink, safe_href, text_as_html};
use crate::store::Article;

const STYLE: &str = "body{max-width:42rem;margin:2rem auto;padding:0 1rem;font:1.05rem/1.6 Georgia,serif;color:#222}\
nav li{margin:.2rem 0}.meta{color:#666;font-size:.9rem}article{border-top:1px solid #ddd;margin-top:2rem}";

/// Articles are buffered so the table of contents can come first.
#[derive(Default)]
pub(super) struct Html {
    toc: String,
    body: String,
}

impl Sink for Html {
    fn article(&mut self, _out: &mut dyn Write, a: &Article) -> io::Result<()> {
        let anchor = format!("a{}", a.id);
        let title = text(&a.title);
        self.toc.push_str(&format!(
            "<li><a href=\"#{anchor}\">{title}</a> <span class=\"meta\">{}</span></li>\n",
            text(&a.feed)
        ));
        let heading = match safe_href(a.url.as_deref()) {
            Some(href) => format!(
                "<a href=\"{}\" rel=\"noopener noreferrer\">{title}</a>",
                attr(&href)
            ),
            None => title.into_owned(),
        };
        let mut meta = vec![text(&a.feed).into_owned()];
        if let Some(author) = &a.author {
            meta.push(text(author).into_owned());
        }
        meta.push(format!(
            "<time datetime=\"{0}\">{0}</time>",
            attr(&a.published)
        ));
        self.body.push_str(&format!(
            "<article id=\"{anchor}\">\n<h2>{heading}</h2>\n<p class=\"meta\">{}</p>\n{}</article>\n",
            meta.join(" · "),
            text_as_html(&a.content)
        ));
        Ok(())
    }

    fn end(&mut self, out: &mut dyn Write) -> io::Result<()> {
        write!(
            out,
            "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
             <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n\
             <title>feedsift export</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<h1>feedsift export</h1>\n\
             <nav><ol>\n{}</ol></nav>\n<main>\n{}</main>\n</body>\n</html>\n",
            self.toc, self.body
        )
    }
}
