//! Requested versus granted: which scopes Microsoft gave, which it left out, and which of the connector's
//! features cannot work without them. Pure.

use super::check::scope_key;
use crate::catalogue::Connector;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    pub granted: Vec<String>,
    pub missing: Vec<String>,
    /// Labels of the features the missing scopes disable.
    pub features_unavailable: Vec<String>,
}

/// Compare what was requested with what the token response granted. No `scope` in the answer means all were
/// granted (RFC 6749 §5.1). The OpenID scopes and `offline_access` never show up in Microsoft's `scope`, and the
/// refresh token itself proves `offline_access`, so they count as granted.
pub fn diff(requested: &[String], granted: Option<&[String]>, connector: &Connector) -> Grant {
    let granted_keys: Vec<String> = granted
        .unwrap_or(requested)
        .iter()
        .map(|s| scope_key(s))
        .collect();
    let is_granted = |s: &String| {
        let key = scope_key(s);
        granted_keys.contains(&key)
            || matches!(
                key.as_str(),
                "offline_access" | "openid" | "profile" | "email"
            )
    };
    let (granted, missing): (Vec<String>, Vec<String>) =
        requested.iter().cloned().partition(|s| is_granted(s));
    let missing_keys: Vec<String> = missing.iter().map(|s| scope_key(s)).collect();
    let features_unavailable = connector
        .features
        .iter()
        .filter(|f| {
            f.scopes
                .iter()
                .any(|s| missing_keys.contains(&scope_key(s)))
        })
        .map(|f| f.label.clone())
        .collect();
    Grant {
        granted,
        missing,
        features_unavailable,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::Catalogue;

    fn strings(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn missing_scopes_name_the_features_they_disable() {
        let catalogue = Catalogue::builtin();
        let connector = catalogue.get("outlook365").unwrap();
        let requested = strings(&["openid", "offline_access", "Mail.Read", "Calendars.Read"]);
        let granted = strings(&["https://graph.microsoft.com/Mail.Read"]);
        let g = diff(&requested, Some(&granted), connector);
        assert_eq!(
            g.granted,
            strings(&["openid", "offline_access", "Mail.Read"])
        );
        assert_eq!(g.missing, strings(&["Calendars.Read"]));
        assert!(
            g.features_unavailable
                .iter()
                .any(|f| f.to_lowercase().contains("calendar")),
            "{:?}",
            g.features_unavailable
        );
    }

    #[test]
    fn no_scope_in_the_answer_means_all_granted() {
        let catalogue = Catalogue::builtin();
        let connector = catalogue.get("outlook365").unwrap();
        let requested = strings(&["openid", "Mail.Read"]);
        let g = diff(&requested, None, connector);
        assert_eq!(g.granted, requested);
        assert!(g.missing.is_empty() && g.features_unavailable.is_empty());
    }
}
