//! The system browser: one way of opening it for the sign-in, for "Open again", for links the person clicks
//! (an admin-consent URL, the Entra admin center), and one way of describing it for `patchbay doctor`.
//! `$BROWSER` (the usual Unix convention, first entry of a `:` list) wins over the platform's default handler.

use crate::error::{ErrorCode, ErrorInfo};

/// The command `$BROWSER` names (its first non-empty `:`-separated entry), if any.
pub fn override_command() -> Option<String> {
    std::env::var("BROWSER")
        .ok()?
        .split(':')
        .map(str::trim)
        .find(|c| !c.is_empty())
        .map(String::from)
}

/// Open `url` in the browser, if it is [`openable`]: every path (the sign-in's first open, "Open again", a link
/// the person clicks) comes through here, so a provider's metadata cannot hand the browser a `file:` or
/// `javascript:` URL. False when the link was refused or no browser could be started (the person can copy it).
pub fn open(url: &str) -> bool {
    match url::Url::parse(url) {
        Ok(parsed) if openable(&parsed) => spawn(parsed.as_str()),
        _ => {
            tracing::warn!(
                "refused to open a link that is neither https nor http on this computer"
            );
            false
        }
    }
}

fn spawn(url: &str) -> bool {
    match override_command() {
        Some(command) => std::process::Command::new(command)
            .arg(url)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            // Reap it when it exits, so no zombie is left behind.
            .map(|mut child| std::thread::spawn(move || child.wait()))
            .is_ok(),
        None => open::that_detached(url).is_ok(),
    }
}

/// Links Patchbay opens on request: https anywhere, http only on this computer (the sandbox's and local
/// providers' sign-in pages). Never `file:`, `javascript:` or the app's own scheme.
pub fn openable(url: &url::Url) -> bool {
    crate::net::is_https_or_loopback_http(url)
}

/// Open a link the person asked for ("Open again", an admin-consent link), if it is [`openable`].
pub fn open_link(url: &str) -> Result<(), ErrorInfo> {
    let refused = || {
        ErrorInfo::new(
            ErrorCode::InvalidInput,
            "That link cannot be opened.",
            format!("Only https links, or http links on this computer, open from Patchbay: {url}"),
        )
    };
    let parsed = url::Url::parse(url).map_err(|_| refused())?;
    if !openable(&parsed) {
        return Err(refused());
    }
    if spawn(parsed.as_str()) {
        Ok(())
    } else {
        Err(ErrorInfo::new(
            ErrorCode::Internal,
            "The browser could not be opened.",
            format!("Copy the link and open it yourself: {url}"),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_https_and_loopback_http_links_open() {
        for ok in [
            "https://login.microsoftonline.com/x",
            "http://127.0.0.1:8080/authorize",
            "http://[::1]:9/a",
            "http://localhost:3000/",
        ] {
            assert!(openable(&url::Url::parse(ok).unwrap()), "{ok}");
        }
        for refused in [
            "http://example.com/",
            "http://127.0.0.1.example.com/",
            "file:///etc/passwd",
            "javascript:alert(1)",
            "patchbay://oauth/callback",
        ] {
            assert!(!openable(&url::Url::parse(refused).unwrap()), "{refused}");
        }
        assert_eq!(
            open_link("file:///etc/passwd").unwrap_err().code,
            ErrorCode::InvalidInput
        );
        // The sign-in's own first open is checked the same way: nothing is started for these.
        for refused in ["file:///etc/passwd", "javascript:alert(1)", "not a url"] {
            assert!(!open(refused), "{refused}");
        }
    }
}
