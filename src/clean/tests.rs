use std::collections::HashSet;

use super::*;

#[test]
fn inline_tags_never_glue_words() {
    let html = r#"<p>Despite years, the <em>Rust</em> shooting. Hutchins <a href="x">was</a> shot on the set of <em>Rust</em>, a film.</p>"#;
    assert_eq!(
        clean_text(html),
        "Despite years, the Rust shooting. Hutchins was shot on the set of Rust, a film."
    );
}

#[test]
fn no_space_is_invented_where_the_source_had_none() {
    assert_eq!(
        clean_text("<p>“<em>Last Take</em>.” and <b>bold</b>, <i>x</i>!</p>"),
        "“Last Take.” and bold, x!"
    );
    assert_eq!(clean_text("<p>un<b>believ</b>able</p>"), "unbelievable");
}

#[test]
fn blocks_become_paragraphs() {
    let html = "<h2>Title</h2><p>One\n two</p><div>Three</div><blockquote><p>Four</p></blockquote>";
    assert_eq!(clean_text(html), "Title\n\nOne two\n\nThree\n\nFour");
}

#[test]
fn lists_and_tables() {
    assert_eq!(
        clean_text("<ul><li>a</li><li>b <em>c</em></li></ul><p>after</p>"),
        "- a\n- b c\n\nafter"
    );
    assert_eq!(
        clean_text("<ol start=\"3\"><li>x</li><li>y</li></ol>"),
        "3. x\n4. y"
    );
    assert_eq!(
        clean_text("<ul><li>a<ul><li>nested</li></ul></li></ul>"),
        "- a\n  - nested"
    );
    assert_eq!(
        clean_text("<table><tr><th>k</th><th>v</th></tr><tr><td>1</td><td>2</td></tr></table>"),
        "k | v\n1 | 2"
    );
}

#[test]
fn line_breaks_hard_and_soft() {
    assert_eq!(
        clean_text("<p>Mason attempts to cut<br />\nthrough all the discourse.</p>"),
        "Mason attempts to cut through all the discourse."
    );
    assert_eq!(
        clean_text("<p>1 Main Street<br>Springfield</p>"),
        "1 Main Street\nSpringfield"
    );
    assert_eq!(
        clean_text("<p>First.<br><br>Second.</p>"),
        "First.\n\nSecond."
    );
}

#[test]
fn pre_keeps_its_lines() {
    assert_eq!(
        clean_text("<p>Code:</p><pre>fn main() {\n    println!(\"&amp;\");\n}</pre>"),
        "Code:\n\nfn main() {\n    println!(\"&\");\n}"
    );
}

#[test]
fn entities_spaces_and_invisible_characters() {
    assert_eq!(
        clean_text("<p>It&amp;#8217;s&nbsp;here &amp;amp; there</p>"),
        "It’s here & there"
    );
    assert_eq!(
        clean_text("<p>zero\u{200b}width soft\u{ad}hyphen</p>"),
        "zerowidth softhyphen"
    );
}

#[test]
fn scripts_styles_and_images_are_dropped() {
    let html = "<p>Keep<script>alert(1)</script> this<style>p{}</style>.</p><img src=\"a.jpg\"><iframe src=\"x\">no</iframe>";
    assert_eq!(clean_text(html), "Keep this.");
}

#[test]
fn wordpress_footer_is_removed_from_html_and_text() {
    let html = "<p>Body text.</p>\n<p>The post <a href=\"https://e.com/a\">A &#8216;Title&#8217;</a> appeared first on <a href=\"https://e.com\">Site</a>.</p>";
    let cleaned = clean_fragment(html, None);
    assert_eq!(cleaned.text, "Body text.");
    assert!(!cleaned.html.contains("appeared first"), "{}", cleaned.html);
    assert_eq!(
        clean_text("Set of \"Rust\" The post A Title appeared first on TheWrap."),
        "Set of \"Rust\""
    );
}

#[test]
fn chrome_blocks_go_but_never_the_article() {
    let html = r#"<p>Story.</p><div class="related-article"><h5>Other story</h5><p>Teaser</p></div><p>More story text here.</p>"#;
    assert_eq!(clean_text(html), "Story.\n\nMore story text here.");
    let wrapped = r#"<div class="social-post"><p>The whole article lives in here.</p></div>"#;
    assert_eq!(clean_text(wrapped), "The whole article lives in here.");
}

#[test]
fn sanitized_html_is_safe_and_absolute() {
    let base = Url::parse("https://e.com/posts/1").unwrap();
    let html = r#"<p onclick="x()">Hi <a href="/about">about</a> <a href="javascript:alert(1)">js</a></p><img src="t.gif" width="1" height="1"><script>x</script>"#;
    let out = clean_fragment(html, Some(&base)).html;
    assert!(out.contains(r#"href="https://e.com/about""#), "{out}");
    assert!(
        !out.contains("onclick")
            && !out.contains("javascript:")
            && !out.contains("script")
            && !out.contains("t.gif"),
        "{out}"
    );
}

#[test]
fn titles_are_one_line_of_text() {
    assert_eq!(
        inline_text("x &lt; y &amp;#8217; <b>z</b>\n  w"),
        "x < y ’ z w"
    );
}

/// Golden pairs in `src/clean/testdata`: `NAME.html` must clean to exactly `NAME.txt`.
#[test]
fn golden_pairs() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/clean/testdata");
    let mut checked = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "html") {
            let html = std::fs::read_to_string(&path).unwrap();
            let expected = std::fs::read_to_string(path.with_extension("txt")).unwrap();
            assert_eq!(
                clean_text(&html),
                expected.trim_end(),
                "golden pair {}",
                path.display()
            );
            checked += 1;
        }
    }
    assert!(checked >= 2, "no golden pairs found in {}", dir.display());
}

