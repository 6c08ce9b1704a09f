//! Feed bytes -> UTF-8 text, whatever the publisher declared. Pure.
//!
//! Publishers get encodings wrong in every direction: a byte-order mark and a declaration that
//! disagree, `ISO-8859-1` declared over UTF-8 bytes, `UTF-8` in the HTTP header over a
//! windows-1252 file, no label at all on Shift_JIS. The feed parser only ever sees UTF-8: the
//! bytes are decoded here, and the XML declaration (which would make it decode a second time,
//! and which is illegal after a leading comment) is removed.
//!
//! The order of evidence: a byte-order mark; the UTF-16 byte pattern; the XML declaration; the
//! HTTP `charset`; UTF-8; a statistical guess (chardetng, Firefox's detector). A label is used
//! only when the bytes decode under it without errors, and valid UTF-8 with non-ASCII text wins
//! over a single-byte label (the usual mislabel: a CMS writing UTF-8 under an old declaration).

use std::borrow::Cow;

use encoding_rs::{Encoding, UTF_8, UTF_16BE, UTF_16LE};

/// The document as UTF-8, and which encoding it was read as. The text borrows the body
/// when the body is UTF-8 already (the usual case: no copy of a large feed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decoded<'a> {
    pub text: Cow<'a, str>,
    pub encoding: &'static str,
}

/// Decodes `body`; `http_charset` is the `charset` of the response's Content-Type, if any.
pub fn decode<'a>(body: &'a [u8], http_charset: Option<&str>) -> Decoded<'a> {
    if let Some(decoded) = decode_utf32(body) {
        return decoded;
    }
    let (encoding, skip) = detect(body, http_charset);
    let text = match encoding.decode(&body[skip..]).0 {
        Cow::Borrowed(text) => Cow::Borrowed(text.strip_prefix('\u{feff}').unwrap_or(text)),
        Cow::Owned(text) => match text.strip_prefix('\u{feff}') {
            Some(rest) => Cow::Owned(rest.to_string()),
            None => Cow::Owned(text),
        },
    };
    Decoded {
        text: without_xml_declaration(text),
        encoding: encoding.name(),
    }
}

/// UTF-32 with a byte-order mark, which the WHATWG encodings (and so encoding_rs) leave out.
fn decode_utf32(body: &[u8]) -> Option<Decoded<'static>> {
    let (big_endian, name) = match body {
        [0, 0, 0xfe, 0xff, ..] => (true, "UTF-32BE"),
        [0xff, 0xfe, 0, 0, ..] => (false, "UTF-32LE"),
        _ => return None,
    };
    let text: String = body[4..]
        .chunks_exact(4)
        .map(|unit| {
            let bytes = [unit[0], unit[1], unit[2], unit[3]];
            let code = if big_endian {
                u32::from_be_bytes(bytes)
            } else {
                u32::from_le_bytes(bytes)
            };
            char::from_u32(code).unwrap_or(char::REPLACEMENT_CHARACTER)
        })
        .collect();
    Some(Decoded {
        text: without_xml_declaration(Cow::Owned(text)),
        encoding: name,
    })
}

/// The `charset` parameter of a Content-Type header value.
pub fn charset_of(content_type: &str) -> Option<&str> {
    content_type.split(';').skip(1).find_map(|param| {
        let (name, value) = param.split_once('=')?;
        name.trim()
            .eq_ignore_ascii_case("charset")
            .then(|| value.trim().trim_matches(|c| c == '"' || c == '\''))
    })
}

fn detect(body: &[u8], http_charset: Option<&str>) -> (&'static Encoding, usize) {
    if let Some((encoding, bom)) = Encoding::for_bom(body) {
        return (encoding, bom);
    }
    if let Some(encoding) = utf16_pattern(body) {
        return (encoding, 0);
    }
    let labels = [declared(body), http_charset];
    for label in labels.into_iter().flatten() {
        if let Some(encoding) = usable_label(label, body) {
            return (encoding, 0);
        }
    }
    if std::str::from_utf8(body).is_ok() {
        return (UTF_8, 0);
    }
    (guess(body), 0)
}

