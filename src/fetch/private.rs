//! Redirects into private address space. A feed on a public host that redirects to loopback,
//! a private network, link-local or a cloud metadata address would let any publisher make the
//! daemon fetch (and store, and export) what only this machine can reach. Such a redirect is
//! refused unless the feed sets `allow_private = true`.
//!
//! A feed whose configured URL is itself private (an IP in those ranges, `localhost`, an
//! intranet name) was chosen by the admin, and may go anywhere; so may a redirect that stays on
//! the configured host. The target is checked by name, by IP literal and by what its name
//! resolves to. Left open: a name that resolves differently when reqwest connects a moment
//! later (DNS rebinding) is not caught here.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use url::{Host, Url};

use super::FetchError;

/// Refuses a redirect from the feed's `configured` URL to `next` when it leads into private
/// space and the feed may not go there.
pub(super) async fn check_redirect(
    configured: &Url,
    next: &Url,
    allow_private: bool,
) -> Result<(), FetchError> {
    if allow_private || next.host_str() == configured.host_str() || is_private_host(configured) {
        return Ok(());
    }
    let Some(kind) = private_target(next).await else {
        return Ok(());
    };
    Err(FetchError::PrivateRedirect {
        url: configured.to_string(),
        target: next.to_string(),
        kind,
    })
}

/// What kind of private address `url` names or resolves to, if any.
async fn private_target(url: &Url) -> Option<&'static str> {
    match url.host()? {
        Host::Ipv4(ip) => private_kind(IpAddr::V4(ip)),
        Host::Ipv6(ip) => private_kind(IpAddr::V6(ip)),
        Host::Domain(name) => {
            if let Some(kind) = private_name(name) {
                return Some(kind);
            }
            let port = url.port_or_known_default().unwrap_or(80);
            // A name that does not resolve is no private target: the request fails on its own.
            let addresses = tokio::net::lookup_host((name, port)).await.ok()?;
            addresses.map(|a| a.ip()).find_map(private_kind)
        }
    }
}

/// The configured URL names a private host by IP literal or by name (no DNS: what the admin
/// wrote is what counts).
pub fn is_private_host(url: &Url) -> bool {
    match url.host() {
        Some(Host::Ipv4(ip)) => private_kind(IpAddr::V4(ip)).is_some(),
        Some(Host::Ipv6(ip)) => private_kind(IpAddr::V6(ip)).is_some(),
        Some(Host::Domain(name)) => private_name(name).is_some(),
        None => false,
    }
}

/// Names that only resolve inside a machine or a local network.
fn private_name(name: &str) -> Option<&'static str> {
    let name = name.trim_end_matches('.').to_ascii_lowercase();
    let under = |suffix: &str| name == suffix || name.ends_with(&format!(".{suffix}"));
    if under("localhost") {
        Some("loopback")
    } else if name == "metadata.google.internal" {
        Some("cloud metadata")
    } else if ["local", "internal", "lan", "home.arpa", "intranet", "corp"]
        .iter()
        .any(|s| under(s))
        || !name.contains('.')
    {
        Some("local network")
    } else {
        None
    }
}

/// Loopback, private (RFC 1918, IPv6 unique local), shared (CGNAT), link-local (which holds
/// the 169.254.169.254 metadata service), unspecified and broadcast addresses.
pub fn private_kind(ip: IpAddr) -> Option<&'static str> {
    match ip {
        IpAddr::V4(v4) => private_v4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => private_v4(v4),
            None => private_v6(v6),
        },
    }
}

fn private_v4(ip: Ipv4Addr) -> Option<&'static str> {
    let [a, b, ..] = ip.octets();
    if ip.is_loopback() {
        Some("loopback")
    } else if ip == Ipv4Addr::new(169, 254, 169, 254) {
        Some("cloud metadata")
    } else if ip.is_link_local() {
        Some("link-local")
    } else if ip.is_private() || (a == 100 && (64..128).contains(&b)) {
        Some("private network")
    } else if ip.is_unspecified() || ip.is_broadcast() || a == 0 {
        Some("unspecified")
    } else {
        None
    }
}

fn private_v6(ip: Ipv6Addr) -> Option<&'static str> {
    let first = ip.segments()[0];
    if ip.is_loopback() {
        Some("loopback")
    } else if ip.is_unspecified() {
        Some("unspecified")
    } else if first & 0xffc0 == 0xfe80 {
        Some("link-local")
    } else if first & 0xfe00 == 0xfc00 {
        Some("private network")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    #[test]
    fn private_addresses_by_kind() {
        let kind = |s: &str| private_kind(s.parse().unwrap());
        for (ip, expected) in [
            ("127.0.0.1", Some("loopback")),
            ("127.8.9.10", Some("loopback")),
            ("10.1.2.3", Some("private network")),
            ("172.16.0.1", Some("private network")),
            ("172.31.255.255", Some("private network")),
            ("172.32.0.1", None),
            ("192.168.1.1", Some("private network")),
            ("100.64.0.1", Some("private network")),
            ("169.254.169.254", Some("cloud metadata")),
            ("169.254.1.1", Some("link-local")),
            ("0.0.0.0", Some("unspecified")),
            ("8.8.8.8", None),
            ("::1", Some("loopback")),
            ("fe80::1", Some("link-local")),
            ("fd00:ec2::254", Some("private network")),
            ("::ffff:10.0.0.1", Some("private network")),
            ("2606:4700::1111", None),
        ] {
            assert_eq!(kind(ip), expected, "{ip}");
        }
    }

    #[test]
    fn configured_hosts_the_admin_chose() {
        assert!(is_private_host(&url("http://localhost:8080/feed")));
        assert!(is_private_host(&url("http://[::1]/feed")));
        assert!(is_private_host(&url("http://intranet/feed")));
        assert!(is_private_host(&url("http://wiki.corp/feed")));
        assert!(!is_private_host(&url("https://blog.example.com/feed")));
    }

    #[tokio::test]
    async fn a_public_feed_may_not_be_redirected_inside() {
        let public = url("https://news.example.com/feed");
        for target in [
            "http://127.0.0.1/x",
            "http://localhost:9000/",
            "http://169.254.169.254/latest/meta-data/",
            "http://10.0.0.5/feed",
            "http://[fe80::1]/",
            "http://metadata.google.internal/",
        ] {
            let refused = check_redirect(&public, &url(target), false).await;
            assert!(
                matches!(refused, Err(FetchError::PrivateRedirect { .. })),
                "{target}"
            );
            assert!(check_redirect(&public, &url(target), true).await.is_ok());
        }
        let private = url("http://192.168.1.10/feed");
        assert!(
            check_redirect(&private, &url("http://127.0.0.1/"), false)
                .await
                .is_ok()
        );
        let same_host = url("https://news.example.com/moved");
        assert!(check_redirect(&public, &same_host, false).await.is_ok());
    }
}
