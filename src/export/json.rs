//! JSON: one array of the same objects NDJSON writes, streamed.

use std::io::{self, Write};

use super::Sink;
use crate::store::{Article, OutlineEntry};

#[derive(Default)]
pub(super) struct Json {
    written: usize,
}

impl Sink for Json {
    fn begin(&mut self, out: &mut dyn Write, _outline: &[OutlineEntry]) -> io::Result<()> {
        out.write_all(b"[")
    }

    fn article(&mut self, out: &mut dyn Write, article: &Article) -> io::Result<()> {
        out.write_all(if self.written == 0 { b"\n" } else { b",\n" })?;
        serde_json::to_writer(&mut *out, article)?;
        self.written += 1;
        Ok(())
    }

    fn end(&mut self, out: &mut dyn Write) -> io::Result<()> {
        out.write_all(if self.written == 0 { b"]\n" } else { b"\n]\n" })
    }
}
