//! The benchmark's corpus: N feeds of M WordPress-like items, written to a folder as the
//! loopback server serves them (`f{i}.xml`, its gzip in `f{i}.xml.gz`, and its ETag).
//!
//! Everything follows from the seed, so two runs (and two machines) serve the same bytes.
//! Two feeds in three are RSS 2.0 as WordPress writes it (content:encoded, dc:creator, an
//! excerpt with "The post X appeared first on Y."), one in three Atom 1.0. Each article has
//! 5-12 paragraphs with inline links, emphasis and code, a figure with srcset, a tracking
//! pixel, a share bar and a related-posts block. About one item in ten is a copy of another
//! feed's story: half under the original link with tracking parameters, half under the
//! copying site's own URL, each with the copying site's own footer.
//!
//! A later edition of the same feeds (`later/`) is what they serve some hours on: each feed
//! has `new` items more on top, and its `new` oldest are gone, as a publisher's fixed-size
//! window moves. Its new items follow the same rules (one in ten is a copy).

use std::io::Write;
use std::path::Path;

use flate2::Compression;
use flate2::write::GzEncoder;

use crate::synth::{Rng, Vocabulary};

/// The size of the corpus; `seed` makes it reproducible.
#[derive(Debug, Clone, Copy)]
pub struct Shape {
    pub feeds: usize,
    pub items: usize,
    pub seed: u64,
}

/// Which edition of the feeds: the first, or the later one with `new` items more in each.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Edition {
    First,
    Later { new: usize },
}

impl Edition {
    /// The folder the edition is written to, under the corpus folder.
    pub fn folder(self) -> &'static str {
        match self {
            Edition::First => "",
            Edition::Later { .. } => "later",
        }
    }

    /// The Last-Modified the server sends with it (the later one a day on).
    pub fn last_modified(self) -> &'static str {
        match self {
            Edition::First => "Sat, 01 Nov 2025 08:00:00 GMT",
            Edition::Later { .. } => "Sun, 02 Nov 2025 08:00:00 GMT",
        }
    }

    /// Ages of the items the feed lists, newest first: 0 is the first edition's newest item,
    /// and the later edition's new items have negative ages.
    fn ranks(self, items: usize) -> std::ops::Range<i64> {
        let new = match self {
            Edition::First => 0,
            Edition::Later { new } => new as i64,
        };
        -new..items as i64 - new
    }
}

/// What was written: totals for the report.
#[derive(Debug, Default)]
pub struct Written {
    pub xml_bytes: u64,
    pub gzip_bytes: u64,
    pub items: usize,
    pub copies: usize,
}

/// The ETag and Last-Modified the server sends for every feed of the corpus.
pub fn etag(path: &Path) -> String {
    let bytes = std::fs::read(path).unwrap_or_default();
    format!("\"{}\"", &blake3::hash(&bytes).to_hex()[..16])
}

/// Writes an edition of the corpus into its folder under `dir`, one feed at a time (memory
/// stays at one feed).
pub fn generate(dir: &Path, shape: Shape, edition: Edition) -> std::io::Result<Written> {
    let dir = dir.join(edition.folder());
    std::fs::create_dir_all(&dir)?;
    let vocab = Vocabulary::new(30_000);
    let mut written = Written::default();
    for feed in 0..shape.feeds {
        let xml = feed_xml(&vocab, shape, edition, feed, &mut written);
        std::fs::write(dir.join(format!("f{feed}.xml")), &xml)?;
        let mut gz = GzEncoder::new(Vec::new(), Compression::default());
        gz.write_all(xml.as_bytes())?;
        let gz = gz.finish()?;
        std::fs::write(dir.join(format!("f{feed}.xml.gz")), &gz)?;
        written.xml_bytes += xml.len() as u64;
        written.gzip_bytes += gz.len() as u64;
    }
    Ok(written)
}

/// One story: everything that is the same in every copy of it.
struct Story {
    site: usize,
    post: usize,
    title: String,
    slug: String,
    author: String,
    category: String,
    paragraphs: Vec<String>,
    hours_ago: i64,
}

