//! FeedBurner's `<feedburner:origLink>`: FeedBurner rewrites each item's link to a
//! `feedproxy.google.com` redirect and keeps the publisher's URL in this element, which
//! feed-rs does not read. The publisher's URL is the one other feeds carry, so it is the one
//! dedup must see.

use quick_xml::Reader;
use quick_xml::events::Event;

/// The `origLink` of each item or entry, in document order; `None` when the document has
/// none or cannot be read to its end (the links then stay as feed-rs gave them).
pub fn orig_links(body: &[u8]) -> Option<Vec<Option<String>>> {
    memchr::memmem::find(body, b"origLink")?;
    let mut reader = Reader::from_reader(body);
    let mut buf = Vec::new();
    let mut links = Vec::new();
    let (mut item_depth, mut in_orig) = (None::<usize>, false);
    let mut depth = 0usize;
    let mut raw = String::new();
    loop {
        match reader.read_event_into(&mut buf).ok()? {
            Event::Start(e) => {
                depth += 1;
                let name = e.local_name();
                if item_depth.is_none() && is_item(name.as_ref()) {
                    item_depth = Some(depth);
                    links.push(None);
                } else if item_depth.is_some() && name.as_ref() == "origLink" {
                    in_orig = true;
                    raw.clear();
                }
            }
            Event::Empty(e) if item_depth.is_none() && is_item(e.local_name().as_ref()) => {
                links.push(None);
            }
            Event::Text(t) if in_orig => raw.push_str(&t),
            Event::GeneralRef(r) if in_orig => {
                raw.push_str(&format!("&{};", &*r));
            }
            Event::CData(c) if in_orig => {
                raw.push_str(&quick_xml::escape::escape(&*c));
            }
            Event::End(_) => {
                if in_orig {
                    in_orig = false;
                    let link = quick_xml::escape::unescape(&raw).ok()?.trim().to_string();
                    if let Some(slot) = links.last_mut().filter(|_| !link.is_empty()) {
                        *slot = Some(link);
                    }
                }
                if item_depth == Some(depth) {
                    item_depth = None;
                }
                depth = depth.saturating_sub(1);
            }
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    Some(links)
}

fn is_item(local_name: &str) -> bool {
    matches!(local_name, "item" | "entry")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_each_items_orig_link_in_order() {
        let rss = br#"<rss xmlns:feedburner="http://rssnamespace.org/feedburner/ext/1.0"><channel>
            <item><link>http://feedproxy.google.com/~r/x/~3/a</link>
              <feedburner:origLink>https://blog.example/a?x=1&amp;y=2</feedburner:origLink></item>
            <item><link>https://blog.example/b</link></item>
            <item><feedburner:origLink><![CDATA[https://blog.example/c]]></feedburner:origLink></item>
            </channel></rss>"#;
        assert_eq!(
            orig_links(rss),
            Some(vec![
                Some("https://blog.example/a?x=1&y=2".to_string()),
                None,
                Some("https://blog.example/c".to_string()),
            ])
        );
        assert_eq!(orig_links(b"<rss><channel><item/></channel></rss>"), None);
    }
}
