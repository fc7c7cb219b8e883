//! How a refresh is tried again: which failures may send the same refresh token once more, how long to wait,
//! and what each failure of the token endpoint means for the connection.

use super::error::{RefreshError, Unreachable, UnreachableKind};
use crate::error::ErrorInfo;
use crate::oauth::discovery::DiscoveryError;
use crate::oauth::token::{Rotation, TokenError};
use secrecy::SecretString;
use std::future::Future;
use std::time::Duration;

/// How hard to try when Microsoft cannot be reached (network, 429, 5xx).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all, the first included.
    pub attempts: u32,
    /// Wait before the second attempt, doubled each time, unless the answer says `Retry-After`.
    pub first_delay: Duration,
    /// The longest wait inside one call; a longer `Retry-After` ends the call as unreachable (the monitor
    /// comes back later).
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            attempts: 3,
            first_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(30),
        }
    }
}

/// A failed try at the token endpoint: why, and what it did to the refresh token it carried.
#[derive(Debug)]
pub(crate) struct Tried {
    pub(crate) error: RefreshError,
    /// The request surely did not reach the provider, or the provider refused it without carrying it out:
    /// the same refresh token may go again. Not after a 200 Patchbay did not take, nor after a request that
    /// was sent and never answered: a provider with refresh-token reuse detection would take a second use of
    /// a redeemed token for theft and revoke the whole grant.
    pub(crate) may_resend: bool,
    /// The new refresh token a 200 carried even though the rest was not taken: the one to keep.
    pub(crate) rotated: Option<SecretString>,
    /// A 200 whose answer could not be read: the refresh token sent may be spent and its successor is lost.
    /// It must never be sent again; the connection needs a new sign-in.
    pub(crate) spent: bool,
}

impl From<RefreshError> for Tried {
    fn from(error: RefreshError) -> Self {
        Tried {
            error,
            may_resend: true,
            rotated: None,
            spent: false,
        }
    }
}

/// Run `attempt` until it succeeds, fails for a reason other than being unreachable (or in a way that forbids
/// sending it again), or the attempts run out, waiting between tries (`Retry-After` when the answer gave one).
pub(super) async fn with_retries<T, F, Fut>(policy: RetryPolicy, mut attempt: F) -> Result<T, Tried>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, Tried>>,
{
    let mut delay = policy.first_delay;
    let mut n = 1;
    loop {
        match attempt().await {
            Err(Tried {
                error: RefreshError::Unreachable(u),
                may_resend: true,
                rotated: None,
                spent: false,
            }) if n < policy.attempts.max(1) => {
                let wait = u.retry_after.unwrap_or(delay);
                if wait > policy.max_delay {
                    return Err(RefreshError::Unreachable(u).into());
                }
                tracing::debug!(
                    attempt = n,
                    wait_ms = wait.as_millis() as u64,
                    "token endpoint unreachable; retrying"
                );
                tokio::time::sleep(wait).await;
                delay = (delay * 2).min(policy.max_delay);
                n += 1;
            }
            other => return other,
        }
    }
}

/// A token endpoint failure, classified.
pub(super) fn classify(e: TokenError) -> Tried {
    match e {
        TokenError::Provider {
            error,
            status,
            retry_after,
        } => RefreshError::from_provider(error, status, retry_after).into(),
        TokenError::Network {
            info,
            timeout,
            sent,
        } => Tried {
            error: RefreshError::network(
                if timeout {
                    UnreachableKind::Timeout
                } else {
                    UnreachableKind::Network
                },
                info.detail.unwrap_or(info.title),
            ),
            may_resend: !sent,
            rotated: None,
            spent: false,
        },
        // The provider carried the refresh out and answered 200 with something Patchbay does not take: keep its
        // new refresh token, send the old one no more. Not the connection's fault: unreachable, never broken;
        // unless the answer was lost, and with it the only refresh token that may still be used.
        TokenError::Unaccepted { info, rotation } => Tried {
            error: RefreshError::Unreachable(Unreachable {
                kind: UnreachableKind::ServerError,
                status: Some(200),
                retry_after: None,
                detail: match info.detail {
                    Some(d) => format!("{} ({d})", info.title),
                    None => info.title,
                },
                provider: None,
            }),
            may_resend: false,
            spent: matches!(rotation, Rotation::Unknown),
            rotated: match rotation {
                Rotation::New(t) => Some(t),
                Rotation::Unchanged | Rotation::Unknown => None,
            },
        },
        // An answer that is not OAuth at all (an HTML page, a redirect) comes from something between Patchbay
        // and Microsoft — a proxy, a captive portal, an outage page — not from Microsoft judging the sign-in:
        // unreachable, never broken.
        TokenError::Other {
            info,
            status,
            retry_after,
        } => Tried {
            error: RefreshError::Unreachable(Unreachable {
                kind: match status {
                    Some(429) => UnreachableKind::Throttled,
                    Some(s) if s >= 500 => UnreachableKind::ServerError,
                    _ => UnreachableKind::Network,
                },
                status,
                retry_after,
                detail: match status {
                    Some(s) => format!(
                        "the sign-in service answered HTTP {s} with something that is not OAuth ({})",
                        info.title
                    ),
                    None => info.detail.unwrap_or(info.title),
                },
                provider: None,
            }),
            // A 200 that could not be read at all may have been a refresh carried out.
            may_resend: status != Some(200),
            rotated: None,
            spent: status == Some(200),
        },
    }
}

