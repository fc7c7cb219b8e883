//! One rule for "is this on this computer?", used wherever Patchbay decides that plain http is allowed, a link may
//! open, a redirect URI is a loopback one, or a request reached it by a loopback name.
//!
//! This computer is the name `localhost` (any case), an IPv4 loopback address (127.0.0.0/8, in any form the URL
//! standard reads, such as `127.1`) or the IPv6 loopback address `::1`. Nothing else: not `localhost.` (a
//! resolver may send a name with its trailing dot to DNS), not `*.localhost`, not `::ffff:127.0.0.1`, not a name
//! that resolves to 127.0.0.1 (DNS rebinding).

use url::{Host, Url};

/// Whether `host` is this computer.
pub fn is_loopback_host<S: AsRef<str>>(host: &Host<S>) -> bool {
    match host {
        Host::Domain(name) => name.as_ref().eq_ignore_ascii_case("localhost"),
        Host::Ipv4(ip) => ip.is_loopback(),
        Host::Ipv6(ip) => ip.is_loopback(),
    }
}

/// Whether `url` names this computer as its host (whatever its scheme).
pub fn is_loopback_url(url: &Url) -> bool {
    url.host().is_some_and(|h| is_loopback_host(&h))
}

/// Whether `url` is https, or http on this computer: what may carry a token, a code or the person's mail.
pub fn is_https_or_loopback_http(url: &Url) -> bool {
    match url.scheme() {
        "https" => true,
        "http" => is_loopback_url(url),
        _ => false,
    }
}

/// Whether an HTTP `Host` header names this computer (`localhost:8400`, `127.0.0.1`, `[::1]:9`), with or
/// without a port. The request already reached a socket on this computer, so a trailing dot
/// (`localhost.:8400`) is read as the same name; anything else a browser would send for a page's own name (DNS
/// rebinding) is not this computer.
pub fn is_loopback_host_header(value: &str) -> bool {
    let (name, port) = match value.strip_prefix('[') {
        Some(rest) => match rest.split_once(']') {
            Some((inside, port)) => (inside, port),
            None => return false,
        },
        None => value.split_at(value.find(':').unwrap_or(value.len())),
    };
    let port_ok = port.is_empty()
        || port
            .strip_prefix(':')
            .is_some_and(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
    if !port_ok || name.is_empty() {
        return false;
    }
    if value.starts_with('[') {
        return name
            .parse::<std::net::Ipv6Addr>()
            .is_ok_and(|ip| ip.is_loopback());
    }
    let name = name.strip_suffix('.').unwrap_or(name);
    Host::parse(name).is_ok_and(|h| is_loopback_host(&h))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_this_computer_is_loopback() {
        for yes in [
            "http://localhost/",
            "http://LOCALHOST:8080/x",
            "http://127.0.0.1:9/",
            "http://127.0.0.2/",
            "http://127.1/",
            "http://[::1]:9/",
            "https://localhost/",
        ] {
            assert!(is_loopback_url(&Url::parse(yes).unwrap()), "{yes}");
        }
        for no in [
            "http://localhost./",
            "http://a.localhost/",
            "http://localhost.example/",
            "http://127.0.0.1.nip.io/",
            "http://[::ffff:127.0.0.1]/",
            "http://10.0.0.1/",
            "http://[::2]/",
            "http://example.com/",
            "file:///etc/passwd",
            "mailto:a@localhost",
        ] {
            assert!(!is_loopback_url(&Url::parse(no).unwrap()), "{no}");
        }
    }

    #[test]
    fn https_anywhere_and_http_only_here() {
        let ok = |u: &str| is_https_or_loopback_http(&Url::parse(u).unwrap());
        assert!(ok("https://hooks.example.com/x"));
        assert!(ok("http://127.0.0.1:9/hook"));
        assert!(ok("http://localhost/hook"));
        assert!(!ok("http://hooks.example.com/x"));
        assert!(!ok("ftp://127.0.0.1/x"));
        assert!(!ok("javascript:alert(1)"));
    }

    #[test]
    fn host_headers_name_this_computer_or_not() {
        for yes in [
            "localhost",
            "localhost:8400",
            "LocalHost.:1",
            "127.0.0.1",
            "127.0.0.1:1",
            "[::1]",
            "[::1]:443",
        ] {
            assert!(is_loopback_host_header(yes), "{yes}");
        }
        for no in [
            "",
            ":80",
            "[::1].evil:1",
            "[::1]x",
            "[::1",
            "127.0.0.1.nip.example",
            "attacker.example",
            "localhost:",
            "localhost:80:80",
            "localhost:8o",
            "[127.0.0.1]",
            "a.localhost",
        ] {
            assert!(!is_loopback_host_header(no), "{no}");
        }
    }
}
