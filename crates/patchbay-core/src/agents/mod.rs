//! Agents: a connection's mail and calendar as a few tools for a local AI assistant (`patchbay mcp`), through the
//! connection and never its token. This module is what every surface agrees on — which tools there are, what
//! each needs (a permission, and for writes a flag the person gave), and how a failure reads to an assistant — so
//! the MCP server, the CLI and the window's "Use with an AI assistant" panel cannot disagree. [`ops`] does the
//! Graph work, [`log`] records every write and send, [`setup`] writes the configuration to paste.
//!
//! The set is small on purpose: eight tools, each with a short result (a few fields a message, bodies as plain
//! text cut to a budget), because every tool an assistant is offered and every byte it is sent fills its context.

pub mod log;
pub mod ops;
pub mod setup;

use crate::error::{ErrorCode, ErrorInfo};
use crate::model::ConnectionSummary;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// What a person lets the assistant do beyond reading (`--allow-write`, `--allow-send`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Allow {
    /// Create drafts and events (`--allow-write`).
    pub write: bool,
    /// Send mail (`--allow-send`).
    pub send: bool,
}

/// The flag a tool needs besides its permission.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flag {
    Write,
    Send,
}

/// One tool: its name (fixed: assistants' configurations and scripts name it), the permission it needs, and
/// the permissions that carry it (Graph's "least privileged or higher": Mail.ReadWrite also reads).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ToolSpec {
    pub name: &'static str,
    /// `None`: needs no permission (`list_connections`).
    pub needs: Option<&'static str>,
    pub carried_by: &'static [&'static str],
    pub flag: Option<Flag>,
}

const READ_MAIL: &[&str] = &["Mail.Read", "Mail.ReadWrite"];
const READ_CALENDAR: &[&str] = &["Calendars.Read", "Calendars.ReadWrite"];

/// Every tool, in the order they are listed.
pub const TOOLS: &[ToolSpec] = &[
    ToolSpec {
        name: "list_connections",
        needs: None,
        carried_by: &[],
        flag: None,
    },
    ToolSpec {
        name: "search_mail",
        needs: Some("Mail.Read"),
        carried_by: READ_MAIL,
        flag: None,
    },
    ToolSpec {
        name: "list_messages",
        needs: Some("Mail.Read"),
        carried_by: READ_MAIL,
        flag: None,
    },
    ToolSpec {
        name: "get_message",
        needs: Some("Mail.Read"),
        carried_by: READ_MAIL,
        flag: None,
    },
    ToolSpec {
        name: "list_events",
        needs: Some("Calendars.Read"),
        carried_by: READ_CALENDAR,
        flag: None,
    },
    ToolSpec {
        name: "create_draft",
        needs: Some("Mail.ReadWrite"),
        carried_by: &["Mail.ReadWrite"],
        flag: Some(Flag::Write),
    },
    ToolSpec {
        name: "create_event",
        needs: Some("Calendars.ReadWrite"),
        carried_by: &["Calendars.ReadWrite"],
        flag: Some(Flag::Write),
    },
    ToolSpec {
        name: "send_mail",
        needs: Some("Mail.Send"),
        carried_by: &["Mail.Send"],
        flag: Some(Flag::Send),
    },
];

pub fn tool(name: &str) -> Option<&'static ToolSpec> {
    TOOLS.iter().find(|t| t.name == name)
}

/// A granted scope's bare name: `https://graph.microsoft.com/Mail.Read` → `Mail.Read`.
fn bare(scope: &str) -> &str {
    scope.rsplit('/').next().unwrap_or(scope)
}

impl ToolSpec {
    /// Whether `granted` carries this tool's permission.
    pub fn permitted(&self, granted: &[String]) -> bool {
        self.needs.is_none()
            || granted.iter().any(|g| {
                self.carried_by
                    .iter()
                    .any(|c| bare(g).eq_ignore_ascii_case(c))
            })
    }

    /// Whether the person's flags let it be offered.
    pub fn allowed(&self, allow: Allow) -> bool {
        match self.flag {
            None => true,
            Some(Flag::Write) => allow.write,
            Some(Flag::Send) => allow.send,
        }
    }
}

/// The tools a connection with `granted` offers under `allow`, in [`TOOLS`] order.
pub fn tools_for(granted: &[String], allow: Allow) -> Vec<&'static str> {
    TOOLS
        .iter()
        .filter(|t| t.allowed(allow) && t.permitted(granted))
        .map(|t| t.name)
        .collect()
}

/// The tools to list for a set of served connections: a tool is listed when the flags allow it and at least
/// one of them has its permission (one that lacks it answers with the permission's name).
pub fn tools_for_all(connections: &[ConnectionSummary], allow: Allow) -> Vec<&'static str> {
    TOOLS
        .iter()
        .filter(|t| {
            t.allowed(allow)
                && (t.needs.is_none()
                    || connections
                        .iter()
                        .any(|c| t.permitted(&c.info.scopes_granted)))
        })
        .map(|t| t.name)
        .collect()
}