impl Story {
    /// Story `post` of `site`, `rank` items from the first edition's newest.
    fn new(vocab: &Vocabulary, seed: u64, site: usize, post: usize, rank: i64) -> Story {
        let mut rng = Rng::new(seed ^ ((site as u64) << 20) ^ post as u64);
        let title = title_case(&vocab.sentence(&mut rng));
        let title = title.trim_end_matches('.').to_string();
        let slug = slug(&title);
        let author = format!(
            "{} {}",
            title_case(&vocab.sentence(&mut rng))
                .split(' ')
                .next()
                .unwrap_or("Kim"),
            ["Okafor", "Lindqvist", "Moreau", "Tanaka", "Silva", "Novak"][rng.below(6)]
        );
        let category =
            ["News", "Tech", "Science", "Culture", "Business", "Opinion"][rng.below(6)].to_string();
        let count = rng.range(5, 12);
        let paragraphs = (0..count)
            .map(|_| paragraph(vocab, &mut rng, site))
            .collect();
        Story {
            site,
            post,
            title,
            slug,
            author,
            category,
            paragraphs,
            hours_ago: rank * 7 + (site % 24) as i64,
        }
    }

    fn id(&self) -> usize {
        10_000 + self.site * 1_000 + self.post
    }

    fn link(&self) -> String {
        format!("https://site{}.example/2025/10/{}/", self.site, self.slug)
    }
}

/// A paragraph of 4-8 sentences, some words wrapped in inline markup.
fn paragraph(vocab: &Vocabulary, rng: &mut Rng, site: usize) -> String {
    let sentences = rng.range(4, 8);
    let mut words: Vec<String> = Vec::new();
    for _ in 0..sentences {
        words.extend(vocab.sentence(rng).split(' ').map(str::to_string));
    }
    for word in words.iter_mut() {
        let roll = rng.below(100);
        *word = match roll {
            0..=1 => format!("<a href=\"https://site{site}.example/tag/{word}/\">{word}</a>"),
            2 => format!("<em>{word}</em>"),
            3 => format!("<strong>{word}</strong>"),
            4 if !word.ends_with('.') => format!("<code>{word}</code>"),
            _ => continue,
        };
    }
    words.join(" ")
}

fn title_case(sentence: &str) -> String {
    let mut chars = sentence.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

fn slug(title: &str) -> String {
    title
        .split_whitespace()
        .take(6)
        .collect::<Vec<_>>()
        .join("-")
        .to_lowercase()
}

/// The post number of the item `rank` items from the first edition's newest: the first
/// edition's are 0..items, the later edition's new ones follow.
fn post_of(rank: i64, items: usize) -> usize {
    if rank >= 0 {
        rank as usize
    } else {
        items + (-rank - 1) as usize
    }
}

/// Which story the item `rank` of `site` carries: its own, or (one in ten) another site's,
/// from that site's first edition.
fn story_for(vocab: &Vocabulary, shape: Shape, site: usize, rank: i64) -> (Story, Copy, usize) {
    let post = post_of(rank, shape.items);
    let mut rng = Rng::new(shape.seed ^ 0xc0_91e5 ^ ((site as u64) << 24) ^ post as u64);
    if site > 0 && rng.chance(10) {
        let origin = rng.below(site);
        let origin_post = rng.below(shape.items);
        let copy = if rng.chance(50) {
            Copy::TrackedLink
        } else {
            Copy::OwnUrl
        };
        let story = Story::new(vocab, shape.seed, origin, origin_post, origin_post as i64);
        return (story, copy, post);
    }
    (
        Story::new(vocab, shape.seed, site, post, rank),
        Copy::Own,
        post,
    )
}

#[derive(Clone, Copy, PartialEq)]
enum Copy {
    Own,
    TrackedLink,
    OwnUrl,
}

/// An item of `site`: the link, guid and date under which it carries `story`.
struct Placed<'a> {
    story: &'a Story,
    site: usize,
    link: String,
    guid: String,
    date: chrono::DateTime<chrono::Utc>,
}

fn place(story: &Story, copy: Copy, site: usize, post: usize) -> Placed<'_> {
    let link = match copy {
        Copy::Own => story.link(),
        Copy::TrackedLink => format!(
            "{}?utm_source=site{site}&utm_medium=rss&utm_campaign=feed",
            story.link()
        ),
        Copy::OwnUrl => format!("https://site{site}.example/2025/10/{}/", story.slug),
    };
    let id = 10_000 + site * 1_000 + post;
    let base = chrono::DateTime::parse_from_rfc3339("2025-11-01T08:00:00Z")
        .map(|d| d.to_utc())
        .unwrap_or_default();
    Placed {
        story,
        site,
        link,
        guid: format!("https://site{site}.example/?p={id}"),
        date: base - chrono::Duration::hours(story.hours_ago + copy as i64),
    }
}

