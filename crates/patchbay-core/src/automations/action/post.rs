//! POSTing an item's JSON: the person's mail, to the one URL the person gave.
//!
//! - No redirect is followed. reqwest's default client follows ten, sends the body again on 307 and 308, and
//!   goes from https to http; a hook that answers 3xx could send the mail anywhere, in clear. A 3xx is a failure
//!   that names where it pointed.
//! - No proxy for a target on this computer: `HTTP_PROXY` / `HTTPS_PROXY` would otherwise carry mail meant for
//!   a program on this computer to the proxy. A target elsewhere (https) goes through the proxy the environment
//!   names, as the person's other programs do.
//! - The URL is checked at every delivery, not only when the automation was added: `automations.json` is a
//!   plain file, and a URL edited there is refused as it would have been at add.

use super::Outcome;
use crate::error::{ErrorCode, ErrorInfo};
use std::sync::OnceLock;
use std::time::Duration;

const POST_LIMIT: Duration = Duration::from_secs(30);

/// A POST target: https anywhere, http only on this computer (the JSON is the person's mail).
pub fn check_post_url(text: &str) -> Result<url::Url, ErrorInfo> {
    let url = url::Url::parse(text).map_err(|e| {
        ErrorInfo::new(
            ErrorCode::InvalidInput,
            format!("\"{text}\" is not a URL ({e})."),
            "Give a full URL, e.g. http://127.0.0.1:8080/hook or https://example.com/hook.",
        )
    })?;
    match url.scheme() {
        _ if crate::net::is_https_or_loopback_http(&url) => Ok(url),
        "http" => Err(ErrorInfo::new(
            ErrorCode::InvalidInput,
            format!("{text} is plain http to another computer."),
            "Mail would cross the network unencrypted: use https, or http on this computer (127.0.0.1, localhost).",
        )),
        other => Err(ErrorInfo::new(
            ErrorCode::InvalidInput,
            format!("{other}: is not a scheme Patchbay posts to."),
            "Use https (or http on this computer).",
        )),
    }
}

/// The clients every POST of an automation goes through, one per kind of target.
pub struct PostClients {
    /// For targets on this computer: never through a proxy.
    direct: reqwest::Client,
    /// For targets elsewhere (https): through the proxy the environment names, if any.
    outward: reqwest::Client,
}

impl PostClients {
    /// Both clients, following no redirect; the outward one reads the proxy variables now.
    pub fn new() -> Result<Self, reqwest::Error> {
        let base = || {
            reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .timeout(POST_LIMIT)
        };
        Ok(Self {
            direct: base().no_proxy().build()?,
            outward: base().build()?,
        })
    }

    /// The client for `url`.
    pub fn for_url(&self, url: &url::Url) -> &reqwest::Client {
        if crate::net::is_loopback_url(url) {
            &self.direct
        } else {
            &self.outward
        }
    }
}

/// This process's clients, built on first use.
pub fn clients() -> Result<&'static PostClients, String> {
    static CLIENTS: OnceLock<Result<PostClients, String>> = OnceLock::new();
    CLIENTS
        .get_or_init(|| PostClients::new().map_err(|e| e.to_string()))
        .as_ref()
        .map_err(Clone::clone)
}

/// POST `payload` to `url` (checked again first).
pub(super) async fn post(url: &str, payload: &serde_json::Value) -> Outcome {
    let target = match check_post_url(url) {
        Ok(u) => u,
        Err(e) => {
            return Outcome::failed(format!(
                "Not sent: {} {} Change the automation's URL (remove it and add it again).",
                e.title, e.message
            ))
        }
    };
    let clients = match clients() {
        Ok(c) => c,
        Err(e) => {
            return Outcome::failed(format!(
                "Not sent: Patchbay could not make its HTTP client ({e})."
            ))
        }
    };
    let sent = clients
        .for_url(&target)
        .post(target)
        .json(payload)
        .send()
        .await;
    match sent {
        Ok(response) => {
            let status = response.status();
            let detail = if status.is_redirection() {
                Some(redirected(url, status.as_u16(), response.headers()))
            } else {
                (!status.is_success()).then(|| format!("{url} answered HTTP {}.", status.as_u16()))
            };
            Outcome {
                stopped: None,
                settled: false,
                ok: status.is_success(),
                exit_code: None,
                http_status: Some(status.as_u16()),
                detail,
            }
        }
        Err(e) => Outcome::failed(format!(
            "{url} could not be reached: {}.",
            crate::oauth::discovery::describe_reqwest_error(&e)
        )),
    }
}

/// What a 3xx means for the person: where it pointed, and that the mail did not follow.
fn redirected(url: &str, status: u16, headers: &reqwest::header::HeaderMap) -> String {
    let to: Option<String> = headers
        .get(reqwest::header::LOCATION)
        .and_then(|l| l.to_str().ok())
        .map(|l| {
            l.chars()
                .filter(|c| !c.is_control())
                .take(200)
                .collect::<String>()
        });
    match to {
        Some(to) => format!(
            "{url} answered HTTP {status}, a redirect to {to}. Patchbay does not follow redirects with mail: if \
             that address is the hook's own, give it as the automation's URL."
        ),
        None => format!(
            "{url} answered HTTP {status}, a redirect. Patchbay does not follow redirects with mail: give the \
             hook's own address as the automation's URL."
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn posts_go_to_https_or_to_this_computer() {
        assert!(check_post_url("http://127.0.0.1:9/hook").is_ok());
        assert!(check_post_url("http://[::1]:9/hook").is_ok());
        assert!(check_post_url("http://localhost/hook").is_ok());
        assert!(check_post_url("https://hooks.example.com/x").is_ok());
        assert!(check_post_url("http://hooks.example.com/x").is_err());
        assert!(check_post_url("ftp://127.0.0.1/x").is_err());
    }
}