/// The connection a tool call names (`id` or name, case-insensitive), among those served. `None` is allowed when
/// exactly one is served.
pub fn pick<'a>(
    served: &'a [ConnectionSummary],
    named: Option<&str>,
) -> Result<&'a ConnectionSummary, ErrorInfo> {
    let names = || {
        served
            .iter()
            .map(|c| format!("\"{}\" ({})", c.info.name, c.info.id))
            .collect::<Vec<_>>()
            .join(", ")
    };
    match named.map(str::trim).filter(|n| !n.is_empty()) {
        None => match served {
            [one] => Ok(one),
            [] => Err(ErrorInfo::new(
                ErrorCode::NotFound,
                "Patchbay has no connection to serve.",
                "Open Patchbay and make one (Microsoft Outlook 365), then restart the assistant's MCP server.",
            )),
            _ => Err(ErrorInfo::new(
                ErrorCode::InvalidInput,
                "More than one connection is served: say which with `connection`.",
                format!("The connections: {}.", names()),
            )),
        },
        Some(wanted) => served
            .iter()
            .find(|c| c.info.id == wanted)
            .or_else(|| {
                served
                    .iter()
                    .find(|c| c.info.name.eq_ignore_ascii_case(wanted))
            })
            .ok_or_else(|| {
                ErrorInfo::new(
                    ErrorCode::NotFound,
                    format!("No served connection is called \"{wanted}\"."),
                    format!("The connections: {}. Call list_connections to see them.", names()),
                )
            }),
    }
}

/// Refuse a call whose connection lacks the tool's permission, naming it.
pub fn check_permission(spec: &ToolSpec, connection: &ConnectionSummary) -> Result<(), ErrorInfo> {
    if spec.permitted(&connection.info.scopes_granted) {
        return Ok(());
    }
    let needs = spec.needs.unwrap_or_default();
    let requested = connection.info.scopes_requested.iter().any(|s| {
        spec.carried_by
            .iter()
            .any(|c| bare(s).eq_ignore_ascii_case(c))
    });
    let what = if requested {
        format!(
            "It was asked for but not granted: open Patchbay and choose Fix on \"{}\" to grant it (an \
             administrator may have to consent).",
            connection.info.name
        )
    } else {
        format!(
            "\"{}\" was made without it: in Patchbay, make a connection with that feature chosen.",
            connection.info.name
        )
    };
    Err(ErrorInfo::new(
        ErrorCode::InvalidScope,
        format!(
            "{} needs the permission {needs}, which connection \"{}\" does not have.",
            spec.name, connection.info.name
        ),
        what,
    ))
}

/// An error as an assistant reads it: what happened and what the person does about it, in words. A connection
/// that needs signing in again says to open Patchbay and Fix it: the server never starts a sign-in itself (an
/// assistant's tool call must not pop up browsers).
pub fn words_for_assistant(info: &ErrorInfo, connection_name: Option<&str>) -> String {
    let info = info.clone().for_surface(crate::error::Surface::Mcp);
    let mut words = format!("{} {}", info.title, info.message);
    let sign_in = matches!(
        info.code,
        ErrorCode::RefreshTokenRevoked
            | ErrorCode::AccountMismatch
            | ErrorCode::MfaRequired
            | ErrorCode::InvalidClientSecret
            | ErrorCode::ClientSecretExpired
            | ErrorCode::AppNotFound
    );
    if sign_in {
        let which = connection_name
            .map(|n| format!(" on \"{n}\""))
            .unwrap_or_default();
        words.push_str(&format!(
            " Ask the person to open Patchbay and choose Fix{which}; this server never signs in by itself."
        ));
    }
    if let Some(detail) = &info.detail {
        words.push_str(&format!(" (Microsoft: {detail})"));
    }
    words.replace('\n', " ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(list: &[&str]) -> Vec<String> {
        list.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn tools_follow_the_permissions_and_the_flags() {
        let read_only = s(&["openid", "User.Read", "Mail.Read"]);
        assert_eq!(
            tools_for(&read_only, Allow::default()),
            [
                "list_connections",
                "search_mail",
                "list_messages",
                "get_message"
            ]
        );
        let all = s(&[
            "https://graph.microsoft.com/Mail.ReadWrite",
            "Mail.Send",
            "Calendars.ReadWrite",
        ]);
        assert_eq!(tools_for(&all, Allow::default()).len(), 5);
        assert_eq!(
            tools_for(
                &all,
                Allow {
                    write: true,
                    send: false
                }
            ),
            [
                "list_connections",
                "search_mail",
                "list_messages",
                "get_message",
                "list_events",
                "create_draft",
                "create_event"
            ]
        );
        assert!(tools_for(
            &all,
            Allow {
                write: false,
                send: true
            }
        )
        .contains(&"send_mail"));
        // The flag alone offers nothing the permission does not carry.
        assert!(!tools_for(
            &read_only,
            Allow {
                write: true,
                send: true
            }
        )
        .contains(&"send_mail"));
    }
}
