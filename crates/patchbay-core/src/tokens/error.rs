//! Why getting a token failed, typed so background code can branch on the kind, with the provider's own error
//! (and its trace and correlation ids) kept. Words for a person come from [`RefreshError::reason`]; the UI's
//! `{code, message}` shape from [`RefreshError::to_error_info`], only at the edges.

use crate::clock;
use crate::error::{ErrorCode, ErrorInfo};
use crate::model::ProblemReport;
use crate::oauth::aad::ProviderError;
use std::time::Duration;

/// Why a sign-in must be done again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ReconnectReason {
    /// Revoked (by an administrator, or the token was already replaced).
    Revoked,
    /// The password was changed or reset (AADSTS50173).
    PasswordChanged,
    /// Unused for too long (AADSTS700082, 70008).
    ExpiredAfterInactivity,
    /// A token with a fixed lifetime ran out (AADSTS700084).
    Expired,
    /// Multi-factor authentication or a Conditional Access policy needs the person.
    MfaOrConditionalAccess,
    /// Consent to the app's permissions was withdrawn.
    ConsentWithdrawn,
    /// This computer no longer holds the connection's sealed sign-in.
    SecretsMissing,
    /// A renewal was carried out but its answer lost: the refresh token it redeemed may be spent, and sending
    /// it again could get the sign-in revoked (reuse detection).
    RenewalLost,
    /// Microsoft refused for a reason Patchbay does not know (kept verbatim).
    Unknown,
}

/// Why the app's own credentials were refused (bring-your-own apps).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum CredentialsReason {
    /// AADSTS7000215: not the secret's value.
    WrongSecret,
    /// AADSTS7000222.
    SecretExpired,
    /// AADSTS700016: the app registration is gone or in another tenant.
    AppNotFound,
    /// `invalid_client` without a known code.
    Rejected,
}

/// Why Microsoft could not be asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum UnreachableKind {
    /// No connection (DNS, refused, TLS, reset).
    Network,
    Timeout,
    /// HTTP 429.
    Throttled,
    /// HTTP 5xx, or Microsoft's `temporarily_unavailable`.
    ServerError,
}

#[derive(Debug, Clone)]
pub struct Unreachable {
    pub kind: UnreachableKind,
    pub status: Option<u16>,
    pub retry_after: Option<Duration>,
    /// What happened, in words (never holds a secret).
    pub detail: String,
    pub provider: Option<ProviderError>,
}

#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum RefreshError {
    #[error("the connection needs to sign in again ({reason:?}): {}", provider.as_ref().map(ProviderError::summary).unwrap_or_default())]
    NeedsReconnect {
        reason: ReconnectReason,
        provider: Option<ProviderError>,
    },
    #[error("the app's credentials were refused ({reason:?}): {}", provider.summary())]
    AppCredentialsInvalid {
        reason: CredentialsReason,
        provider: ProviderError,
    },
    #[error("Microsoft could not be reached: {}", .0.detail)]
    Unreachable(Unreachable),
    /// The connection's secrets cannot be opened on this computer (the keychain locked or unavailable, its
    /// vault key missing or another one, the disk): nothing is known to be wrong with the sign-in, and nothing
    /// can be done with it either. The connection reads as Can't check.
    #[error("the connection's secrets cannot be opened here: {0}")]
    SecretsUnavailable(ErrorInfo),
    /// Something on this computer (keychain, data folder) or a connection that does not exist.
    #[error("{0}")]
    Local(ErrorInfo),
}

/// Microsoft's `Retry-After`: seconds, or an HTTP date.
pub fn parse_retry_after(value: &str) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let when = httpdate::parse_http_date(value).ok()?;
    Some(
        when.duration_since(std::time::SystemTime::now())
            .unwrap_or(Duration::ZERO),
    )
}

