//! The way back from the browser: the loopback listener's request, the redirect URI a person types, and
//! `patchbay://` links.

use super::*;

// ---------------------------------------------------------------------------------------------------------------
// callback_request

/// Whether a request head is complete, fed in these pieces.
fn head_complete(pieces: &[&[u8]]) -> bool {
    let mut head = HeadEnd::default();
    pieces.iter().any(|p| head.feed(p))
}

/// The raw bytes a browser sends to the loopback listener. The listener's own check for the end of a request
/// head ([`HeadEnd`]) must give the same answer however the bytes arrive; then the request target is read the
/// way the handler reads it (`Uri`, axum's `Query` extractor, [`CallbackParams::from_query`],
/// [`state_matches`]). The socket itself is covered by `tests/loopback_hostile.rs`.
pub fn callback_request(data: &[u8]) {
    let whole = head_complete(&[data]);
    let cut = data
        .first()
        .map_or(0, |&b| usize::from(b) % (data.len() + 1));
    let (a, b) = data.split_at(cut);
    assert_eq!(head_complete(&[a, b]), whole, "split at {cut}");
    assert_eq!(
        head_complete(&data.chunks(1).collect::<Vec<_>>()),
        whole,
        "byte by byte"
    );
    if !whole {
        // hyper waits for the rest; the header timeout closes the connection.
        return;
    }
    // The request line, as httparse finds it: blank lines before it are skipped.
    let start = data
        .iter()
        .position(|&b| b != b'\r' && b != b'\n')
        .unwrap_or(data.len());
    let rest = &data[start..];
    let line = rest.split(|&b| b == b'\n').next().unwrap_or_default();
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    let mut parts = line.split(|&b| b == b' ');
    let (Some(_method), Some(target), Some(_version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return;
    };
    let Ok(uri) = Uri::try_from(target) else {
        return;
    };
    let Ok(Query(query)) = Query::<HashMap<String, String>>::try_from_uri(&uri) else {
        return;
    };
    let Some(params) = CallbackParams::from_query(&query) else {
        assert!(!query.contains_key("state"));
        return;
    };
    assert_eq!(query.get("state"), Some(&params.state));
    // Debug never shows the code or the state, whatever they are.
    let mut other = params.clone();
    other.code = other.code.map(|_| "another code".into());
    other.state = "another state".into();
    assert_eq!(format!("{params:?}"), format!("{other:?}"));
    // Only the exact state is the sign-in's.
    assert_eq!(state_matches(STATE, &params.state), params.state == STATE);
}

// ---------------------------------------------------------------------------------------------------------------
// redirect_uri

/// A redirect URI as typed in the wizard: [`redirect_advice`] (public and confidential) and
/// [`LoopbackRedirect::parse`]. What Patchbay says to register reads back as the same redirect.
pub fn redirect_uri(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    for confidential in [false, true] {
        match redirect_advice(Some(&text), confidential) {
            Ok(advice) => {
                assert!(!advice.platform.is_empty() && !advice.explanation.is_empty());
                if advice.redirect_uri != DEEP_LINK_REDIRECT {
                    let again = LoopbackRedirect::parse(&advice.redirect_uri)
                        .expect("the advised redirect URI parses");
                    assert_eq!(again.to_register(), advice.redirect_uri);
                }
            }
            Err(e) => {
                assert_eq!(e.code, ErrorCode::InvalidInput);
                assert_words(&e);
            }
        }
    }
    match LoopbackRedirect::parse(&text) {
        Ok(r) => {
            assert_eq!(
                LoopbackRedirect::parse(&r.to_register()).expect("to_register parses"),
                r,
                "{text:?}"
            );
            let bound = LoopbackRedirect::parse(&r.with_port(8400)).expect("with_port parses");
            assert_eq!(
                (bound.host.as_str(), bound.port, bound.path.as_str()),
                (r.host.as_str(), Some(8400), r.path.as_str())
            );
        }
        Err(e) => {
            assert_words(&e);
            // The typed text is echoed shortened (100 chars, each at most 10 when escaped).
            assert!(e.title.chars().count() < 1100, "{} chars", e.title.len());
        }
    }
}

// ---------------------------------------------------------------------------------------------------------------
// deep_link

/// A `patchbay://` link as the OS hands it to the app: [`Flows::deliver_callback`], with one sign-in waiting
/// for a deep link and one (same state) waiting on its loopback listener. Only an exact link reaches the first;
/// the second never takes one; a link is used once.
pub fn deep_link(data: &[u8]) {
    let url = String::from_utf8_lossy(data);
    let flows = Flows::default();
    let deep = flows.register("deep", CancellationToken::new());
    let mut deep_inbox = deep.waiting(STATE, error_context(), true);
    let loopback = flows.register("loopback", CancellationToken::new());
    let mut loopback_inbox = loopback.waiting(STATE, error_context(), false);
    match flows.deliver_callback(&url) {
        Ok(()) => {
            let params = deep_inbox
                .deep_link
                .try_recv()
                .expect("a delivered link reaches its sign-in");
            assert_eq!(params.state, STATE);
            let parsed = Url::parse(&url).expect("a delivered link is a URL");
            assert_eq!(
                (parsed.scheme(), parsed.host_str(), parsed.path()),
                ("patchbay", Some("oauth"), "/callback")
            );
            let replay = flows
                .deliver_callback(&url)
                .expect_err("a link is used once");
            assert_eq!(replay.code, ErrorCode::StateMismatch);
        }
        Err(e) => {
            assert_eq!(e.code, ErrorCode::StateMismatch);
            assert_words(&e);
            assert!(deep_inbox.deep_link.try_recv().is_err());
        }
    }
    assert!(loopback_inbox.deep_link.try_recv().is_err());
    drop((deep, loopback));
    assert!(flows.is_empty());
}
