//! What makes a stored access token good enough for a caller, and what a refresh asks for.

use crate::secrets::ConnectionSecrets;
use secrecy::SecretString;
use std::time::Duration;

/// A connection's access token. Never serialised; `Debug` redacts it.
#[derive(Debug)]
pub struct AccessToken {
    pub token: SecretString,
    /// Unix seconds.
    pub expires_at: i64,
    /// Whether this call refreshed it (false: the stored one was still good).
    pub refreshed: bool,
}

/// What the caller needs of the token.
#[derive(Debug, Clone, Copy, Default)]
pub struct TokenPolicy {
    /// Refresh even when the stored token is still good (`patchbay check --refresh`). Callers who asked at the
    /// same time share one refresh.
    pub force_refresh: bool,
    /// Refresh when the stored token was obtained longer ago than this (the monitor's daily refresh, which keeps
    /// Microsoft's 90-day inactivity window from ever closing on a running app).
    pub max_age: Option<Duration>,
}

/// Seconds a token must still be valid for: five minutes, or half the lifetime of a short-lived token.
pub(super) fn margin(lifetime: i64) -> i64 {
    if lifetime < 600 {
        (lifetime + 1) / 2
    } else {
        300
    }
}

/// The stored access token, when it is good enough for `policy` at `now_ms`. `asked_at_ms`: a forced refresh
/// accepts a token obtained after it asked (someone refreshed in the meantime).
pub(super) fn usable(
    secrets: &ConnectionSecrets,
    now_ms: i64,
    policy: TokenPolicy,
    asked_at_ms: i64,
) -> Option<AccessToken> {
    let token = secrets.access_token.as_ref()?;
    let expires_at = secrets.access_expires_at?;
    let issued_ms = secrets
        .access_issued_at_ms
        .unwrap_or((expires_at - 3600) * 1000);
    let now = now_ms / 1000;
    if expires_at - now < margin(expires_at - issued_ms / 1000) {
        return None;
    }
    if policy.force_refresh && issued_ms <= asked_at_ms {
        return None;
    }
    if let Some(max_age) = policy.max_age {
        if now_ms - issued_ms >= max_age.as_millis() as i64 {
            return None;
        }
    }
    Some(AccessToken {
        token: token.clone(),
        expires_at,
        refreshed: false,
    })
}

/// The scopes a refresh asks for: what was granted, without the OpenID scopes — a new ID token is not needed
/// (who the connection is was settled at sign-in), and without `openid` the provider signs none. When nothing
/// but OpenID scopes was granted, all of them.
pub(super) fn refresh_scopes(granted: &[String]) -> Vec<String> {
    let oidc = |s: &String| {
        matches!(
            s.to_ascii_lowercase().as_str(),
            "openid" | "profile" | "email"
        )
    };
    let resource: Vec<String> = granted.iter().filter(|s| !oidc(s)).cloned().collect();
    if resource
        .iter()
        .any(|s| !s.eq_ignore_ascii_case("offline_access"))
    {
        resource
    } else {
        granted.to_vec()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A token obtained at `issued` (seconds) and ending at `expires` (seconds).
    fn secrets(issued: i64, expires: i64) -> ConnectionSecrets {
        ConnectionSecrets {
            refresh_token: Some(SecretString::from("rt")),
            access_token: Some(SecretString::from("at")),
            access_expires_at: Some(expires),
            access_issued_at_ms: Some(issued * 1000),
            client_secret: None,
            renewal_lost: false,
        }
    }

    const S: i64 = 1000;

    #[test]
    fn a_refresh_asks_for_the_granted_resource_scopes_only() {
        let granted: Vec<String> = ["openid", "profile", "email", "offline_access", "Mail.Read"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(refresh_scopes(&granted), ["offline_access", "Mail.Read"]);
        let only_oidc: Vec<String> = ["openid", "offline_access"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(refresh_scopes(&only_oidc), only_oidc);
    }

    #[test]
    fn a_token_must_outlive_five_minutes_or_half_a_short_lifetime() {
        let p = TokenPolicy::default();
        // An hour-long token: good until five minutes before it ends.
        assert!(usable(&secrets(0, 3600), 3299 * S, p, 0).is_some());
        assert!(usable(&secrets(0, 3600), 3301 * S, p, 0).is_none());
        // A four-minute token: good for its first half only.
        assert!(usable(&secrets(0, 240), 120 * S, p, 0).is_some());
        assert!(usable(&secrets(0, 240), 121 * S, p, 0).is_none());
        // Nothing stored: refresh.
        assert!(usable(&ConnectionSecrets::default(), 0, p, 0).is_none());
    }

    #[test]
    fn forced_and_daily_refreshes_accept_only_a_newer_token() {
        let forced = TokenPolicy {
            force_refresh: true,
            max_age: None,
        };
        assert!(usable(&secrets(100, 3700), 200 * S, forced, 150 * S).is_none());
        // Obtained in the same second, but after the caller asked: someone refreshed for it.
        let mut same_second = secrets(150, 3750);
        same_second.access_issued_at_ms = Some(150 * S + 300);
        assert!(usable(&same_second, 200 * S, forced, 150 * S + 100).is_some());
        assert!(usable(&same_second, 200 * S, forced, 150 * S + 300).is_none());
        let daily = TokenPolicy {
            force_refresh: false,
            max_age: Some(Duration::from_secs(86_400)),
        };
        assert!(usable(&secrets(0, 200_000), 86_399 * S, daily, 0).is_some());
        assert!(usable(&secrets(0, 200_000), 86_400 * S, daily, 0).is_none());
    }
}
