//! mbox: one plain-text message per article, readable by mail clients (mutt, Thunderbird)
//! and mail tools. Header values are single lines (no header injection) and non-ASCII ones
//! are RFC 2047 encoded words. Bodies are format=flowed text, space-stuffed so no line
//! starts with `From `.

use std::io::{self, Write};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use super::{Sink, safe_href};
use crate::store::Article;

pub(super) struct Mbox;

impl Sink for Mbox {
    fn article(&mut self, out: &mut dyn Write, a: &Article) -> io::Result<()> {
        let date = crate::time::parse_rfc3339(&a.published).unwrap_or_default();
        writeln!(
            out,
            "From feedsift@localhost {}",
            date.format("%a %b %e %H:%M:%S %Y")
        )?;
        let from = a.author.as_deref().unwrap_or(&a.feed);
        writeln!(
            out,
            "From: {} <feedsift@localhost>",
            encode_word(&format!("\"{}\"", from.replace(['"', '\\'], "")))
        )?;
        writeln!(out, "Subject: {}", encode_word(&a.title))?;
        writeln!(out, "Date: {}", date.to_rfc2822())?;
        writeln!(out, "Message-ID: <article-{}@feedsift.localhost>", a.id)?;
        writeln!(out, "X-Feedsift-Feed: {}", encode_word(&a.feed))?;
        if let Some(url) = safe_href(a.url.as_deref()) {
            writeln!(out, "X-Feedsift-URL: {url}")?;
        }
        writeln!(
            out,
            "MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8; format=flowed\nContent-Transfer-Encoding: 8bit\n"
        )?;
        if let Some(url) = safe_href(a.url.as_deref()) {
            writeln!(out, "{url}\n")?;
        }
        for line in a.content.lines() {
            for piece in flowed(line) {
                writeln!(out, "{piece}")?;
            }
        }
        writeln!(out)
    }
}

/// One line of text as format=flowed (RFC 3676) lines: wrapped near 72 columns, each soft
/// break a trailing space, and space-stuffed where a line would start with a space, `>` or
/// `From ` (so no body line can pass for an mbox separator or a quote).
fn flowed(line: &str) -> Vec<String> {
    let mut lines = Vec::new();
    let mut current = String::new();
    for word in line.split(' ') {
        if !current.is_empty() && current.chars().count() + word.chars().count() > 72 {
            current.push(' ');
            lines.push(std::mem::take(&mut current));
        } else if !current.is_empty() {
            current.push(' ');
        }
        current.push_str(word);
    }
    lines.push(current.trim_end().to_string());
    lines
        .into_iter()
        .map(|l| {
            if l.starts_with([' ', '>']) || l.starts_with("From ") {
                format!(" {l}")
            } else {
                l
            }
        })
        .collect()
}

/// A header value on one line: printable ASCII as is, anything else as RFC 2047 base64
/// encoded words (each at most 75 characters, split on character boundaries).
fn encode_word(value: &str) -> String {
    let value: String = value
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if value.is_ascii() && !value.contains("=?") {
        return value;
    }
    let mut words = Vec::new();
    let mut chunk = String::new();
    for c in value.chars() {
        // 45 bytes of UTF-8 make 60 base64 characters: with `=?utf-8?B?` and `?=`, 72.
        if chunk.len() + c.len_utf8() > 45 {
            words.push(std::mem::take(&mut chunk));
        }
        chunk.push(c);
    }
    words.push(chunk);
    words
        .iter()
        .map(|w| format!("=?utf-8?B?{}?=", STANDARD.encode(w)))
        .collect::<Vec<_>>()
        .join("\n ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_values_stay_on_their_line_and_non_ascii_is_encoded() {
        assert_eq!(encode_word("Plain title"), "Plain title");
        assert_eq!(encode_word("a\r\nBcc: x@y"), "a  Bcc: x@y");
        let encoded = encode_word("Grüße aus Köln");
        assert!(encoded.starts_with("=?utf-8?B?"), "{encoded}");
        let long = encode_word(&"ü".repeat(100));
        assert!(long.lines().all(|l| l.trim().len() <= 75), "{long}");
    }

    #[test]
    fn body_lines_are_flowed_and_stuffed() {
        assert_eq!(flowed("From here on"), [" From here on"]);
        assert_eq!(flowed(">quoted"), [" >quoted"]);
        assert_eq!(flowed("Fromage"), ["Fromage"]);
        let long = "word ".repeat(40);
        let lines = flowed(long.trim());
        assert!(lines.len() > 2);
        assert!(lines[..lines.len() - 1].iter().all(|l| l.ends_with(' ')));
        assert_eq!(lines.concat(), long.trim());
    }
}
