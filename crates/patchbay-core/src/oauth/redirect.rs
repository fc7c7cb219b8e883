//! The redirect URI a person registers (or Patchbay advises) for the loopback listener, as typed: parsed into
//! the parts the listener binds, without ever panicking on text the URL standard normalises.

use crate::error::{ErrorCode, ErrorInfo};

/// A redirect URI split into the parts the listener needs, keeping the form the person registered (no trailing
/// slash is added: `http://localhost` stays `http://localhost:PORT`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoopbackRedirect {
    pub host: String,
    pub port: Option<u16>,
    /// "" when the registered URI has no path.
    pub path: String,
}

impl LoopbackRedirect {
    pub fn parse(text: &str) -> Result<Self, ErrorInfo> {
        let bad = |why: &str| {
            ErrorInfo::new(
                ErrorCode::InvalidInput,
                format!("The redirect URI {:?} cannot be used.", shorten(text)),
                format!("{why} Use http://localhost (any port) or http://127.0.0.1:PORT/path as registered for your app."),
            )
        };
        let typed = text.trim();
        let url = url::Url::parse(typed).map_err(|_| bad("It is not a URL."))?;
        if url.scheme() != "http" {
            return Err(bad("Patchbay receives the sign-in on this computer, over http on the loopback address."));
        }
        let host = match url.host() {
            Some(url::Host::Domain(_)) if crate::net::is_loopback_url(&url) => {
                "localhost".to_string()
            }
            Some(url::Host::Ipv4(ip)) if ip.is_loopback() => ip.to_string(),
            Some(url::Host::Ipv6(ip)) if ip.is_loopback() => format!("[{ip}]"),
            _ => {
                return Err(bad(
                    "Its host is not this computer (localhost, 127.0.0.1 or [::1]).",
                ))
            }
        };
        if url.query().is_some() || url.fragment().is_some() {
            return Err(bad("It must not have a query or fragment."));
        }
        let path = if typed_a_path(typed) {
            url.path().to_string()
        } else {
            String::new()
        };
        Ok(Self {
            host,
            port: url.port(),
            path,
        })
    }

    pub fn with_port(&self, port: u16) -> String {
        format!("http://{}:{port}{}", self.host, self.path)
    }

    /// The form to register in the app registration: loopback ports are ignored by Microsoft, so no port.
    pub fn to_register(&self) -> String {
        match self.port {
            Some(port) => self.with_port(port),
            None => format!("http://{}{}", self.host, self.path),
        }
    }
}

/// Whether the person typed a path after the host. The URL standard gives `http://localhost` and
/// `http://localhost/` the same path "/", but the registered form must stay as typed (Microsoft compares
/// redirect URIs as strings). The typed text is never sliced at a byte offset: the URL standard accepts and
/// normalises text whose bytes do not line up with its ASCII form (`http:ｌocalhost` is `http://localhost/`,
/// with a 3-byte full-width letter where `//` would be), so only `split_once`/`contains` are used here.
fn typed_a_path(typed: &str) -> bool {
    // The URL standard drops ASCII tab and newline anywhere in the input.
    let typed: String = typed
        .chars()
        .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
        .collect();
    // The scheme is ASCII and ends at the first ':'.
    let Some((_, rest)) = typed.split_once(':') else {
        return false;
    };
    // For http the URL standard skips any run of `/` and `\` before the host, and `\` is a path separator
    // after it too (WHATWG URL, "special authority ignore slashes state").
    rest.trim_start_matches(['/', '\\']).contains(['/', '\\'])
}