/// `<` and `?`/`!` as UTF-16 without a byte-order mark.
fn utf16_pattern(body: &[u8]) -> Option<&'static Encoding> {
    match body {
        [0, b'<', 0, b'?' | b'!' | b'r' | b'f', ..] => Some(UTF_16BE),
        [b'<', 0, b'?' | b'!' | b'r' | b'f', 0, ..] => Some(UTF_16LE),
        _ => None,
    }
}

/// The encoding a label names, if the body really decodes under it.
fn usable_label(label: &str, body: &[u8]) -> Option<&'static Encoding> {
    let encoding = Encoding::for_label(label.trim().as_bytes())?;
    // A UTF-16 label on bytes that are ASCII-compatible (no BOM, no zero bytes) is a mislabel.
    if encoding == UTF_16LE || encoding == UTF_16BE {
        return None;
    }
    if encoding != UTF_8 && encoding.is_single_byte() && is_utf8_with_non_ascii(body) {
        return Some(UTF_8);
    }
    encoding
        .decode_without_bom_handling_and_without_replacement(body)
        .map(|_| encoding)
}

fn is_utf8_with_non_ascii(body: &[u8]) -> bool {
    !body.is_ascii() && std::str::from_utf8(body).is_ok()
}

fn guess(body: &[u8]) -> &'static Encoding {
    let mut detector = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
    detector.feed(body, true);
    detector.guess(None, chardetng::Utf8Detection::Allow)
}

/// The `encoding` of an XML declaration near the start (after any comments, which some
/// publishers put first).
fn declared(body: &[u8]) -> Option<&str> {
    let head = &body[..body.len().min(1024)];
    let start = find(head, b"<?xml")?;
    let end = start + find(&head[start..], b"?>")?;
    let declaration = std::str::from_utf8(&head[start..end]).ok()?;
    let after = &declaration[declaration.find("encoding")? + "encoding".len()..];
    let after = after.trim_start().strip_prefix('=')?.trim_start();
    let quote = after.chars().next().filter(|c| *c == '"' || *c == '\'')?;
    let value = &after[1..];
    Some(&value[..value.find(quote)?])
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    memchr::memmem::find(haystack, needle)
}

