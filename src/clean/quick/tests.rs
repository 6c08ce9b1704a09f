//! The quick parser against html5ever: wherever it gives a tree, the tree must be the one
//! `Html::parse_fragment` builds, node for node and id for id.

use std::path::Path;

use ego_tree::NodeRef;
use proptest::prelude::*;
use scraper::{Html, Node};

use super::parse;

#[path = "../../../tests/common/files.rs"]
mod files;

/// Every node in arena order (orphans included), with its links and value.
fn describe_tree(doc: &Html) -> Vec<String> {
    doc.tree.nodes().map(describe_node).collect()
}

fn describe_node(node: NodeRef<'_, Node>) -> String {
    let id = |n: Option<NodeRef<'_, Node>>| n.map(|n| format!("{:?}", n.id()));
    let links = format!(
        "{:?} parent={:?} first={:?} next={:?}",
        node.id(),
        id(node.parent()),
        id(node.first_child()),
        id(node.next_sibling())
    );
    let value = match node.value() {
        Node::Element(el) => {
            let attrs: Vec<String> = el
                .attrs
                .iter()
                .map(|(name, value)| format!("{}:{}={:?}", &*name.ns, &*name.local, &**value))
                .collect();
            format!("<{}:{} {attrs:?}>", &*el.name.ns, &*el.name.local)
        }
        Node::Text(t) => format!("text {:?}", &*t.text),
        Node::Comment(c) => format!("comment {:?}", &*c.comment),
        other => format!("{other:?}"),
    };
    format!("{links} {value}")
}

/// `Some(true)` if the quick parser took `html` and built html5ever's tree, `Some(false)` if
/// it declined; panics with both trees if it built another.
fn check(html: &str) -> bool {
    let Some(quick) = parse(html) else {
        return false;
    };
    let expected = describe_tree(&Html::parse_fragment(html));
    let got = describe_tree(&quick);
    assert_eq!(
        got, expected,
        "quick parse differs from html5ever for {html:?}"
    );
    true
}