impl RefreshError {
    /// Classify an OAuth error from the token endpoint (HTTP `status`, `Retry-After`).
    pub fn from_provider(
        provider: ProviderError,
        status: u16,
        retry_after: Option<Duration>,
    ) -> Self {
        let error = provider.error.as_str();
        if status == 429
            || status >= 500
            || matches!(error, "temporarily_unavailable" | "server_error")
        {
            return RefreshError::Unreachable(Unreachable {
                kind: if status == 429 {
                    UnreachableKind::Throttled
                } else {
                    UnreachableKind::ServerError
                },
                status: Some(status),
                retry_after,
                detail: format!(
                    "the sign-in service answered HTTP {status} ({})",
                    provider.summary()
                ),
                provider: Some(provider),
            });
        }
        let reconnect = |reason| RefreshError::NeedsReconnect {
            reason,
            provider: Some(provider.clone()),
        };
        let credentials = |reason| RefreshError::AppCredentialsInvalid {
            reason,
            provider: provider.clone(),
        };
        match (provider.aadsts(), error) {
            (Some(7000215 | 7000218), _) => credentials(CredentialsReason::WrongSecret),
            (Some(7000222), _) => credentials(CredentialsReason::SecretExpired),
            (Some(700016), _) | (None, "unauthorized_client") => {
                credentials(CredentialsReason::AppNotFound)
            }
            (_, "invalid_client") => credentials(CredentialsReason::Rejected),
            (Some(50173), _) => reconnect(ReconnectReason::PasswordChanged),
            (Some(700082 | 70008), _) => reconnect(ReconnectReason::ExpiredAfterInactivity),
            (Some(700084), _) => reconnect(ReconnectReason::Expired),
            (Some(50076 | 50079 | 50074 | 50072 | 50158 | 53000 | 53001 | 53003 | 530003), _)
            | (_, "interaction_required") => reconnect(ReconnectReason::MfaOrConditionalAccess),
            (Some(65001), _) | (_, "consent_required") => {
                reconnect(ReconnectReason::ConsentWithdrawn)
            }
            // Any other refusal of the grant: Microsoft no longer accepts the refresh token.
            (Some(54005 | 70000 | 50133 | 70043), _) | (_, "invalid_grant") => {
                reconnect(ReconnectReason::Revoked)
            }
            _ => reconnect(ReconnectReason::Unknown),
        }
    }

    /// A request that got no HTTP answer, or an answer that is not OAuth.
    pub fn network(kind: UnreachableKind, detail: impl Into<String>) -> Self {
        RefreshError::Unreachable(Unreachable {
            kind,
            status: None,
            retry_after: None,
            detail: detail.into(),
            provider: None,
        })
    }

    /// The status it leaves its connection in, when it says something about the connection: the one rule of
    /// which failure needs a person (see [`crate::model::ConnectionStatus::is_broken`]).
    pub fn status(&self) -> Option<crate::model::ConnectionStatus> {
        use crate::model::ConnectionStatus;
        match self {
            RefreshError::NeedsReconnect { .. } => Some(ConnectionStatus::NeedsReconnect),
            RefreshError::AppCredentialsInvalid { .. } => {
                Some(ConnectionStatus::AppCredentialsInvalid)
            }
            RefreshError::SecretsUnavailable(_) => Some(ConnectionStatus::CantCheck),
            RefreshError::Unreachable(_) => Some(ConnectionStatus::Unreachable),
            RefreshError::Local(_) => None,
        }
    }

    /// Whether only a person can mend it (sign in again, a new client secret, the keychain unlocked): what
    /// stops an automation, rather than failing one round.
    pub fn needs_person(&self) -> bool {
        self.status().is_some_and(|s| s.is_broken())
    }

    pub fn provider(&self) -> Option<&ProviderError> {
        match self {
            RefreshError::NeedsReconnect { provider, .. } => provider.as_ref(),
            RefreshError::AppCredentialsInvalid { provider, .. } => Some(provider),
            RefreshError::Unreachable(u) => u.provider.as_ref(),
            RefreshError::SecretsUnavailable(_) | RefreshError::Local(_) => None,
        }
    }