/// Removes an XML declaration that comes before the root element: the text is UTF-8 now, and
/// a declaration after a comment is an error to a strict parser. One at the very start is
/// cut off without a copy.
fn without_xml_declaration(text: Cow<'_, str>) -> Cow<'_, str> {
    let Some(declaration) = declaration_range(&text) else {
        return text;
    };
    match text {
        Cow::Borrowed(text) if declaration.start == 0 => Cow::Borrowed(&text[declaration.end..]),
        text => {
            let mut text = text.into_owned();
            text.replace_range(declaration, "");
            Cow::Owned(text)
        }
    }
}

/// Where an XML declaration stands before the root element (after comments only).
fn declaration_range(text: &str) -> Option<std::ops::Range<usize>> {
    let head = &text[..text.floor_char_boundary(1024)];
    let start = head.find("<?xml")?;
    let is_declaration = text[start + 5..]
        .chars()
        .next()
        .is_some_and(char::is_whitespace);
    let end = start + text[start..].find("?>")? + 2;
    (is_declaration && only_comments(&text[..start])).then_some(start..end)
}

fn only_comments(mut prolog: &str) -> bool {
    loop {
        prolog = prolog.trim_start();
        if prolog.is_empty() {
            return true;
        }
        match prolog
            .strip_prefix("<!--")
            .and_then(|c| c.split_once("-->"))
        {
            Some((_, rest)) => prolog = rest,
            None => return false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RSS: &str = "<rss version=\"2.0\"><channel><title>Caf\u{e9} \u{2013} na\u{ef}ve</title></channel></rss>";

    fn with_declaration(encoding: &str) -> String {
        format!("<?xml version=\"1.0\" encoding=\"{encoding}\"?>\n{RSS}")
    }

    fn encode(text: &str, encoding: &'static Encoding) -> Vec<u8> {
        encoding.encode(text).0.into_owned()
    }

    #[test]
    fn declared_legacy_encodings_are_decoded() {
        for label in ["windows-1252", "ISO-8859-1"] {
            let body = encode(&with_declaration(label), encoding_rs::WINDOWS_1252);
            let decoded = decode(&body, None);
            assert!(
                decoded.text.contains("Caf\u{e9} \u{2013} na\u{ef}ve"),
                "{label}"
            );
            assert!(
                !decoded.text.contains("<?xml"),
                "the declaration is removed"
            );
        }
    }

    #[test]
    fn shift_jis_is_decoded_from_its_declaration_or_guessed() {
        let text = "<?xml version=\"1.0\" encoding=\"Shift_JIS\"?><rss><channel><title>\u{65e5}\u{672c}\u{8a9e}\u{306e}\u{30cb}\u{30e5}\u{30fc}\u{30b9}\u{3067}\u{3059}</title></channel></rss>";
        let body = encode(text, encoding_rs::SHIFT_JIS);
        assert!(
            decode(&body, None)
                .text
                .contains("\u{65e5}\u{672c}\u{8a9e}")
        );
        let unlabelled = encode(
            &text.replace(" encoding=\"Shift_JIS\"", ""),
            encoding_rs::SHIFT_JIS,
        );
        let guessed = decode(&unlabelled, Some("utf-8"));
        assert_eq!(guessed.encoding, "Shift_JIS");
        assert!(guessed.text.contains("\u{65e5}\u{672c}\u{8a9e}"));
    }

    #[test]
    fn utf16_with_and_without_bom() {
        let text = with_declaration("utf-16");
        let mut le = vec![0xff, 0xfe];
        le.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
        assert!(decode(&le, None).text.contains("Caf\u{e9}"));
        let be: Vec<u8> = text.encode_utf16().flat_map(u16::to_be_bytes).collect();
        let decoded = decode(&be, None);
        assert_eq!(decoded.encoding, "UTF-16BE");
        assert!(decoded.text.starts_with('\n'), "{:?}", &decoded.text[..20]);
    }

    #[test]
    fn utf32_with_bom() {
        let mut be = vec![0, 0, 0xfe, 0xff];
        be.extend(RSS.chars().flat_map(|c| u32::from(c).to_be_bytes()));
        assert_eq!(decode(&be, None).text, RSS);
    }

    #[test]
    fn utf8_under_a_single_byte_label_is_utf8() {
        let body = with_declaration("ISO-8859-1").into_bytes();
        assert_eq!(decode(&body, Some("windows-1252")).encoding, "UTF-8");
    }

    #[test]
    fn a_wrong_http_charset_loses_to_bytes_that_do_not_fit_it() {
        let body = encode(&with_declaration("windows-1252"), encoding_rs::WINDOWS_1252);
        let decoded = decode(&body, Some("utf-8"));
        assert_eq!(decoded.encoding, "windows-1252");
        let unlabelled = encode(RSS, encoding_rs::WINDOWS_1252);
        assert!(
            decode(&unlabelled, Some("utf-8"))
                .text
                .contains("Caf\u{e9}")
        );
    }

    #[test]
    fn bom_and_comment_before_the_declaration() {
        let body = format!("\u{feff}<!-- generator -->\n{}", with_declaration("utf-8"));
        let decoded = decode(body.as_bytes(), None);
        assert!(decoded.text.starts_with("<!-- generator -->"));
        assert!(!decoded.text.contains("<?xml"));
    }

    #[test]
    fn utf8_is_borrowed_and_the_leading_declaration_cut_off() {
        let body = with_declaration("utf-8");
        let decoded = decode(body.as_bytes(), Some("utf-8"));
        assert_eq!(decoded.text, format!("\n{RSS}"));
        assert!(matches!(decoded.text, Cow::Borrowed(_)));
        let with_bom = format!("\u{feff}{body}");
        assert!(matches!(
            decode(with_bom.as_bytes(), None).text,
            Cow::Borrowed(_)
        ));
        let legacy = encode(&body, encoding_rs::WINDOWS_1252);
        let legacy = decode(&legacy, Some("windows-1252"));
        assert!(matches!(legacy.text, Cow::Owned(_)));
        assert!(legacy.text.starts_with('\n') && !legacy.text.contains("<?xml"));
    }

    #[test]
    fn charset_parameter() {
        assert_eq!(
            charset_of("text/xml; charset=\"Shift_JIS\""),
            Some("Shift_JIS")
        );
        assert_eq!(charset_of("application/rss+xml"), None);
    }
}
