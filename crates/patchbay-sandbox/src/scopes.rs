//! Scopes the sandbox knows: the OpenID Connect ones and a list of Microsoft Graph delegated permissions,
//! each with the words shown on the consent page.

/// The OpenID Connect scopes (no resource).
pub const OIDC_SCOPES: [&str; 4] = ["openid", "profile", "email", "offline_access"];

/// Microsoft Graph's application ID (the resource of every Graph scope).
pub const GRAPH_RESOURCE_ID: &str = "00000003-0000-0000-c000-000000000000";

/// (scope, description) — Graph delegated permissions that the sandbox accepts.
pub const KNOWN_SCOPES: &[(&str, &str)] = &[
    ("openid", "Sign you in"),
    ("profile", "View your basic profile"),
    ("email", "View your email address"),
    (
        "offline_access",
        "Maintain access to data you have given it access to",
    ),
    ("User.Read", "Sign you in and read your profile"),
    ("User.ReadWrite", "Read and update your profile"),
    ("User.ReadBasic.All", "Read all users' basic profiles"),
    ("User.Read.All", "Read all users' full profiles"),
    ("Mail.Read", "Read your mail"),
    ("Mail.ReadBasic", "Read basic mail in your mailbox"),
    (
        "Mail.Read.Shared",
        "Read mail you can access, including shared mail",
    ),
    ("Mail.ReadWrite", "Read and write access to your mail"),
    (
        "Mail.ReadWrite.Shared",
        "Read and write mail you can access, including shared mail",
    ),
    ("Mail.Send", "Send mail as you"),
    (
        "Mail.Send.Shared",
        "Send mail on behalf of others or yourself",
    ),
    ("MailboxSettings.Read", "Read your mailbox settings"),
    (
        "MailboxSettings.ReadWrite",
        "Read and write your mailbox settings",
    ),
    ("Calendars.Read", "Read your calendars"),
    (
        "Calendars.Read.Shared",
        "Read calendars you can access, including shared calendars",
    ),
    ("Calendars.ReadWrite", "Have full access to your calendars"),
    (
        "Calendars.ReadWrite.Shared",
        "Read and write calendars you can access, including shared calendars",
    ),
    ("Contacts.Read", "Read your contacts"),
    ("Contacts.ReadWrite", "Have full access to your contacts"),
    ("Tasks.Read", "Read your tasks and task lists"),
    (
        "Tasks.ReadWrite",
        "Create, read, update, and delete your tasks and task lists",
    ),
    ("People.Read", "Read your relevant people list"),
    ("Files.Read", "Read your files"),
    ("Files.ReadWrite", "Have full access to your files"),
    ("Files.Read.All", "Read all files that you can access"),
    (
        "Files.ReadWrite.All",
        "Have full access to all files you have access to",
    ),
    ("Sites.Read.All", "Read items in all site collections"),
    (
        "Sites.ReadWrite.All",
        "Edit or delete items in all site collections",
    ),
    ("Chat.Read", "Read your chat messages"),
    (
        "Chat.ReadBasic",
        "Read names and members of your chat threads",
    ),
    ("Chat.ReadWrite", "Read and write your chat messages"),
    ("Chat.Create", "Create chats"),
    ("ChatMessage.Read", "Read your chat messages"),
    ("ChatMessage.Send", "Send chat messages"),
    ("ChannelMessage.Read.All", "Read your channel messages"),
    ("ChannelMessage.Send", "Send channel messages"),
    (
        "Team.ReadBasic.All",
        "Read the names and descriptions of teams",
    ),
    (
        "Channel.ReadBasic.All",
        "Read the names and descriptions of channels",
    ),
    ("Notes.Read", "Read your OneNote notebooks"),
    (
        "Notes.ReadWrite",
        "Read and write access to your OneNote notebooks",
    ),
    ("Presence.Read", "Read your presence information"),
    (
        "OnlineMeetings.ReadWrite",
        "Read and create your online meetings",
    ),
];

/// Delegated permissions only an administrator can grant (Microsoft marks them "Admin consent required"): a user
/// signing in to an app that asks for one, before an admin consented for the tenant, is stopped as where the
/// tenant requires admin consent (`AADSTS65001`, or the "Need admin approval" page, `AADSTS90094`).
pub const ADMIN_ONLY_SCOPES: &[&str] = &["ChannelMessage.Read.All"];

/// Whether only an administrator can grant `scope`.
pub fn admin_only(scope: &str) -> bool {
    ADMIN_ONLY_SCOPES
        .iter()
        .any(|s| s.eq_ignore_ascii_case(scope))
}

