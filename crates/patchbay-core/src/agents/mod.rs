//! Agents: a connection's data as a few tools for a local AI assistant (`patchbay mcp`), through the connection
//! and never its token. This module is what every surface agrees on — which tools a connection offers (its
//! connector's, in the catalogue), what each needs (a permission, and for writes a flag the person gave), and how
//! a failure reads to an assistant — so the MCP server, the CLI and the window's "Use with an AI assistant" panel
//! cannot disagree. The Graph work is one module per resource ([`mail`], [`calendar`], [`files`], [`teams`]) over
//! [`common`] rules and a [`session`] that remembers what a server has learnt; [`log`] records every write and
//! send, [`setup`] writes the configuration to paste.
//!
//! Each connector's set is small on purpose, each tool with a short result (a few fields an item, text cut to a
//! budget), because every tool an assistant is offered and every byte it is sent fills its context.

pub mod calendar;
pub mod common;
pub mod files;
pub mod log;
pub mod mail;
pub mod session;
pub mod setup;
pub mod teams;

pub use crate::catalogue::{Requirement, ToolSpec};

use crate::catalogue::{bare, Catalogue, Connector};
use crate::error::{ErrorCode, ErrorInfo};
use crate::model::ConnectionSummary;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// What a person lets the assistant do beyond reading (`--allow-write`, `--allow-send`, `--files-dir`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Allow {
    /// Change the person's data — drafts, events, files — with nothing leaving (`--allow-write`).
    pub write: bool,
    /// Let something leave for other people — mail, a sharing link, a chat message (`--allow-send`).
    pub send: bool,
    /// Read and write files on this computer, inside one folder (`--files-dir DIR`).
    #[serde(default)]
    pub files_dir: bool,
}

impl Allow {
    pub fn grants(self, requirement: Requirement) -> bool {
        match requirement {
            Requirement::Write => self.write,
            Requirement::Send => self.send,
            Requirement::FilesDir => self.files_dir,
        }
    }

    /// Whether the person's flags let `spec` be offered.
    pub fn allows(self, spec: &ToolSpec) -> bool {
        spec.requires.iter().all(|r| self.grants(*r))
    }
}

/// The one tool every server offers, whatever it serves: the connections, and what each offers.
pub const LIST_CONNECTIONS: &str = "list_connections";

/// Every tool of the catalogue (its connectors' tools, in catalogue order), with its connector's id.
pub fn all_tools(catalogue: &Catalogue) -> Vec<(&str, &ToolSpec)> {
    catalogue
        .connectors()
        .iter()
        .flat_map(|c| c.capabilities.tools.iter().map(move |t| (c.id.as_str(), t)))
        .collect()
}

/// The tool called `name`, when there is one.
pub fn tool<'a>(catalogue: &'a Catalogue, name: &str) -> Option<&'a ToolSpec> {
    catalogue.tool(name).map(|(_, t)| t)
}

/// The tools a connection of `connector` with `granted` offers under `allow`, in catalogue order, after
/// [`LIST_CONNECTIONS`].
pub fn tools_for(connector: Option<&Connector>, granted: &[String], allow: Allow) -> Vec<String> {
    std::iter::once(LIST_CONNECTIONS.to_string())
        .chain(
            connector
                .into_iter()
                .flat_map(|c| c.capabilities.tools.iter())
                .filter(|t| allow.allows(t) && t.permitted(granted))
                .map(|t| t.name.clone()),
        )
        .collect()
}

/// Whether `connection` (of a connector in `catalogue`) offers `tool` by its permissions.
pub fn offers(catalogue: &Catalogue, connection: &ConnectionSummary, tool: &str) -> bool {
    catalogue
        .get(&connection.connector_id)
        .ok()
        .and_then(|c| c.capabilities.tool(tool))
        .is_some_and(|t| t.permitted(&connection.info.scopes_granted))
}

/// Whether `connection`'s connector has `tool` at all (permitted or not).
pub fn has_tool(catalogue: &Catalogue, connection: &ConnectionSummary, tool: &str) -> bool {
    catalogue
        .get(&connection.connector_id)
        .ok()
        .is_some_and(|c| c.capabilities.tool(tool).is_some())
}