#[test]
fn common_markup_is_parsed_as_html5ever_does() {
    let accepted = [
        "",
        "plain text",
        "<p>One <em>two</em> <a href=\"https://x.example/?a=1&amp;b=2\">three</a>.</p><p>Four</p>",
        "<p>Unclosed<p>paragraphs<p>close each other",
        "<p>A list follows<ul><li>one<li>two</li><li>three</ul>",
        "<dl><dt>term<dd>definition<dt>next</dl>",
        "<figure><img src=\"a.png\" alt=\"A &quot;b&quot;\"><figcaption>Cap</figcaption></figure>",
        "<pre>\nkept\n  indented</pre><pre>&#10;two</pre><pre><b>\nx</b></pre>",
        "<p>Break<br>line<br/>and <img src=x width=1 height='1'/> <hr> rule",
        "<h2>Head <span>x</span></h2><p>t&nbsp;&mdash;&#8217;&#x2019;&#150;&#0;&#xD800;&#1114112;</p>",
        "<p>A &amp; B &lt;tag&gt; AT&T &foo; a&b; &#128512; &notin; &NotNestedLessLess;</p>",
        "<!-- a comment --><p>x<!----></p><!-- <!-- nested -- dashes -->",
        "a < b <3 and 1<2 <",
        "<P CLASS=\"Big\" Data-X=1>Upper</P>",
        "line\r\nbreaks\rhere<p title=\"a\r\nb\">x</p>",
        "<div><p>in div</p>\n<blockquote><p>quote<div>block in p</div></blockquote></div>",
        "<picture><source srcset=\"a.webp\"><img src=\"a.jpg\"></picture>",
        "<b><b><b><b>deep</b></b></b></b>",
        "<ul>\n  <li>a<ul><li>nested</ul>\n  <li>b\n</ul>",
        "<p><a href=x>link <em>em</em></a> <code>&lt;x&gt;</code></p>",
        "<h2><div>block in heading</div></h2><h3>x</h3>",
        "<li>a<p>b<li>c",
        "<p>i<svg viewbox=\"0 0 1 1\" xmlns=\"http://www.w3.org/2000/svg\" xmlns:xlink=\"http://www.w3.org/1999/xlink\"><title>Icon</title><use xlink:href=\"#i\"/><clippath id=c><path d=\"M0\"></path></clippath><lineargradient gradientunits=x><stop/></LinearGradient><style>.a{}</style><image href=x /></svg>j<svg/>k",
        "<table><tr><td><svg><rect/></svg></td></tr></table>",
        "<p>x<fieldset><legend>l</legend><p>y</fieldset><dialog>d</dialog><search>s</search>",
        "<p>x<table><tr><td>a<td>b<tr><th>c</table>y<table>\n<thead><tr><td>h</td></tr></thead>\n<tbody><tr><td><p>p<div>d</div></td></tr></tbody></table>",
        "<table><td>implied tbody and tr</td></table><table><tbody><tr><td><table><tr><td>nested</td></tr></table></td></tr></tbody></table>",
        "<table> <!-- c --> <tr> <td><b>bold</td><td>x</table><td>stray</td><tr>",
        "<table><tr><td>a</th></td></tr></tbody></table><table><tbody><tr></tbody><tbody></table>",
        "<table><style>s</style><tr><script>x</script><td>a</tr></tr></table>",
        "\u{FEFF}<p>byte order mark</p>\u{FEFF}",
        "<p>x<form action=s><form><input type=text name=q><button>Go</button></form></form>y",
        "<textarea>\nkept &amp; decoded</textarea><script><!-- if (a < b) x(); //--></script><!--[endif]----><!---x-->",
        "<meta charset=utf-8/><meta http-equiv=Content-Type content=\"text/html; charset=utf-8\"><p>x",
        "<!DOCTYPE html><p>x<!doctype html PUBLIC \"a>b\">y<pre><!DOCTYPE html>\nz</pre><pre><head>\nw",
        "<p>Intro<div>block</div></p>",
        "<div/>text<span/>x<br/>",
        "</p><p>a</blockquote></p></br><br></br></img></section></h2></body></html></head>",
        "<script>a < b</script><style>p { }</STYLE ></style><script></script ><iframe src=x><p>raw</p></iframe>",
        "<noscript><img src=x></noscript><noembed>a</noembed><title>T &amp; U &copy</title>",
        "<html lang=en><head><meta name=x content=y><title>T</title><link rel=x href=y></head><body class=b><p>x</body></html>",
        "<custom-el>x</custom-el><o:p></o:p><media:credit scheme=\"a\">Photo</media:credit><video poster=x><source src=y></video>",
        "&copy2 &amp &quotWhy &notin &ampx; <a href=\"?a=1&note=2&copy=3&not&para;x&amp=\">u</a>",
        "<div><p>implied end<ol><li><p>x</ol><dl><dt>t<dd><p>d</dl><h2><p>h</h2>",
        "<a href=\"x\" title=''>empty title</a><a href=y target=_blank>z</a>",
        "<p>video<iframe allowFullScreen='true' src='v' />left open <p>to the end</ifr",
        "<title>unclosed &amp; decoded",
        "<textarea>\nunclosed",
        "<noscript><p>x",
        "<p><span>x</p><div><span/><br/></div><h2><strong>t</strong> <span>00:10</h2>",
        "<ul><li><span>a<li>b</ul><p><x-y>c<div>d</div>",
        // Formatting elements a block or an end tag closed are opened again.
        "<p>one <em>two</p> three",
        "<b><i>x</b></i>",
        "<p><em>x<div>y</div></em></p>",
        "<div><em>x</div>",
        "<p><b>x<div>y</div>",
        "<li><em>a<li>b",
        "<p>x\n<a class=anchor href=\"#s\"><h2 id=\"s\">Section</h2></a>\n<p>y",
        "<p><b class=c><i>x</p><span>y</span><img src=z><br>w</b>",
        "<p><b>x<table><tr><td>in cell<p><i>y</p>z</td></tr></table>after",
        "<p><a href=1>x</p><a href=2>y</a>",
        "<p><b>x</p></br>",
        "<p><b><b><b><b>x</p>y</b>",
        "<b><p><b><b><b>x</p></b>y",
        "<p><b title=1><b title=2><b title=1><b title=1>x</p>y",
    ];
    for html in accepted {
        assert!(check(html), "declined {html:?}");
    }
}

#[test]
fn markup_html5ever_repairs_is_left_to_it() {
    let declined = [
        "<table><tr><td>x</td></tr>text in table</table>",
        "<table><p>foster</p></table>",
        "<table><tr><td>a</td></tr><caption>c</caption></table>",
        "<b><table><tr><td>x</b></td></tr></table>",
        "<a href=1>one <a href=2>two</a></a>",
        "<h2>a<h3>b</h3></h2>",
        "<p a=1 a=2>dup</p>",
        "<p a=\"1\"b=2>x</p>",
        "<p \"a>x</p>",
        "<p a=b\"c>x</p>",
        "<![CDATA[x]]>",
        "<?php x ?>",
        "<!-->",
        "<!-- x --!> y -->",
        "<!-- unclosed",
        "&#; &#x; &#12 &#123456789;",
        "<p>nul\0</p>",
        "<li><ul></li>",
        "<script><!-- <script> --></script>",
        "<button>a<button>b",
        "<script></script>\u{FEFF}",
        "<meta charset=utf-8>\u{FEFF}",
        "<form><div></form>",
        "<h2>a</h3>",
        "<script>unclosed",
        "<form><span>x</form>y",
        "<b><p>x</b>y",
        "<a href=1><div><a href=2>x</a></div></a>",
        "<h2>x</h3>",
        "<svg><p>breaks out</p></svg>",
        "<svg><title><b>html in svg</b></title></svg>",
        "<svg><script>x</script></svg>",
        "<svg><g></svg>",
        "<math><mi>x</mi></math>",
        "<p>unterminated <a href=\"x",
        "<p",
        "</p x>",
        "<p/ >",
    ];
    for html in declined {
        assert!(!check(html), "accepted {html:?}");
    }
}