    /// Why, in words a person can act on.
    pub fn reason(&self) -> String {
        match self {
            RefreshError::NeedsReconnect { reason, provider } => {
                let why = match reason {
                    ReconnectReason::Revoked => {
                        "Microsoft revoked this connection's sign-in (an administrator revoked it, or it was replaced)."
                    }
                    ReconnectReason::PasswordChanged => {
                        "Microsoft ended this connection's sign-in because the account's password was changed or reset (or an administrator revoked its sessions)."
                    }
                    ReconnectReason::ExpiredAfterInactivity => {
                        "The sign-in expired after 90 days without use."
                    }
                    ReconnectReason::Expired => "The sign-in reached the end of its fixed lifetime.",
                    ReconnectReason::MfaOrConditionalAccess => {
                        "Your organisation now requires multi-factor authentication or a Conditional Access check for this account."
                    }
                    ReconnectReason::ConsentWithdrawn => {
                        "Consent to the app's permissions was withdrawn (by the account or an administrator)."
                    }
                    ReconnectReason::SecretsMissing => {
                        "This computer no longer holds the connection's sign-in: its sealed secrets are missing or damaged."
                    }
                    ReconnectReason::RenewalLost => {
                        "The sign-in service renewed this connection's sign-in, but its answer was lost on the way (cut short or unreadable). The sign-in it replaced may no longer be used, and sending it again could make Microsoft revoke it, so Patchbay does not."
                    }
                    // Microsoft's own words stay under "What Microsoft said" (and in the diagnostics).
                    ReconnectReason::Unknown => {
                        let _ = provider;
                        return "Microsoft refused to renew the sign-in, for a reason Patchbay does not know. Fix it by signing in again; if that fails, copy the diagnostics (with Microsoft's words and IDs) for your administrator.".into();
                    }
                };
                format!("{why} Fix it by signing in again as the same account.")
            }
            RefreshError::AppCredentialsInvalid { reason, .. } => match reason {
                CredentialsReason::WrongSecret => {
                    "Microsoft rejected the app's client secret. Update it with the secret's Value (not its Secret ID) from Certificates & secrets.".into()
                }
                CredentialsReason::SecretExpired => {
                    "The app's client secret has expired. Create a new one under Certificates & secrets, then choose Update client secret.".into()
                }
                CredentialsReason::AppNotFound => {
                    "The app registration was not found: it was deleted, or it lives in another tenant. Check it in App registrations, then fix the connection.".into()
                }
                CredentialsReason::Rejected => {
                    "Microsoft rejected the app's credentials. Check the client ID and update the client secret.".into()
                }
            },
            RefreshError::Unreachable(u) => {
                format!("Microsoft could not be reached: {}.", u.detail)
            }
            RefreshError::SecretsUnavailable(info) => {
                // Read by every surface from the status file: the tray's words name the window's screens.
                let info = info.clone().for_surface(crate::error::Surface::Tray);
                format!(
                    "Patchbay cannot open this connection's secrets on this computer, so it cannot check it: {} {}",
                    info.title, info.message
                )
            }
            RefreshError::Local(info) => format!("{} {}", info.title, info.message),
        }
    }

    /// The failure as a person sees it in the UI or on the command line.
    pub fn to_error_info(&self) -> ErrorInfo {
        let info = match self {
            RefreshError::NeedsReconnect { .. } => ErrorInfo::new(
                ErrorCode::RefreshTokenRevoked,
                "This connection needs you to sign in again.",
                self.reason(),
            ),
            RefreshError::AppCredentialsInvalid { reason, .. } => ErrorInfo::new(
                match reason {
                    CredentialsReason::SecretExpired => ErrorCode::ClientSecretExpired,
                    CredentialsReason::AppNotFound => ErrorCode::AppNotFound,
                    _ => ErrorCode::InvalidClientSecret,
                },
                "The app's credentials were refused.",
                self.reason(),
            ),
            RefreshError::Unreachable(_) => ErrorInfo::new(
                ErrorCode::NetworkUnreachable,
                "Microsoft could not be reached.",
                format!(
                    "{} Check the network; nothing is wrong with the connection itself.",
                    self.reason()
                ),
            ),
            RefreshError::SecretsUnavailable(info) | RefreshError::Local(info) => {
                return info.clone()
            }
        };
        match self.provider() {
            Some(p) => info.with_detail(detail_with_ids(p)),
            None => info,
        }
    }

    /// The failure as kept for diagnostics.
    pub fn report(&self) -> ProblemReport {
        let provider = self.provider();
        ProblemReport {
            at: clock::now_rfc3339(),
            summary: match self {
                RefreshError::Unreachable(u) => u.detail.clone(),
                RefreshError::SecretsUnavailable(info) | RefreshError::Local(info) => {
                    info.title.clone()
                }
                _ => provider
                    .map(ProviderError::summary)
                    .unwrap_or_else(|| self.reason()),
            },
            detail: provider.and_then(|p| p.error_description.clone()),
            trace_id: provider.and_then(|p| p.trace_id.clone()),
            correlation_id: provider.and_then(|p| p.correlation_id.clone()),
            request_id: None,
        }
    }
}

