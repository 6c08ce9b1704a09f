//! Sanitized HTML beside the text (`articles.content_html`), written straight from the pruned
//! DOM: only allow-listed HTML elements and attributes (ammonia's default lists), so no
//! script, style, iframe, form, event handler or `style` attribute survives; URLs only with
//! safe schemes, `data:` only as raster images; relative URLs made absolute against the
//! item's link (dropped without one); tracking parameters (utm_*, fbclid, ...) removed from
//! links; every link `rel="noopener noreferrer nofollow"`.
//!
//! Why it cannot be abused: every text node is escaped, and no element is ever written whose
//! content the browser reads as raw text (script, style, textarea, xmp, noscript, ...) or in
//! another namespace (SVG, MathML: their tags are dropped, their text kept as text). So what
//! a browser parses back is exactly the elements and attributes written here. The DOM is the
//! one the text rules pruned: it is not serialized and parsed a second time (that second parse
//! was a third of the time cleaning took).

use std::borrow::Cow;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::LazyLock;

use html5ever::{LocalName, ns};

use scraper::node::Element;
use scraper::{Html, Node};
use url::Url;

use crate::dedup;

/// An allowed element: its name as written, the attributes it may keep besides the generic
/// ones, and whether it is void (no content, no end tag).
struct Tag {
    name: &'static str,
    attrs: &'static [&'static str],
    void: bool,
}