/// What an error message echoes of a typed redirect URI: it is shown in the wizard as the person types, so a
/// pasted page of text must not fill it. Counted in chars, never bytes.
fn shorten(text: &str) -> String {
    const MAX_CHARS: usize = 100;
    let mut chars = text.chars();
    let head: String = chars.by_ref().take(MAX_CHARS).collect();
    if chars.next().is_some() {
        format!("{head}…")
    } else {
        head
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redirect_uris_keep_their_registered_form() {
        let r = LoopbackRedirect::parse("http://localhost").unwrap();
        assert_eq!(
            r,
            LoopbackRedirect {
                host: "localhost".into(),
                port: None,
                path: "".into()
            }
        );
        assert_eq!(r.with_port(5000), "http://localhost:5000");
        assert_eq!(r.to_register(), "http://localhost");
        let r = LoopbackRedirect::parse("http://127.0.0.1:8400/callback").unwrap();
        assert_eq!(r.port, Some(8400));
        assert_eq!(r.with_port(8400), "http://127.0.0.1:8400/callback");
        assert_eq!(
            LoopbackRedirect::parse("http://[::1]/cb").unwrap().host,
            "[::1]"
        );
        for bad in [
            "https://localhost",
            "http://example.com/cb",
            "http://localhost/cb?x=1",
            "nope",
        ] {
            assert_eq!(
                LoopbackRedirect::parse(bad).unwrap_err().code,
                ErrorCode::InvalidInput,
                "{bad}"
            );
        }
    }

    #[test]
    fn typed_text_the_url_standard_normalises_does_not_panic() {
        // `http:` then a full-width letter: a 3-byte char where `//` would be, which slicing at
        // "http://".len() used to split.
        let r = LoopbackRedirect::parse("http:ｌocalhost").unwrap();
        assert_eq!(
            (r.host.as_str(), r.port, r.path.as_str()),
            ("localhost", None, "")
        );
        let r = LoopbackRedirect::parse("http:ｌocalhost:8400/cb").unwrap();
        assert_eq!(
            (r.host.as_str(), r.port, r.path.as_str()),
            ("localhost", Some(8400), "/cb")
        );
        let r = LoopbackRedirect::parse("http://ｌocalhost:8400/cb").unwrap();
        assert_eq!(r.to_register(), "http://localhost:8400/cb");
        assert_eq!(
            LoopbackRedirect::parse("http:ｅxample").unwrap_err().code,
            ErrorCode::InvalidInput
        );
        // What the URL standard accepts for http is kept as typed: no path stays no path.
        for (typed, path) in [
            ("http:localhost", ""),
            ("http:/localhost", ""),
            ("http:///localhost/", "/"),
            ("http:\\\\localhost\\cb", "/cb"),
            ("http://local\thost/cb", "/cb"),
            ("http:\t//localhost", ""),
            ("  http://[::1]:8400  ", ""),
        ] {
            assert_eq!(
                LoopbackRedirect::parse(typed).unwrap().path,
                path,
                "{typed:?}"
            );
        }
        // The wizard's advice, as the person types.
        let advice = crate::connect::redirect_advice(Some("http:ｌocalhost"), false).unwrap();
        assert_eq!(advice.redirect_uri, "http://localhost");
    }

    #[test]
    fn no_typed_redirect_uri_panics() {
        let prefixes = [
            "",
            "http:",
            "http:/",
            "http://",
            "HTTP://",
            "https://",
            ":",
            "[",
            "http://[",
            "http:ｈ",
            " \t",
            "\u{feff}",
            "\u{0}",
            "h\u{301}ttp://",
            "http://user:pw@",
            "%68ttp://",
        ];
        let middles = [
            "",
            "localhost",
            "ｌocalhost",
            "ＬＯＣＡＬＨＯＳＴ",
            "l\u{301}ocalhost",
            "127.0.0.1",
            "１２７.0.0.1",
            "[::1]",
            "[::1",
            "::1]",
            "[",
            "]",
            "🦀",
            "\u{200d}",
            "%",
            "%zz",
            "%E2%82",
            "%6c%6f%63alhost",
            "ｅxample",
            "\u{3000}",
            ":",
            "::",
            ":8400",
            ":99999",
            ":-1",
            "@",
            "\\",
            "/",
            "?",
            "#",
        ];
        let suffixes = [
            "", "/", "/cb", "/ｃｂ", "/%", "/%zz", "?", "#", "\u{0}", "\\cb", ":", "🦀/",
            "/\u{301}", " ", "\n", "/a b",
        ];
        let mut inputs: Vec<String> = Vec::new();
        for p in prefixes {
            for m in middles {
                for s in suffixes {
                    inputs.push(format!("{p}{m}{s}"));
                }
            }
        }
        // Pseudo-random strings over awkward chars (fixed seed, so a failure reproduces).
        let pool: Vec<char> = "htp:/\\[]@%?#.1ｌｅ\u{301}🦀\u{3000} \t\n\u{0}Ωl0cx8"
            .chars()
            .collect();
        let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
        for _ in 0..5_000 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let len = (seed % 24) as usize;
            let text: String = (0..len)
                .map(|i| pool[((seed >> (i % 48)) as usize + i) % pool.len()])
                .collect();
            inputs.push(format!("http:{text}"));
            inputs.push(text);
        }
        inputs.push("http://localhost/".to_string() + &"ｃ".repeat(100_000));
        inputs.push("ｌ".repeat(100_000));
        inputs.push("http:".repeat(10_000));

        let mut panicked = Vec::new();
        for text in &inputs {
            let outcome = std::panic::catch_unwind(|| {
                for confidential in [false, true] {
                    let _ = crate::connect::redirect_advice(Some(text), confidential);
                }
                if let Ok(r) = LoopbackRedirect::parse(text) {
                    // What Patchbay says to register reads back as the same redirect.
                    assert_eq!(
                        LoopbackRedirect::parse(&r.to_register()).unwrap(),
                        r,
                        "{text:?}"
                    );
                    let _ = r.with_port(65535);
                }
            });
            if outcome.is_err() {
                panicked.push(text.chars().take(60).collect::<String>());
            }
        }
        assert!(
            panicked.is_empty(),
            "panicked on {} input(s): {panicked:?}",
            panicked.len()
        );
    }

    #[test]
    fn a_long_typed_uri_is_shortened_in_the_message() {
        let error = LoopbackRedirect::parse(&"ｌ".repeat(10_000)).unwrap_err();
        assert!(error.title.chars().count() < 200, "{}", error.title);
        assert_eq!(shorten("ab"), "ab");
        assert_eq!(shorten(&"é".repeat(101)), "é".repeat(100) + "…");
    }
}
