//! The download and upload hosts: Graph hands out pre-authenticated URLs there (the URL is the credential), on
//! hosts other than Graph's (SharePoint, OneDrive's storage). They are reached by a client of their own that
//! never carries the connection's token — no `Authorization` header, no cookies, no redirects followed — and
//! only at an https URL (or http on this computer: the sandbox, tests).
//!
//! Unlike Graph's client, they have no whole-request timeout (a 1 GiB body takes as long as it takes): a
//! transfer that stops moving for [`STALL`] is ended instead — a download's reads by the client
//! ([`download_client`]), an upload chunk's body by its watcher ([`super::session`]; the client's read timeout
//! would also count the time spent sending the body).

use std::net::IpAddr;
use std::time::Duration;
use url::Url;

/// How long a transfer may go without a byte moving.
pub const STALL: Duration = Duration::from_secs(60);

/// The client for a download URL: a read that waits [`STALL`] ends it. Built per transfer: it shares nothing
/// with Graph's.
pub fn download_client() -> reqwest::Client {
    builder()
        .read_timeout(STALL)
        .build()
        .expect("the HTTP client configuration is static")
}

/// The client for an upload session's URL (its caller watches each chunk move).
pub fn upload_client() -> reqwest::Client {
    builder()
        .build()
        .expect("the HTTP client configuration is static")
}

/// No redirects, no cookies (reqwest keeps none without a cookie store), no Referer, no token.
fn builder() -> reqwest::ClientBuilder {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(Duration::from_secs(30))
        .referer(false)
        .user_agent(concat!("Patchbay/", env!("CARGO_PKG_VERSION")))
}

/// Why a URL from Graph is not fetched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused {
    pub scheme: String,
    pub host: String,
}

/// `link` when Patchbay may fetch it without a token: https anywhere, http only on a loopback address or
/// `localhost`; no user name or password in it.
pub fn check(link: &str) -> Result<Url, Refused> {
    let refused = |url: Option<&Url>| Refused {
        scheme: url
            .map(|u| u.scheme().to_string())
            .unwrap_or_else(|| "(not a URL)".into()),
        host: url
            .and_then(|u| u.host_str().map(str::to_string))
            .unwrap_or_default(),
    };
    let url = Url::parse(link).map_err(|_| refused(None))?;
    if !url.username().is_empty() || url.password().is_some() || url.host_str().is_none() {
        return Err(refused(Some(&url)));
    }
    match url.scheme() {
        "https" => Ok(url),
        "http" if is_loopback(&url) => Ok(url),
        _ => Err(refused(Some(&url))),
    }
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_https_or_http_on_this_computer() {
        for ok in [
            "https://contoso.sharepoint.com/_layouts/15/download.aspx?tempauth=x",
            "http://127.0.0.1:8080/_download/x",
            "http://[::1]:9/x",
            "http://localhost:1/x",
        ] {
            assert!(check(ok).is_ok(), "{ok}");
        }
        for bad in [
            "http://contoso.sharepoint.com/x",
            "http://10.0.0.1/x",
            "http://localhost.evil.example/x",
            "ftp://127.0.0.1/x",
            "file:///etc/passwd",
            "https://user:pw@contoso.sharepoint.com/x",
            "/relative",
            "javascript:alert(1)",
        ] {
            assert!(check(bad).is_err(), "{bad}");
        }
        let r = check("http://files.example/x").unwrap_err();
        assert_eq!(
            (r.scheme.as_str(), r.host.as_str()),
            ("http", "files.example")
        );
    }
}