/// The tools to list for a set of served connections: a tool is listed when the flags allow it and at least
/// one of them has its permission (one that lacks it answers with the permission's name).
pub fn tools_for_all(
    catalogue: &Catalogue,
    connections: &[ConnectionSummary],
    allow: Allow,
) -> Vec<String> {
    std::iter::once(LIST_CONNECTIONS.to_string())
        .chain(
            all_tools(catalogue)
                .into_iter()
                .filter(|(_, t)| {
                    allow.allows(t) && connections.iter().any(|c| offers(catalogue, c, &t.name))
                })
                .map(|(_, t)| t.name.clone()),
        )
        .collect()
}

/// The connection a tool call names (`id` or name, case-insensitive), among those served whose connector has
/// `tool` (all of them for `None`). It may be left out when exactly one of those is served.
pub fn pick<'a>(
    catalogue: &Catalogue,
    served: &'a [ConnectionSummary],
    named: Option<&str>,
    tool: Option<&str>,
) -> Result<&'a ConnectionSummary, ErrorInfo> {
    let fits = |c: &ConnectionSummary| tool.is_none_or(|t| has_tool(catalogue, c, t));
    let candidates: Vec<&ConnectionSummary> = served.iter().filter(|c| fits(c)).collect();
    let names = |list: &[&ConnectionSummary]| {
        list.iter()
            .map(|c| format!("\"{}\" ({})", c.info.name, c.info.id))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let all: Vec<&ConnectionSummary> = served.iter().collect();
    let kind = |tool: &str| {
        catalogue
            .tool(tool)
            .map(|(c, _)| c.name.clone())
            .unwrap_or_else(|| "such".into())
    };
    match named.map(str::trim).filter(|n| !n.is_empty()) {
        None => match candidates.as_slice() {
            [one] => Ok(one),
            [] if served.is_empty() => Err(ErrorInfo::new(
                ErrorCode::NotFound,
                "Patchbay has no connection to serve.",
                "Open Patchbay and make one, then restart the assistant's MCP server.",
            )),
            [] => Err(ErrorInfo::new(
                ErrorCode::NotFound,
                format!(
                    "No served connection offers {}: it needs a {} connection.",
                    tool.unwrap_or_default(),
                    kind(tool.unwrap_or_default())
                ),
                format!("The connections: {}.", names(&all)),
            )),
            many => Err(ErrorInfo::new(
                ErrorCode::InvalidInput,
                "More than one connection is served: say which with `connection`.",
                format!("The connections: {}.", names(many)),
            )),
        },
        Some(wanted) => {
            let found = served
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
                        format!(
                            "The connections: {}. Call list_connections to see them.",
                            names(&all)
                        ),
                    )
                })?;
            match tool {
                Some(t) if !fits(found) => Err(ErrorInfo::new(
                    ErrorCode::InvalidInput,
                    format!(
                        "\"{}\" cannot do {t}: it works with {} connections.",
                        found.info.name,
                        kind(t)
                    ),
                    match candidates.as_slice() {
                        [] => "No served connection offers it.".to_string(),
                        some => format!("Those served: {}.", names(some)),
                    },
                )),
                _ => Ok(found),
            }
        }
    }
}