/// What the `scope` parameter asked for, normalised to the canonical short names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScopeRequest {
    /// Named scopes, in request order, without duplicates.
    Named(Vec<String>),
    /// `https://graph.microsoft.com/.default`, plus any OpenID Connect scopes.
    Default { oidc: Vec<String> },
}

/// Why a `scope` parameter was rejected (`AADSTS70011`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidScope(pub String);

fn canonical(name: &str) -> Option<&'static str> {
    KNOWN_SCOPES
        .iter()
        .map(|(s, _)| *s)
        .find(|s| s.eq_ignore_ascii_case(name))
}

pub fn is_oidc(scope: &str) -> bool {
    OIDC_SCOPES.iter().any(|s| s.eq_ignore_ascii_case(scope))
}

pub fn describe(scope: &str) -> &str {
    KNOWN_SCOPES
        .iter()
        .find(|(s, _)| s.eq_ignore_ascii_case(scope))
        .map(|(_, d)| *d)
        .unwrap_or(scope)
}

/// Strip a Graph resource prefix: `https://graph.microsoft.com/Mail.Read` → `Mail.Read`.
/// `None` if the scope names another resource.
fn strip_resource(scope: &str) -> Option<&str> {
    let lower = scope.to_ascii_lowercase();
    for prefix in [
        "https://graph.microsoft.com/",
        "00000003-0000-0000-c000-000000000000/",
    ] {
        if lower.starts_with(prefix) {
            return Some(&scope[prefix.len()..]);
        }
    }
    if scope.contains('/') || scope.contains(':') {
        None
    } else {
        Some(scope)
    }
}

pub fn parse(scope: &str) -> Result<ScopeRequest, InvalidScope> {
    let mut named: Vec<String> = Vec::new();
    let mut oidc: Vec<String> = Vec::new();
    let mut default = false;
    for raw in scope.split_whitespace() {
        let Some(short) = strip_resource(raw) else {
            return Err(InvalidScope(format!(
                "The provided value for the input parameter 'scope' is not valid. The scope '{raw}' does not exist."
            )));
        };
        if short.eq_ignore_ascii_case(".default") {
            default = true;
            continue;
        }
        let Some(canon) = canonical(short) else {
            return Err(InvalidScope(format!(
                "The provided value for the input parameter 'scope' is not valid. The scope '{raw}' does not exist."
            )));
        };
        let list = if is_oidc(canon) {
            &mut oidc
        } else {
            &mut named
        };
        if !list.iter().any(|s| s == canon) {
            list.push(canon.to_string());
        }
    }
    if default {
        if !named.is_empty() {
            return Err(InvalidScope(format!(
                "The provided value for the input parameter 'scope' is not valid. The scope '{scope}' is not valid. static scope limit exceeded."
            )));
        }
        return Ok(ScopeRequest::Default { oidc });
    }
    // Keep the request order, OpenID scopes included where they were asked for.
    let mut ordered: Vec<String> = Vec::new();
    for raw in scope.split_whitespace() {
        if let Some(c) = strip_resource(raw).and_then(canonical) {
            if !ordered.iter().any(|s| s == c) {
                ordered.push(c.to_string());
            }
        }
    }
    if ordered.is_empty() {
        return Err(InvalidScope(
            "The provided request must include a 'scope' input parameter.".to_string(),
        ));
    }
    Ok(ScopeRequest::Named(ordered))
}

/// Case-insensitive membership.
pub fn contains(list: &[String], scope: &str) -> bool {
    list.iter().any(|s| s.eq_ignore_ascii_case(scope))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_prefixes_and_case() {
        assert_eq!(
            parse("openid https://graph.microsoft.com/mail.read User.Read offline_access").unwrap(),
            ScopeRequest::Named(vec![
                "openid".into(),
                "Mail.Read".into(),
                "User.Read".into(),
                "offline_access".into()
            ])
        );
    }

    #[test]
    fn default_alone_or_with_oidc() {
        assert_eq!(
            parse("https://graph.microsoft.com/.default offline_access").unwrap(),
            ScopeRequest::Default {
                oidc: vec!["offline_access".into()]
            }
        );
        assert!(parse("https://graph.microsoft.com/.default Mail.Read").is_err());
    }

    #[test]
    fn rejects_unknown() {
        assert!(parse("Mail.Teleport").is_err());
        assert!(parse("api://other/thing").is_err());
        assert!(parse("   ").is_err());
    }
}
