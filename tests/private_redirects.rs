//! Redirects from a public feed into private address space are refused unless the feed sets
//! `allow_private = true`; a feed configured with a private URL may go where it likes.
//!
//! A loopback server cannot be a public host, so the test server also plays an HTTP proxy
//! (`HTTP_PROXY`): requests for `http://news.example/…`, `http://10.0.0.7/…` and the like
//! reach it in absolute form, and its routes are keyed by the full URL. feedsift checks each
//! redirect target before it asks for it, so a refused target never reaches the proxy.

mod common;

use common::{Route, Server, Workspace, item, rss};

const PUBLIC_FEED: &str = "http://news.example/feed";

fn story(guid: &str) -> String {
    rss(
        "Inside",
        &[item(
            guid,
            &format!("https://news.example/{guid}"),
            &format!("Story {guid}"),
            "<p>Text that only a machine inside the network can see.</p>",
        )],
    )
}

fn run_through_proxy(server: &Server, config: &str) -> Workspace {
    let ws = Workspace::new(config);
    let out = ws
        .command(&["fetch"])
        .env("HTTP_PROXY", &server.base)
        .env("http_proxy", &server.base)
        .env_remove("NO_PROXY")
        .env_remove("no_proxy")
        .output()
        .unwrap();
    assert!(out.status.code().is_some(), "{}", common::stderr(&out));
    ws
}

fn error_of(ws: &Workspace, name: &str) -> Option<String> {
    let feeds = ws.feeds_json();
    let row = feeds
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == name)
        .cloned()
        .unwrap();
    row["last_error"].as_str().map(str::to_string)
}

#[test]
fn a_public_feed_redirected_inside_is_refused() {
    let server = Server::start();
    let loopback = server.url("/secret");
    let targets = [
        ("loopback", loopback.as_str()),
        ("metadata", "http://169.254.169.254/latest/meta-data/"),
        ("private", "http://10.0.0.7/feed"),
        ("private-172", "http://172.20.1.1/feed"),
        ("private-192", "http://192.168.0.1/feed"),
        ("localhost", "http://localhost:9/feed"),
        ("ipv6-loopback", "http://[::1]:9/feed"),
    ];
    let mut config = String::new();
    for (name, target) in targets {
        let from = format!("{PUBLIC_FEED}/{name}");
        server.set(&from, Route::redirect(302, target));
        server.set(target, Route::feed(story(name)));
        config.push_str(&format!("[[feeds]]\nname = \"{name}\"\nurl = \"{from}\"\n"));
    }
    let ws = run_through_proxy(&server, &config);
    for (name, target) in targets {
        let error = error_of(&ws, name).unwrap_or_else(|| panic!("{name} was not refused"));
        assert!(
            error.contains("refused the redirect") && error.contains("allow_private = true"),
            "{name}: {error}"
        );
        assert!(
            server.seen(target).is_empty(),
            "{name}: the private target was requested"
        );
    }
    assert_eq!(common::count_rows(&ws, "articles"), 0);
}

#[test]
fn allow_private_lets_the_redirect_through_and_a_private_feed_goes_anywhere() {
    let server = Server::start();
    let inside = "http://10.0.0.7/feed";
    server.set(
        &format!("{PUBLIC_FEED}/allowed"),
        Route::redirect(302, inside),
    );
    server.set(inside, Route::feed(story("allowed")));
    // Configured with a loopback URL by the admin: may be redirected to another private host.
    let direct = server.url("/direct");
    server.set(&direct, Route::redirect(302, "http://192.168.7.7/feed"));
    server.set("http://192.168.7.7/feed", Route::feed(story("direct")));
    // A public feed redirected to another public host is of course fine.
    server.set(
        &format!("{PUBLIC_FEED}/public"),
        Route::redirect(301, "http://cdn.example/feed"),
    );
    server.set("http://cdn.example/feed", Route::feed(story("public")));
    let config = format!(
        "[[feeds]]\nname = \"allowed\"\nurl = \"{PUBLIC_FEED}/allowed\"\nallow_private = true\n\
         [[feeds]]\nname = \"direct\"\nurl = \"{direct}\"\n\
         [[feeds]]\nname = \"public\"\nurl = \"{PUBLIC_FEED}/public\"\n"
    );
    let ws = run_through_proxy(&server, &config);
    for name in ["allowed", "direct", "public"] {
        assert_eq!(error_of(&ws, name), None, "{name}");
    }
    assert_eq!(common::count_rows(&ws, "articles"), 3);
}