/// The article's HTML as WordPress puts it into content:encoded.
fn content_html(p: &Placed) -> String {
    let s = p.story;
    let mut html = String::with_capacity(12_000);
    for (n, para) in s.paragraphs.iter().enumerate() {
        if n == 2 {
            html.push_str(&figure(s));
        }
        html.push_str("<p>");
        html.push_str(para);
        html.push_str("</p>\n");
    }
    html.push_str(&format!(
        "<div class=\"sharedaddy sd-sharing-enabled\"><div class=\"robots-nocontent sd-block sd-social sd-social-icon-text\">\
         <h3 class=\"sd-title\">Share this:</h3><div class=\"sd-content\"><ul>\
         <li class=\"share-twitter\"><a rel=\"nofollow noopener noreferrer\" class=\"share-twitter sd-button share-icon\" href=\"{0}?share=twitter\" target=\"_blank\" title=\"Click to share on Twitter\"><span>Twitter</span></a></li>\
         <li class=\"share-facebook\"><a rel=\"nofollow noopener noreferrer\" class=\"share-facebook sd-button share-icon\" href=\"{0}?share=facebook\" target=\"_blank\" title=\"Click to share on Facebook\"><span>Facebook</span></a></li>\
         <li class=\"share-email\"><a rel=\"nofollow noopener noreferrer\" class=\"share-email sd-button share-icon\" href=\"mailto:?subject=%5BShared%20Post%5D&amp;body={0}\" target=\"_blank\" title=\"Click to email a link to a friend\"><span>Email</span></a></li>\
         </ul></div></div></div>\n",
        p.link
    ));
    html.push_str(&format!(
        "<div id=\"jp-relatedposts\" class=\"jp-relatedposts\"><h3 class=\"jp-relatedposts-headline\"><em>Related</em></h3>\
         <ul class=\"related-posts\">\
         <li><a href=\"https://site{0}.example/2025/09/{1}-a/\">More on {1}</a></li>\
         <li><a href=\"https://site{0}.example/2025/08/{1}-b/\">Why {1} matters</a></li>\
         <li><a href=\"https://site{0}.example/2025/07/{1}-c/\">{1}: a look back</a></li></ul></div>\n",
        p.site, s.category
    ));
    html.push_str(&format!(
        "<img src=\"https://pixel.wp.com/b.gif?host=site{0}.example&amp;blog={0}&amp;post={1}&amp;subd=site{0}&amp;ref=&amp;feed=1\" width=\"1\" height=\"1\" style=\"display:none\" alt=\"\" />\n",
        p.site,
        s.id()
    ));
    html.push_str(&footer(p));
    html
}

fn figure(s: &Story) -> String {
    let src = format!(
        "https://site{}.example/wp-content/uploads/2025/10/{}-1024x683.jpg",
        s.site, s.slug
    );
    format!(
        "<figure class=\"wp-block-image size-large\"><img decoding=\"async\" loading=\"lazy\" width=\"1024\" height=\"683\" src=\"{src}\" \
         alt=\"{title}\" class=\"wp-image-{id}\" srcset=\"{src} 1024w, {src}?w=300 300w, {src}?w=768 768w, {src}?w=1536 1536w\" \
         sizes=\"(max-width: 1024px) 100vw, 1024px\" /><figcaption class=\"wp-element-caption\">{title} (Photo: {author})</figcaption></figure>\n",
        title = s.title,
        id = s.id(),
        author = s.author,
    )
}

fn footer(p: &Placed) -> String {
    format!(
        "<p>The post <a rel=\"nofollow\" href=\"{}\">{}</a> appeared first on <a rel=\"nofollow\" href=\"https://site{}.example\">Site {}</a>.</p>\n",
        p.link, p.story.title, p.site, p.site
    )
}

/// The excerpt WordPress puts into description/summary: 55 words, "[&#8230;]", the footer.
fn excerpt_html(p: &Placed) -> String {
    let text = strip_tags(p.story.paragraphs.first().map_or("", String::as_str));
    let words: Vec<&str> = text.split_whitespace().take(55).collect();
    format!("<p>{} [&#8230;]</p>\n{}", words.join(" "), footer(p))
}

fn strip_tags(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out
}

fn feed_xml(
    vocab: &Vocabulary,
    shape: Shape,
    edition: Edition,
    site: usize,
    written: &mut Written,
) -> String {
    let atom = site % 3 == 2;
    let mut entries = String::with_capacity(shape.items * 10_000);
    for rank in edition.ranks(shape.items) {
        let (story, copy, post) = story_for(vocab, shape, site, rank);
        let placed = place(&story, copy, site, post);
        written.items += 1;
        written.copies += usize::from(copy != Copy::Own);
        entries.push_str(&if atom {
            atom_entry(&placed)
        } else {
            rss_item(&placed)
        });
    }
    if atom {
        atom_feed(site, &entries)
    } else {
        rss_feed(site, &entries)
    }
}