/// Discovery failures. The authority's discovery document answered once already (at sign-in), so a failure
/// now is the network or something in between, not the connection: unreachable.
pub(super) fn classify_discovery(e: DiscoveryError) -> RefreshError {
    let kind = if e.unreachable() {
        UnreachableKind::Network
    } else {
        UnreachableKind::ServerError
    };
    let info = ErrorInfo::from(e);
    RefreshError::network(kind, info.detail.clone().unwrap_or(info.title))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;
    use crate::tokens::ReconnectReason;
    use secrecy::ExposeSecret;
    use std::sync::atomic::{AtomicU32, Ordering};

    fn unreachable(retry_after: Option<Duration>) -> RefreshError {
        RefreshError::Unreachable(Unreachable {
            kind: UnreachableKind::Throttled,
            status: Some(429),
            retry_after,
            detail: "busy".into(),
            provider: None,
        })
    }

    #[tokio::test(start_paused = true)]
    async fn retries_are_bounded_and_honour_retry_after() {
        let policy = RetryPolicy::default();
        let calls = AtomicU32::new(0);
        let started = tokio::time::Instant::now();
        let result: Result<(), _> = with_retries(policy, || async {
            calls.fetch_add(1, Ordering::SeqCst);
            Err(unreachable(Some(Duration::from_secs(7))).into())
        })
        .await;
        assert!(matches!(
            result,
            Err(Tried {
                error: RefreshError::Unreachable(_),
                ..
            })
        ));
        assert_eq!(calls.load(Ordering::SeqCst), 3);
        assert_eq!(started.elapsed(), Duration::from_secs(14));

        // A Retry-After beyond the limit ends the call at once.
        let calls = AtomicU32::new(0);
        let result: Result<(), _> = with_retries(policy, || async {
            calls.fetch_add(1, Ordering::SeqCst);
            Err(unreachable(Some(Duration::from_secs(3600))).into())
        })
        .await;
        assert!(result.is_err());
        assert_eq!(calls.load(Ordering::SeqCst), 1);

        // Success on the second try; other failures are not retried.
        let calls = AtomicU32::new(0);
        let result = with_retries(policy, || async {
            match calls.fetch_add(1, Ordering::SeqCst) {
                0 => Err(unreachable(None).into()),
                _ => Ok(7),
            }
        })
        .await;
        assert_eq!(result.unwrap(), 7);
        let calls = AtomicU32::new(0);
        let result: Result<(), _> = with_retries(policy, || async {
            calls.fetch_add(1, Ordering::SeqCst);
            Err(RefreshError::NeedsReconnect {
                reason: ReconnectReason::Revoked,
                provider: None,
            }
            .into())
        })
        .await;
        assert!(result.is_err());
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }

    #[tokio::test(start_paused = true)]
    async fn a_refresh_token_that_may_have_reached_the_provider_is_not_sent_again() {
        let policy = RetryPolicy::default();
        fn network(sent: bool) -> TokenError {
            TokenError::Network {
                info: ErrorInfo::new(ErrorCode::NetworkUnreachable, "no answer", "try again"),
                timeout: true,
                sent,
            }
        }
        type Case = (&'static str, fn() -> TokenError, u32);
        let cases: [Case; 4] = [
            ("a connect failure", || network(false), 3),
            ("a timeout after sending", || network(true), 1),
            (
                "a 200 not taken",
                || TokenError::Unaccepted {
                    info: ErrorInfo::new(
                        ErrorCode::ProviderError,
                        "impossible lifetime",
                        "try again",
                    ),
                    rotation: Rotation::New(SecretString::from("rotated")),
                },
                1,
            ),
            (
                "an unreadable 200",
                || TokenError::Other {
                    info: ErrorInfo::new(ErrorCode::ProviderError, "unreadable", "try again"),
                    status: Some(200),
                    retry_after: None,
                },
                1,
            ),
        ];
        for (what, error, expected) in cases {
            let calls = AtomicU32::new(0);
            let result: Result<(), _> = with_retries(policy, || async {
                calls.fetch_add(1, Ordering::SeqCst);
                Err(classify(error()))
            })
            .await;
            assert_eq!(calls.load(Ordering::SeqCst), expected, "{what}");
            let tried = result.unwrap_err();
            assert!(
                matches!(tried.error, RefreshError::Unreachable(_)),
                "{what}: unreachable, never broken: {:?}",
                tried.error
            );
            if what == "a 200 not taken" {
                let rotated = tried.rotated.expect("the rotated token is handed back");
                assert_eq!(rotated.expose_secret(), "rotated");
            }
        }
    }
}