/// Fragments from a small grammar of the markup feeds carry, often broken on purpose.
fn fragment() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        4 => "[a-zA-Z ,.\n]{0,12}",
        1 => prop::sample::select(vec![
            "&amp;", "&lt;", "&nbsp;", "&#8217;", "&#x201C;", "&#150;", "&#0;", "&copy",
            "&copy;", "&foo;", "& ", "&", "<", "< ", "<3", "\r\n", "\r", "<!-- c -->", "<!---->",
            "<!-->", "<!", "</", "</ p>", "\u{e9}", "\u{1F600}", "\u{FEFF}", "<!DOCTYPE html>",
        ])
        .prop_map(str::to_string),
        3 => (
            prop::sample::select(vec![
                "p", "P", "div", "span", "em", "a", "b", "i", "li", "ul", "ol", "dd", "dt",
                "dl", "h2", "h3", "pre", "br", "img", "hr", "blockquote", "figure", "code",
                "table", "td", "script", "font", "source", "picture", "nobr", "x-y", "o:p",
                "iframe", "style", "title", "noscript", "html", "head", "body", "meta", "section",
                "form", "button", "input", "textarea", "table", "tbody", "tr", "td", "th",
                "thead", "caption", "svg", "path", "clipPath", "g", "desc",
            ]),
            prop::sample::select(vec![
                "", " class=\"c\"", " href='h?a=1&b=2'", " src=x", " a=1 a=2", " title=\"&quot;q&quot;\"",
                " data-x", " /", "/", " x=\"1\"y=2", " alt=\"a\r\nb\"", " HREF=U",
                " viewBox=\"0 0 1 1\"", " xlink:href=#a", " xmlns=\"http://www.w3.org/2000/svg\"",
            ]),
            prop::bool::ANY,
        )
            .prop_map(|(name, attrs, end)| match end {
                true => format!("</{name}>"),
                false => format!("<{name}{attrs}>"),
            }),
    ];
    prop::collection::vec(piece, 0..24).prop_map(|pieces| pieces.concat())
}

proptest! {
    #![proptest_config(ProptestConfig {
        // FEEDSIFT_FUZZ_CASES raises it for longer runs, as in tests/robustness_properties.rs.
        cases: std::env::var("FEEDSIFT_FUZZ_CASES")
            .ok()
            .and_then(|c| c.parse().ok())
            .unwrap_or(2000),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn generated_fragments_parse_as_html5ever_does(html in fragment()) {
        check(&html);
    }
}

/// The publisher fixtures and, when `../shared` is there, every feed item and article page
/// of the corpus: each tree the quick parser builds is html5ever's.
#[test]
fn corpus_documents_parse_as_html5ever_does() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut documents = fixture_items(&root.join("tests/fixtures/publishers"));
    let corpus = root.join("../shared/corpus");
    if corpus.is_dir() {
        documents.extend(fixture_items(&corpus.join("feeds")));
        documents.extend(pages(&corpus.join("extraction")));
    } else {
        eprintln!("skipped the corpus part: {} is not there", corpus.display());
    }
    let accepted = documents.iter().filter(|html| check(html)).count();
    eprintln!(
        "quick parser took {accepted} of {} documents",
        documents.len()
    );
    assert!(
        accepted * 2 > documents.len(),
        "{accepted} of {}",
        documents.len()
    );
}

fn fixture_items(dir: &Path) -> Vec<String> {
    let base = url::Url::parse("https://example.com/").expect("a valid URL");
    let mut out = Vec::new();
    for path in files::files_under(dir) {
        let Some(feed) = files::read_maybe_gzipped(&path)
            .and_then(|bytes| crate::parse::parse_feed(&bytes, &base).ok())
        else {
            continue;
        };
        for item in feed.items {
            out.extend(item.content_html);
            out.extend(item.summary_html);
            out.push(item.title_html);
        }
    }
    out
}

fn pages(dir: &Path) -> Vec<String> {
    files::files_under(dir)
        .into_iter()
        .filter(|p| {
            let name = p.to_string_lossy();
            (name.ends_with(".html") || name.ends_with(".html.gz"))
                && !name.ends_with("expected.html")
        })
        .filter_map(|p| files::read_maybe_gzipped(&p))
        .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
        .collect()
}