#[test]
fn excerpts_cut_at_words() {
    assert_eq!(excerpt("Short one.\n\nSecond.", 300), "Short one.");
    assert_eq!(excerpt("one two three four", 10), "one two…");
    assert_eq!(excerpt("abcdefghijklmnop", 5), "abcd…");
}

fn with_title(html: &str, title: &str) -> Cleaned {
    let ctx = Context {
        title,
        ..Context::default()
    };
    clean_item(html, &ctx, &Rules::default(), &HashSet::new())
}

#[test]
fn platform_footers_as_publishers_write_them() {
    // The Conversation's republishing footer, as its partners' feeds carry it.
    let conv = "<p>The study was small.</p><p>This article is republished from <a href=\"https://theconversation.com\">The Conversation</a> under a Creative Commons license. Read the <a href=\"https://theconversation.com/x\">original article</a>.</p>";
    let out = with_title(conv, "A study");
    assert_eq!(out.text, "The study was small.");
    assert!(out.fired.contains(Rule::RepublishedFooter));
    assert!(!out.html.contains("republished"), "{}", out.html);
    // dev.to / Hashnode cross-posts.
    let xpost = "<p><em>Originally published at <a href=\"https://blog.example\">blog.example</a> on May 3, 2024.</em></p><p>Body text here.</p><p>More body.</p>";
    let out = with_title(xpost, "Cross post");
    assert_eq!(out.text, "Body text here.\n\nMore body.");
    assert!(out.fired.contains(Rule::OriginallyPublished));
}

#[test]
fn repeated_title_and_byline_lines_go() {
    let date = chrono::DateTime::parse_from_rfc3339("2024-03-03T10:00:00Z")
        .unwrap()
        .to_utc();
    let ctx = Context {
        title: "Why Rust, again",
        author: Some("Jane Doe"),
        published: Some(date),
        base: None,
    };
    let html = "<h1>Why Rust, Again</h1><p class=\"byline\">By Jane Doe | March 3, 2024</p><p>The article starts here.</p>";
    let out = clean_item(html, &ctx, &Rules::default(), &HashSet::new());
    assert_eq!(out.text, "The article starts here.");
    assert!(out.fired.contains(Rule::TitleRepeat) && out.fired.contains(Rule::BylineRepeat));
    // A body that is only its title keeps it.
    let out = clean_item(
        "<p>Why Rust, again</p>",
        &ctx,
        &Rules::default(),
        &HashSet::new(),
    );
    assert_eq!(out.text, "Why Rust, again");
}

#[test]
fn flattened_footer_is_cut_in_the_html_too() {
    let html = "Set of &quot;Rust&quot; The post <a href=\"https://e.com/a\">A Title</a> appeared first on <a href=\"https://e.com\">TheWrap</a>.";
    let out = clean_fragment(html, None);
    assert_eq!(out.text, "Set of \"Rust\"");
    assert!(
        !out.html.contains("The post") && out.html.contains("Rust"),
        "{}",
        out.html
    );
}

#[test]
fn kept_rules_and_feed_rules_apply() {
    let html = "<p>Body.</p><div class=\"ad-slot\"><p>Ad</p></div><p>Sponsored: mugs</p><p>The post T appeared first on S.</p>";
    let rules = Rules::compile(
        &["div.ad-slot".into()],
        &["^Sponsored:".into()],
        &["wordpress-footer".into()],
    )
    .unwrap();
    let out = clean_item(html, &Context::default(), &rules, &HashSet::new());
    assert_eq!(out.text, "Body.\n\nThe post T appeared first on S.");
    assert!(out.fired.contains(Rule::Remove) && out.fired.contains(Rule::RemoveText));
    assert!(!out.fired.contains(Rule::WordpressFooter));
}

#[test]
fn learned_paragraphs_go_only_at_the_edges_and_never_leave_nothing() {
    let html = "<p>Subscribe to our newsletter.</p><p>Real text one.</p><p>Real text two.</p>";
    let ctx = Context::default();
    let pruned = prune(html, &ctx, &Rules::default());
    let keys: HashSet<u64> = pruned.edges().map(|(k, _)| k).collect();
    let subscribe = learn::key("Subscribe to our newsletter.", "").unwrap();
    assert!(keys.contains(&subscribe));
    let out = pruned.finish(&HashSet::from([subscribe]), &Rules::default());
    assert_eq!(out.text, "Real text one.\n\nReal text two.");
    let alone = clean_item(
        "<p>Subscribe to our newsletter.</p>",
        &ctx,
        &Rules::default(),
        &HashSet::from([subscribe]),
    );
    assert_eq!(alone.text, "Subscribe to our newsletter.");
}