const fn tag(name: &'static str, attrs: &'static [&'static str]) -> Tag {
    Tag {
        name,
        attrs,
        void: false,
    }
}

const fn void(name: &'static str, attrs: &'static [&'static str]) -> Tag {
    Tag {
        name,
        attrs,
        void: true,
    }
}

/// Attributes every allowed element may keep.
const GENERIC_ATTRS: &[&str] = &["lang", "title"];
const CELL_ALIGN: &[&str] = &["align", "char", "charoff"];
const CITE: &[&str] = &["cite"];
const EDIT: &[&str] = &["cite", "datetime"];
const COLUMN: &[&str] = &["align", "char", "charoff", "span"];

/// ammonia's default allow-list: the elements with attributes of their own.
const WITH_ATTRS: &[Tag] = &[
    tag("a", &["href", "hreflang"]),
    void("area", &[]),
    tag("bdo", &["dir"]),
    tag("blockquote", CITE),
    void("br", &[]),
    void("col", COLUMN),
    tag("colgroup", COLUMN),
    tag("del", EDIT),
    void("hr", &["align", "size", "width"]),
    void("img", &["align", "alt", "height", "src", "width"]),
    tag("ins", EDIT),
    tag("ol", &["start"]),
    tag("q", CITE),
    tag("table", &["align", "char", "charoff", "summary"]),
    tag("tbody", CELL_ALIGN),
    tag(
        "td",
        &["align", "char", "charoff", "colspan", "headers", "rowspan"],
    ),
    tag(
        "th",
        &[
            "align", "char", "charoff", "colspan", "headers", "rowspan", "scope",
        ],
    ),
    tag("thead", CELL_ALIGN),
    tag("tr", CELL_ALIGN),
    void("wbr", &[]),
];

/// The rest of ammonia's default allow-list: elements that keep only the generic attributes.
const PLAIN: &[&str] = &[
    "abbr",
    "acronym",
    "article",
    "aside",
    "b",
    "bdi",
    "caption",
    "center",
    "cite",
    "code",
    "data",
    "dd",
    "details",
    "dfn",
    "div",
    "dl",
    "dt",
    "em",
    "figcaption",
    "figure",
    "footer",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "header",
    "hgroup",
    "i",
    "kbd",
    "li",
    "map",
    "mark",
    "nav",
    "p",
    "pre",
    "rp",
    "rt",
    "rtc",
    "ruby",
    "s",
    "samp",
    "small",
    "span",
    "strike",
    "strong",
    "sub",
    "summary",
    "sup",
    "time",
    "tt",
    "u",
    "ul",
    "var",
];

/// Elements dropped with their content rather than unwrapped (the pruning step has already
/// removed them; this keeps the sanitizer safe on its own), in any namespace.
const DROPS_CONTENT: &[&str] = &[
    "script", "style", "template", "noscript", "iframe", "xmp", "noembed", "noframes",
];

/// What the sanitizer does with an element, by its local name; an element not listed is
/// unwrapped (its content kept).
enum Treatment {
    /// Written, if it is in the HTML namespace.
    Keep(Allowed),
    DropWithContent,
}

/// An allowed element as [`sanitize`] looks it up.
struct Allowed {
    name: &'static str,
    /// The generic attributes and its own.
    attrs: Vec<LocalName>,
    void: bool,
}

/// The lists above by atom: a name is compared as one integer, not as a string against
/// each name in turn.
static TREATMENTS: LazyLock<HashMap<LocalName, Treatment, BuildHasherDefault<AtomHasher>>> =
    LazyLock::new(|| {
        let plain = PLAIN.iter().map(|&name| (name, &[][..], false));
        let with_attrs = WITH_ATTRS.iter().map(|t| (t.name, t.attrs, t.void));
        let mut treatments: HashMap<_, _, _> = with_attrs
            .chain(plain)
            .map(|(name, own, void)| {
                let attrs = GENERIC_ATTRS.iter().chain(own);
                let keep = Allowed {
                    name,
                    attrs: attrs.map(|&a| LocalName::from(a)).collect(),
                    void,
                };
                (LocalName::from(name), Treatment::Keep(keep))
            })
            .collect();
        for &name in DROPS_CONTENT {
            treatments.insert(LocalName::from(name), Treatment::DropWithContent);
        }
        treatments
    });

/// An atom's hash is computed once, with the atom (`Atom::get_hash`): used as it is.
#[derive(Default)]
struct AtomHasher(u64);

impl Hasher for AtomHasher {
    fn write_u64(&mut self, hash: u64) {
        self.0 = hash;
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        }
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// URL schemes a link or image may use (ammonia's defaults, plus `data:` for images).
const URL_SCHEMES: &[&str] = &[
    "bitcoin",
    "data",
    "ftp",
    "ftps",
    "geo",
    "http",
    "https",
    "im",
    "irc",
    "ircs",
    "magnet",
    "mailto",
    "mms",
    "mx",
    "news",
    "nntp",
    "openpgp4fpr",
    "sip",
    "sms",
    "smsto",
    "ssh",
    "tel",
    "url",
    "webcal",
    "wtai",
    "xmpp",
];

const LINK_REL: &str = "noopener noreferrer nofollow";

/// The sanitized HTML of the children of the document's root element. `capacity`: about
/// how long it will be, so that it grows once or never (see [`super::fit`]).
pub(super) fn sanitize(doc: &Html, base: Option<&Url>, capacity: usize) -> String {
    let base = base.filter(|b| matches!(b.scheme(), "http" | "https"));
    let mut out = String::with_capacity(capacity);
    // Allowed elements now open, so that each close writes its end tag; and the element
    // whose content is being skipped, if any.
    let mut open: Vec<(ego_tree::NodeId, &'static str)> = Vec::new();
    let mut skipping: Option<ego_tree::NodeId> = None;
    let root = doc.root_element();
    for edge in super::dom::edges(*root) {
        match edge {
            ego_tree::iter::Edge::Open(node) => {
                if skipping.is_some() || node.id() == root.id() {
                    continue;
                }
                match node.value() {
                    Node::Text(text) => escape(&mut out, text, false),
                    Node::Element(el) => match TREATMENTS.get(&el.name.local) {
                        Some(Treatment::DropWithContent) => skipping = Some(node.id()),
                        Some(Treatment::Keep(tag)) if el.name.ns == ns!(html) => {
                            // A link inside a link (possible once the elements between them are
                            // unwrapped) would be torn apart by the browser's parser: keep the
                            // outer one.
                            if tag.name == "a" && open.iter().any(|(_, name)| *name == "a") {
                                continue;
                            }
                            start_tag(&mut out, tag, el, base);
                            if tag.name == "pre" && starts_with_newline(node) {
                                // The parser drops a newline right after <pre>: this one is the
                                // text's own.
                                out.push('\n');
                            }
                            if !tag.void {
                                open.push((node.id(), tag.name));
                            }
                        }
                        _ => {}
                    },
                    _ => {}
                }
            }
            ego_tree::iter::Edge::Close(node) => {
                if skipping == Some(node.id()) {
                    skipping = None;
                } else if skipping.is_none()
                    && open.last().is_some_and(|(id, _)| *id == node.id())
                    && let Some((_, name)) = open.pop()
                {
                    out.push_str("</");
                    out.push_str(name);
                    out.push('>');
                }
            }
        }
    }
    super::fit(out)
}

fn starts_with_newline(node: ego_tree::NodeRef<'_, Node>) -> bool {
    node.first_child()
        .is_some_and(|child| matches!(child.value(), Node::Text(t) if t.starts_with('\n')))
}

fn start_tag(out: &mut String, tag: &Allowed, el: &Element, base: Option<&Url>) {
    out.push('<');
    out.push_str(tag.name);
    for (name, value) in &el.attrs {
        if name.ns != ns!() || !tag.attrs.contains(&name.local) {
            continue;
        }
        let name = &*name.local;
        let value = if matches!(name, "href" | "src") {
            match safe_url(tag.name, value, base) {
                Some(url) => url,
                None => continue,
            }
        } else {
            Cow::Borrowed(&**value)
        };
        attribute(out, name, &value);
    }
    if tag.name == "a" {
        attribute(out, "rel", LINK_REL);
    }
    out.push('>');
}

fn attribute(out: &mut String, name: &str, value: &str) {
    out.push(' ');
    out.push_str(name);
    out.push_str("=\"");
    escape(out, value, true);
    out.push('"');
}

/// The URL to write for an `href` or `src`, or `None` to drop the attribute: absolute with an
/// allowed scheme (kept as written unless it loses tracking parameters), or relative and
/// resolved against `base`. `data:` only as a raster image.
fn safe_url<'a>(element: &str, value: &'a str, base: Option<&Url>) -> Option<Cow<'a, str>> {
    // Only links lose tracking parameters, so only a link's query needs the parser.
    if is_plain_web_url(value, element != "a") {
        return Some(Cow::Borrowed(value));
    }
    let (mut url, as_written) = match Url::parse(value) {
        Ok(url) => (url, true),
        Err(url::ParseError::RelativeUrlWithoutBase) => (base?.join(value).ok()?, false),
        Err(_) => return None,
    };
    if !URL_SCHEMES.contains(&url.scheme()) {
        return None;
    }
    if url.scheme() == "data" {
        return (element == "img" && is_raster_image(value)).then_some(Cow::Borrowed(value));
    }
    let stripped = element == "a" && dedup::remove_tracking_params(&mut url);
    Some(if as_written && !stripped {
        Cow::Borrowed(value)
    } else {
        Cow::Owned(url.into())
    })
}

/// Whether `value` is an `http` or `https` URL that `Url::parse` accepts, checked without
/// parsing it: a host of ASCII letters, digits, hyphens and dots that is neither an IPv4
/// address (its last label has a letter and no `0x`) nor punycode (which the parser decodes
/// and may reject), then nothing or a path, a query (only if `query_allowed`) and a
/// fragment, whose characters the parser encodes and never rejects.
fn is_plain_web_url(value: &str, query_allowed: bool) -> bool {
    let Some(rest) = value
        .strip_prefix("https://")
        .or_else(|| value.strip_prefix("http://"))
    else {
        return false;
    };
    let host_end = rest
        .bytes()
        .position(|b| matches!(b, b'/' | b'?' | b'#'))
        .unwrap_or(rest.len());
    let (host, after) = rest.split_at(host_end);
    let host = host.strip_suffix('.').unwrap_or(host);
    let plain_labels = !host.is_empty()
        && host.split('.').all(|label| {
            !label.is_empty()
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
                && !label
                    .get(..4)
                    .is_some_and(|p| p.eq_ignore_ascii_case("xn--"))
        });
    let last = host.rsplit('.').next().unwrap_or("");
    let not_a_number = last.bytes().any(|b| b.is_ascii_alphabetic())
        && !last.get(..2).is_some_and(|p| p.eq_ignore_ascii_case("0x"));
    let query_ok = query_allowed || !after.contains('?');
    plain_labels && not_a_number && query_ok
}

/// `data:image/png;…` and friends; not SVG, which can carry script.
fn is_raster_image(value: &str) -> bool {
    let lower = value.trim_start().to_ascii_lowercase();
    ["png", "jpeg", "jpg", "gif", "webp", "avif"]
        .iter()
        .any(|t| lower.starts_with(&format!("data:image/{t}")))
}

/// Writes `text` escaped as html5ever's serializer does (`&`, `<`, `>` and no-break spaces
/// always, double quotes in attribute values), with line ends as a parser would read them
/// back: a carriage return (from `&#13;`) becomes a line feed.
fn escape(out: &mut String, text: &str, attribute: bool) {
    let bytes = text.as_bytes();
    // Most texts are short and have nothing to escape: one look at each byte says so
    // faster than setting up the vector searches.
    if bytes.len() <= SHORT && !bytes.iter().any(|&b| may_need_escape(b, attribute)) {
        out.push_str(text);
        return;
    }
    let mut specials = Specials::new(bytes, attribute);
    let mut written = 0;
    let mut i = 0;
    while let Some(found) = specials.next_from(i) {
        i = found;
        let (replacement, len) = match bytes[i] {
            b'&' => ("&amp;", 1),
            b'<' => ("&lt;", 1),
            b'>' => ("&gt;", 1),
            b'"' => ("&quot;", 1),
            b'\r' if bytes.get(i + 1) == Some(&b'\n') => ("\n", 2),
            b'\r' => ("\n", 1),
            0xC2 if bytes.get(i + 1) == Some(&0xA0) => ("&nbsp;", 2),
            _ => {
                i += 1;
                continue;
            }
        };
        // Every match is an ASCII byte or a whole two-byte character: slicing stays on
        // character boundaries.
        out.push_str(&text[written..i]);
        out.push_str(replacement);
        i += len;
        written = i;
    }
    out.push_str(&text[written..]);
}

/// Texts up to this many bytes are checked a byte at a time before [`Specials`] searches.
const SHORT: usize = 32;

/// A byte [`escape`] may replace: `&`, `<`, `>`, CR, the lead byte of U+00A0 and, in
/// attribute values, `"`.
fn may_need_escape(b: u8, attribute: bool) -> bool {
    matches!(b, b'&' | b'<' | b'>' | b'\r' | 0xC2) || (attribute && b == b'"')
}

/// Where the bytes [`escape`] looks at are, found with memchr: `&`, `<` and `>` in one
/// search, and CR, the lead byte of U+00A0 and (in attribute values) `"` in another, each
/// searched again only once passed.
struct Specials<'a> {
    bytes: &'a [u8],
    attribute: bool,
    markup: Option<Option<usize>>,
    others: Option<Option<usize>>,
}

impl<'a> Specials<'a> {
    fn new(bytes: &'a [u8], attribute: bool) -> Self {
        Specials {
            bytes,
            attribute,
            markup: None,
            others: None,
        }
    }

    /// The first special byte at or after `from`.
    fn next_from(&mut self, from: usize) -> Option<usize> {
        let rest = self.bytes.get(from..)?;
        if self.markup.is_none_or(|at| at.is_some_and(|at| at < from)) {
            self.markup = Some(memchr::memchr3(b'&', b'<', b'>', rest).map(|i| from + i));
        }
        if self.others.is_none_or(|at| at.is_some_and(|at| at < from)) {
            let found = match self.attribute {
                true => memchr::memchr3(b'"', b'\r', 0xC2, rest),
                false => memchr::memchr2(b'\r', 0xC2, rest),
            };
            self.others = Some(found.map(|i| from + i));
        }
        match (self.markup.flatten(), self.others.flatten()) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn clean(html: &str, base: Option<&str>) -> String {
        let base = base.map(|b| Url::parse(b).unwrap());
        sanitize(&Html::parse_fragment(html), base.as_ref(), 0)
    }

    #[test]
    fn data_urls_only_as_raster_images() {
        let out = clean(
            r#"<img src="data:image/png;base64,AAAA"><img src="data:image/svg+xml,<svg>"><a href="data:text/html,x">d</a>"#,
            None,
        );
        assert!(out.contains(r#"src="data:image/png;base64,AAAA""#), "{out}");
        assert!(!out.contains("svg") && !out.contains("text/html"), "{out}");
    }

    #[test]
    fn links_lose_tracking_parameters() {
        let out = clean(
            r#"<a href="https://e.com/a?id=3&amp;utm_source=rss&amp;fbclid=x">a</a>"#,
            None,
        );
        assert!(out.contains(r#"href="https://e.com/a?id=3""#), "{out}");
    }

    #[test]
    fn writes_what_ammonia_wrote_for_ordinary_markup() {
        let html = r#"<p class="x" style="color:red" onclick="f()">A <b>bold</b> &amp; <a href="/a?b=1&amp;c=2" title="T &quot;q&quot;">link</a>&nbsp;&lt;tag&gt;</p><img src="i.png" alt="pic" width="3"><br><ul type="disc"><li>one</li></ul><custom-el>kept text</custom-el><table><tr><td colspan="2">c</td></tr></table>"#;
        let expected = r#"<p>A <b>bold</b> &amp; <a href="https://site.example/a?b=1&amp;c=2" title="T &quot;q&quot;" rel="noopener noreferrer nofollow">link</a>&nbsp;&lt;tag&gt;</p><img alt="pic" src="https://site.example/post/i.png" width="3"><br><ul><li>one</li></ul>kept text<table><tbody><tr><td colspan="2">c</td></tr></tbody></table>"#;
        assert_eq!(clean(html, Some("https://site.example/post/")), expected);
    }

    #[test]
    fn relative_urls_are_dropped_without_a_base_and_bad_schemes_always() {
        let out = clean(
            r#"<a href="/rel">r</a><a href="javascript:alert(1)">j</a><a href=" JaVaScRiPt:alert(1)">k</a><img src="vbscript:x"><a href="mailto:a@b.c">m</a>"#,
            None,
        );
        assert_eq!(
            out,
            r#"<a rel="noopener noreferrer nofollow">r</a><a rel="noopener noreferrer nofollow">j</a><a rel="noopener noreferrer nofollow">k</a><img><a href="mailto:a@b.c" rel="noopener noreferrer nofollow">m</a>"#
        );
    }

    #[test]
    fn foreign_and_raw_text_elements_never_reach_the_output() {
        let out = clean(
            r#"<math><mi>x</mi><style><img src=x onerror=alert(1)></style></math><svg><a href="javascript:x"><text>t</text></a></svg><xmp><b>raw</b></xmp><noscript><p>n</p></noscript><!-- c --><textarea><i>t</i></textarea>"#,
            None,
        );
        // The <img> broke out of MathML as the parser does; its src had no base to resolve.
        assert_eq!(out, "x<img>t&lt;i&gt;t&lt;/i&gt;");
    }

    #[test]
    fn plain_web_urls_are_kept_as_the_parser_would_keep_them() {
        let schemes = [
            "http://",
            "https://",
            "HTTP://",
            "https:/",
            "https:///",
            "ftp://",
            "",
        ];
        let host_pieces = [
            "e",
            "com",
            "E",
            "Com",
            "a-b",
            "-",
            "1",
            "256",
            "0x1f",
            "0X",
            "xn--",
            "xn--nxasmq6b",
            "café",
            "_",
            ":",
            ":8080",
            "@",
            "user:pw@",
            "%20",
            " ",
            "\t",
            "\\",
            "[::1]",
            ".",
        ];
        let tails = [
            "",
            "/",
            "/a b",
            "/ü",
            "/%zz",
            "?",
            "?q=1",
            "?utm_source=rss",
            "&fbclid=x",
            "#",
            "#f?x",
            "<",
            "\"",
            "/../x",
            "\\y",
            " ",
        ];
        let base = Url::parse("https://base.example/dir/").unwrap();
        let mut rng = crate::test_rng::TestRng::new(11);
        let mut next = |n: usize| rng.below(n);
        let mut plain = 0;
        for _ in 0..40_000 {
            let mut value = schemes[next(schemes.len())].to_string();
            for i in 0..1 + next(4) {
                if i > 0 && next(2) == 0 {
                    value.push('.');
                }
                value.push_str(host_pieces[next(host_pieces.len())]);
            }
            for _ in 0..next(4) {
                value.push_str(tails[next(tails.len())]);
            }
            for element in ["a", "img"] {
                if is_plain_web_url(&value, element != "a") {
                    plain += 1;
                    let parsed = Url::parse(&value)
                        .unwrap_or_else(|e| panic!("{value:?} was taken as plain: {e}"));
                    let mut url = parsed.clone();
                    let stripped = element == "a" && dedup::remove_tracking_params(&mut url);
                    assert!(!stripped, "{value:?}");
                    assert!(matches!(parsed.scheme(), "http" | "https"), "{value:?}");
                }
                let _ = safe_url(element, &value, Some(&base));
            }
        }
        assert!(plain > 1_000, "only {plain} plain URLs generated");
        for (value, is_plain) in [
            ("https://e.com/a?b=1#c", false),
            ("https://www.e.com/2024/05/post/", true),
            ("http://1.2.3.256/", false),
            ("https://0x7f/", false),
            ("https://xn--nxasmq6b.com/", false),
            ("https://e.com:8080/", false),
            ("https:///e.com", false),
        ] {
            assert_eq!(is_plain_web_url(value, false), is_plain, "{value}");
        }
    }

    #[test]
    fn escapes_as_html5ever_does() {
        let mut out = String::new();
        escape(&mut out, "a&b<c>d\"e\u{a0}f\r\ng\rh é\u{c2a0}", false);
        assert_eq!(out, "a&amp;b&lt;c&gt;d\"e&nbsp;f\ng\nh é\u{c2a0}");
        out.clear();
        escape(&mut out, "say \"hi\"", true);
        assert_eq!(out, "say &quot;hi&quot;");
    }

    #[test]
    fn escaping_with_memchr_matches_a_character_at_a_time() {
        fn reference(text: &str, attribute: bool) -> String {
            let mut out = String::new();
            let mut chars = text.chars().peekable();
            while let Some(c) = chars.next() {
                match c {
                    '&' => out.push_str("&amp;"),
                    '<' => out.push_str("&lt;"),
                    '>' => out.push_str("&gt;"),
                    '"' if attribute => out.push_str("&quot;"),
                    '\u{a0}' => out.push_str("&nbsp;"),
                    '\r' => {
                        chars.next_if_eq(&'\n');
                        out.push('\n');
                    }
                    c => out.push(c),
                }
            }
            out
        }
        let pieces = [
            "&", "<", ">", "\"", "\r", "\n", "\u{a0}", "\u{a9}", "\u{c2}", "é", "text", " ", "’",
        ];
        let mut rng = crate::test_rng::TestRng::new(5);
        for _ in 0..20_000 {
            let count = rng.below(12);
            let text = rng.pieces(&pieces, count).concat();
            for attribute in [false, true] {
                let mut out = String::new();
                escape(&mut out, &text, attribute);
                assert_eq!(out, reference(&text, attribute), "{text:?}");
            }
        }
    }

    #[test]
    fn what_a_browser_parses_back_is_what_was_written() {
        let out = clean(
            "<a href=\"https://e.com/1\">one <marquee><a href=\"https://e.com/2\">two</a></marquee></a><pre>\n\ncode</pre><p>a&#13;\nb&#13;c</p>",
            None,
        );
        assert_eq!(
            out,
            "<a href=\"https://e.com/1\" rel=\"noopener noreferrer nofollow\">one two</a><pre>\n\ncode</pre><p>a\nb\nc</p>"
        );
    }
}