fn rss_item(p: &Placed) -> String {
    format!(
        "\t<item>\n\t\t<title>{title}</title>\n\t\t<link>{link}</link>\n\
         \t\t<comments>{link}#respond</comments>\n\
         \t\t<dc:creator><![CDATA[{author}]]></dc:creator>\n\
         \t\t<pubDate>{date}</pubDate>\n\
         \t\t<category><![CDATA[{category}]]></category>\n\
         \t\t<guid isPermaLink=\"false\">{guid}</guid>\n\
         \t\t<description><![CDATA[{excerpt}]]></description>\n\
         \t\t<content:encoded><![CDATA[{content}]]></content:encoded>\n\
         \t\t<wfw:commentRss>{link}feed/</wfw:commentRss>\n\
         \t\t<slash:comments>{comments}</slash:comments>\n\t</item>\n",
        title = p.story.title,
        link = xml_escape(&p.link),
        author = p.story.author,
        date = p.date.to_rfc2822(),
        category = p.story.category,
        guid = p.guid,
        excerpt = excerpt_html(p),
        content = content_html(p),
        comments = p.story.post % 7,
    )
}

fn rss_feed(site: usize, items: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><rss version=\"2.0\"\n\
         \txmlns:content=\"http://purl.org/rss/1.0/modules/content/\"\n\
         \txmlns:wfw=\"http://wellformedweb.org/CommentAPI/\"\n\
         \txmlns:dc=\"http://purl.org/dc/elements/1.1/\"\n\
         \txmlns:atom=\"http://www.w3.org/2005/Atom\"\n\
         \txmlns:sy=\"http://purl.org/rss/1.0/modules/syndication/\"\n\
         \txmlns:slash=\"http://purl.org/rss/1.0/modules/slash/\"\n>\n\
         <channel>\n\t<title>Site {site}</title>\n\
         \t<atom:link href=\"https://site{site}.example/feed/\" rel=\"self\" type=\"application/rss+xml\" />\n\
         \t<link>https://site{site}.example</link>\n\
         \t<description>News and notes from site {site}</description>\n\
         \t<lastBuildDate>Sat, 01 Nov 2025 08:00:00 +0000</lastBuildDate>\n\
         \t<language>en-US</language>\n\t<sy:updatePeriod>hourly</sy:updatePeriod>\n\
         \t<sy:updateFrequency>1</sy:updateFrequency>\n\
         \t<generator>https://wordpress.org/?v=6.8.3</generator>\n{items}</channel>\n</rss>\n"
    )
}

fn atom_entry(p: &Placed) -> String {
    format!(
        "\t<entry>\n\t\t<author>\n\t\t\t<name>{author}</name>\n\t\t</author>\n\
         \t\t<title type=\"html\"><![CDATA[{title}]]></title>\n\
         \t\t<link rel=\"alternate\" type=\"text/html\" href=\"{link}\" />\n\
         \t\t<id>{guid}</id>\n\t\t<updated>{date}</updated>\n\t\t<published>{date}</published>\n\
         \t\t<category scheme=\"https://site{site}.example\" term=\"{category}\" />\n\
         \t\t<summary type=\"html\"><![CDATA[{excerpt}]]></summary>\n\
         \t\t<content type=\"html\" xml:base=\"{link}\"><![CDATA[{content}]]></content>\n\t</entry>\n",
        author = p.story.author,
        title = p.story.title,
        link = xml_escape(&p.link),
        guid = p.guid,
        date = p.date.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        site = p.site,
        category = p.story.category,
        excerpt = excerpt_html(p),
        content = content_html(p),
    )
}

fn atom_feed(site: usize, entries: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><feed\n  xmlns=\"http://www.w3.org/2005/Atom\"\n\
         \txml:lang=\"en-US\"\n\t>\n\t<title type=\"text\">Site {site}</title>\n\
         \t<subtitle type=\"text\">News and notes from site {site}</subtitle>\n\
         \t<updated>2025-11-01T08:00:00Z</updated>\n\
         \t<link rel=\"alternate\" type=\"text/html\" href=\"https://site{site}.example\" />\n\
         \t<id>https://site{site}.example/feed/atom/</id>\n\
         \t<link rel=\"self\" type=\"application/atom+xml\" href=\"https://site{site}.example/feed/atom/\" />\n\
         \t<generator uri=\"https://wordpress.org/\" version=\"6.8.3\">WordPress</generator>\n{entries}</feed>\n"
    )
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
}