/// Refuse a call whose connection lacks the tool's permission, naming it, and saying how it is had: Fix when it
/// was asked for and not granted, a new connection with the feature that carries it otherwise. A permission
/// only an administrator can approve (the catalogue marks it; ChannelMessage.Read.All) says so, and that the
/// person's administrator grants it first.
pub fn check_permission(
    connector: Option<&Connector>,
    spec: &ToolSpec,
    connection: &ConnectionSummary,
) -> Result<(), ErrorInfo> {
    let Some(need) = spec
        .needs
        .as_ref()
        .filter(|_| !spec.permitted(&connection.info.scopes_granted))
    else {
        return Ok(());
    };
    let requested = connection.info.scopes_requested.iter().any(|s| {
        need.carried_by
            .iter()
            .any(|c| bare(s).eq_ignore_ascii_case(c))
    });
    let name = &connection.info.name;
    let admin_only = connector.is_some_and(|c| {
        c.permissions
            .iter()
            .any(|p| p.admin_consent && p.scope.eq_ignore_ascii_case(&need.scope))
    });
    let feature = connector.and_then(|c| {
        c.features
            .iter()
            .find(|f| f.scopes.iter().any(|s| s.eq_ignore_ascii_case(&need.scope)))
            .map(|f| f.label.clone())
    });
    let made_with = match &feature {
        Some(label) => format!("make a connection with \"{label}\" chosen"),
        None => "make a connection with that feature chosen".to_string(),
    };
    let (title, what) = if admin_only {
        let then = if requested {
            format!("open Patchbay and choose Fix on \"{name}\"")
        } else {
            format!("in Patchbay, {made_with} (\"{name}\" was made without it)")
        };
        (
            format!(
                "{} needs the permission {}, which connection \"{name}\" does not have; only an administrator \
                 can approve it for the organisation.",
                spec.name, need.scope
            ),
            format!(
                "Ask the organisation's Microsoft 365 administrator to grant {} to Patchbay's app; once they have, \
                 {then}.",
                need.scope
            ),
        )
    } else {
        let what = if requested {
            format!(
                "It was asked for but not granted: open Patchbay and choose Fix on \"{name}\" to grant it (an \
                 administrator may have to consent)."
            )
        } else {
            format!("\"{name}\" was made without it: in Patchbay, {made_with}.")
        };
        (
            format!(
                "{} needs the permission {}, which connection \"{name}\" does not have.",
                spec.name, need.scope
            ),
            what,
        )
    };
    Err(ErrorInfo::new(ErrorCode::InvalidScope, title, what))
}

/// An error as an assistant reads it: what happened and what the person does about it, in words. A connection
/// that needs signing in again says to open Patchbay and Fix it: the server never starts a sign-in itself (an
/// assistant's tool call must not pop up browsers).
pub fn words_for_assistant(info: &ErrorInfo, connection_name: Option<&str>) -> String {
    let info = info.clone().for_surface(crate::error::Surface::Mcp);
    let mut words = format!("{} {}", info.title, info.message);
    if info.code.mended_by_sign_in() {
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
        let catalogue = Catalogue::builtin();
        let outlook = catalogue.get("outlook365").ok();
        let read_only = s(&["openid", "User.Read", "Mail.Read"]);
        assert_eq!(
            tools_for(outlook, &read_only, Allow::default()),
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
        assert_eq!(tools_for(outlook, &all, Allow::default()).len(), 5);
        let write = Allow {
            write: true,
            ..Allow::default()
        };
        assert_eq!(
            tools_for(outlook, &all, write),
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
        let send = Allow {
            send: true,
            ..Allow::default()
        };
        assert!(tools_for(outlook, &all, send).contains(&"send_mail".to_string()));
        // The flag alone offers nothing the permission does not carry.
        let everything = Allow {
            write: true,
            send: true,
            files_dir: true,
        };
        assert!(!tools_for(outlook, &read_only, everything).contains(&"send_mail".to_string()));
        // A connection of no known connector offers only the list.
        assert_eq!(tools_for(None, &all, everything), ["list_connections"]);
    }

    #[test]
    fn a_permission_only_an_administrator_approves_says_so_and_how() {
        let catalogue = Catalogue::builtin();
        let teams = catalogue.get("teams").ok();
        let spec = teams.unwrap().capabilities.tool("read_channel").unwrap();
        let mut c = ConnectionSummary::example("c1");
        c.info.name = "Work chat".into();
        c.info.scopes_granted = s(&["Chat.ReadWrite", "Channel.ReadBasic.All"]);
        c.info.scopes_requested = c.info.scopes_granted.clone();
        let e = check_permission(teams, spec, &c).unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidScope);
        assert!(e.title.contains("ChannelMessage.Read.All"), "{}", e.title);
        assert!(e.title.contains("administrator"), "{}", e.title);
        assert!(
            e.message.contains("grant ChannelMessage.Read.All"),
            "{}",
            e.message
        );
        assert!(
            e.message.contains("\"Read channel messages\" chosen"),
            "{}",
            e.message
        );
        // Asked for and not granted: Fix, once the administrator has approved it.
        c.info
            .scopes_requested
            .push("ChannelMessage.Read.All".into());
        let e = check_permission(teams, spec, &c).unwrap_err();
        assert!(
            e.message.contains("choose Fix on \"Work chat\""),
            "{}",
            e.message
        );
        // Granted: nothing to say.
        c.info.scopes_granted.push("ChannelMessage.Read.All".into());
        assert!(check_permission(teams, spec, &c).is_ok());
    }
}