/// `error: description` plus Microsoft's trace and correlation ids, for a support request.
fn detail_with_ids(p: &ProviderError) -> String {
    let mut text = p.summary();
    if let Some(t) = &p.trace_id {
        text.push_str(&format!(" (trace ID {t}"));
        match &p.correlation_id {
            Some(c) => text.push_str(&format!(", correlation ID {c})")),
            None => text.push(')'),
        }
    } else if let Some(c) = &p.correlation_id {
        text.push_str(&format!(" (correlation ID {c})"));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn aad(error: &str, code: u64, description: &str) -> ProviderError {
        ProviderError {
            error: error.into(),
            error_description: Some(format!("AADSTS{code}: {description}")),
            error_codes: Some(vec![code]),
            trace_id: Some("trace-1".into()),
            correlation_id: Some("corr-1".into()),
            ..ProviderError::default()
        }
    }

    #[test]
    fn each_listed_code_lands_in_its_class_with_a_reason_in_words() {
        let reconnect = [
            (70008, ReconnectReason::ExpiredAfterInactivity),
            (700082, ReconnectReason::ExpiredAfterInactivity),
            (50173, ReconnectReason::PasswordChanged),
            (54005, ReconnectReason::Revoked),
            (700084, ReconnectReason::Expired),
        ];
        for (code, expected) in reconnect {
            let e = RefreshError::from_provider(aad("invalid_grant", code, "x"), 400, None);
            assert!(
                matches!(e, RefreshError::NeedsReconnect { reason, .. } if reason == expected),
                "{code}: {e:?}"
            );
            assert!(!e.reason().contains("invalid_grant"), "{}", e.reason());
        }
        let e = RefreshError::from_provider(
            ProviderError::new("interaction_required", None),
            400,
            None,
        );
        assert!(matches!(
            e,
            RefreshError::NeedsReconnect {
                reason: ReconnectReason::MfaOrConditionalAccess,
                ..
            }
        ));
        let e =
            RefreshError::from_provider(ProviderError::new("consent_required", None), 400, None);
        assert!(matches!(
            e,
            RefreshError::NeedsReconnect {
                reason: ReconnectReason::ConsentWithdrawn,
                ..
            }
        ));
        for (code, expected) in [
            (7000215, CredentialsReason::WrongSecret),
            (7000222, CredentialsReason::SecretExpired),
            (700016, CredentialsReason::AppNotFound),
        ] {
            let e = RefreshError::from_provider(aad("invalid_client", code, "x"), 401, None);
            assert!(
                matches!(e, RefreshError::AppCredentialsInvalid { reason, .. } if reason == expected),
                "{code}: {e:?}"
            );
        }
    }

    #[test]
    fn throttling_and_server_errors_are_unreachable_with_retry_after() {
        let e = RefreshError::from_provider(
            aad("temporarily_unavailable", 90055, "too many"),
            429,
            Some(Duration::from_secs(7)),
        );
        let RefreshError::Unreachable(u) = &e else {
            panic!("{e:?}")
        };
        assert_eq!(u.kind, UnreachableKind::Throttled);
        assert_eq!(u.retry_after, Some(Duration::from_secs(7)));
        let e = RefreshError::from_provider(aad("invalid_grant", 50173, "x"), 503, None);
        assert!(
            matches!(e, RefreshError::Unreachable(_)),
            "5xx never means broken"
        );
    }

    #[test]
    fn unknown_errors_are_kept_verbatim_with_their_ids() {
        let e = RefreshError::from_provider(
            aad("invalid_request", 9999999, "Something new"),
            400,
            None,
        );
        assert!(matches!(
            e,
            RefreshError::NeedsReconnect {
                reason: ReconnectReason::Unknown,
                ..
            }
        ));
        assert!(
            !e.reason().contains("AADSTS"),
            "words stay out of the reason: {}",
            e.reason()
        );
        assert!(e.report().summary.contains("AADSTS9999999: Something new"));
        let info = e.to_error_info();
        let detail = info.detail.unwrap();
        assert!(
            detail.contains("trace ID trace-1") && detail.contains("correlation ID corr-1"),
            "{detail}"
        );
        let report = e.report();
        assert_eq!(report.trace_id.as_deref(), Some("trace-1"));
        assert_eq!(report.correlation_id.as_deref(), Some("corr-1"));
    }

    #[test]
    fn retry_after_reads_seconds_and_http_dates() {
        assert_eq!(parse_retry_after(" 12 "), Some(Duration::from_secs(12)));
        let soon = std::time::SystemTime::now() + Duration::from_secs(30);
        let parsed = parse_retry_after(&httpdate::fmt_http_date(soon)).unwrap();
        assert!(
            parsed <= Duration::from_secs(30) && parsed >= Duration::from_secs(25),
            "{parsed:?}"
        );
        assert_eq!(parse_retry_after("soon"), None);
    }
}
