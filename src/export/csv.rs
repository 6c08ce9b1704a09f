//! CSV (RFC 4180): a header, then one row per article; `sources` is a JSON array in one cell.

use std::io::{self, Write};

use super::Sink;
use crate::store::{Article, OutlineEntry};

const HEADER: [&str; 10] = [
    "id",
    "title",
    "url",
    "author",
    "published",
    "updated",
    "feed",
    "summary",
    "content",
    "sources",
];

pub(super) struct Csv;

impl Sink for Csv {
    fn begin(&mut self, out: &mut dyn Write, _outline: &[OutlineEntry]) -> io::Result<()> {
        write_record(out, &HEADER.map(String::from))
    }

    fn article(&mut self, out: &mut dyn Write, a: &Article) -> io::Result<()> {
        let sources = serde_json::to_string(&a.sources)?;
        write_record(
            out,
            &[
                a.id.to_string(),
                a.title.clone(),
                a.url.clone().unwrap_or_default(),
                a.author.clone().unwrap_or_default(),
                a.published.clone(),
                a.updated.clone(),
                a.feed.clone(),
                a.summary.clone(),
                a.content.clone(),
                sources,
            ],
        )
    }
}

fn write_record(out: &mut dyn Write, fields: &[String]) -> io::Result<()> {
    let mut writer = ::csv::WriterBuilder::new()
        .terminator(::csv::Terminator::CRLF)
        .from_writer(out);
    writer.write_record(fields).map_err(csv_io)?;
    writer.flush()
}

fn csv_io(e: ::csv::Error) -> io::Error {
    match e.into_kind() {
        ::csv::ErrorKind::Io(io) => io,
        other => io::Error::other(format!("{other:?}")),
    }
}
