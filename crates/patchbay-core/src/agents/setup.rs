//! "Use with an AI assistant": for one connection, what each choice (read only, drafts, send) would offer an
//! assistant with the connection's permissions, and the configuration to paste — an `mcpServers` entry (the
//! JSON most assistants read) and the one-line `claude mcp add` for assistants with such a command. The server is
//! named after the connection and pinned to its id, so renaming it does not break an assistant's configuration.

use super::{tools_for, Allow};
use crate::catalogue::Connector;
use crate::model::ConnectionSummary;
use serde::Serialize;
use ts_rs::TS;

/// How far the assistant may go.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Access {
    /// Read only.
    ReadOnly,
    /// And change the person's data: drafts, events, files (`--allow-write`).
    Drafts,
    /// And let things leave: mail, sharing links (`--allow-write --allow-send`).
    Send,
}

impl Access {
    pub fn allow(self) -> Allow {
        match self {
            Access::ReadOnly => Allow::default(),
            Access::Drafts => Allow {
                write: true,
                ..Allow::default()
            },
            Access::Send => Allow {
                write: true,
                send: true,
                ..Allow::default()
            },
        }
    }
}

/// One choice, ready to paste.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct AssistantChoice {
    pub access: Access,
    pub label: String,
    /// The tools the assistant would be offered.
    pub tools: Vec<String>,
    /// Tools this choice allows that the connection cannot offer, each with the permission it lacks
    /// (`"send_mail (needs Mail.Send)"`).
    pub missing: Vec<String>,
    /// `patchbay`'s arguments.
    pub args: Vec<String>,
    /// `{"mcpServers": {...}}`, pretty-printed.
    pub mcp_servers_json: String,
    /// `claude mcp add NAME -- COMMAND ARGS…`, quoted for a POSIX shell.
    pub add_command: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct AssistantSetup {
    pub connection_id: String,
    /// The server's name in an assistant's configuration.
    pub server_name: String,
    /// The program an assistant starts.
    pub command: String,
    pub choices: Vec<AssistantChoice>,
}

/// The `patchbay` program an assistant should start: the one installed beside this program (the packages put
/// `patchbay` and `patchbay-app` in the same folder), else `patchbay` on the PATH.
pub fn patchbay_command() -> String {
    let name = if cfg!(windows) {
        "patchbay.exe"
    } else {
        "patchbay"
    };
    std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(|dir| dir.join(name)))
        .filter(|candidate| candidate.is_file())
        .map(|p| p.to_string_lossy().into_owned())
        .unwrap_or_else(|| "patchbay".to_string())
}

/// `Work mail` → `patchbay-work-mail`.
fn server_name(name: &str) -> String {
    let slug: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    let slug = slug
        .split('-')
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join("-");
    if slug.is_empty() {
        "patchbay".into()
    } else {
        format!("patchbay-{slug}")
    }
}

/// The setup of `connection` (of `connector`), with `command` as the program to start (the `patchbay` beside
/// the app, as installed).
pub fn assistant_setup(
    connector: Option<&Connector>,
    connection: &ConnectionSummary,
    command: &str,
) -> AssistantSetup {
    let granted = &connection.info.scopes_granted;
    let name = server_name(&connection.info.name);
    let labels = connector
        .map(|c| c.capabilities.assistant_choices.clone())
        .unwrap_or_default();
    let label =
        |i: usize, fallback: &str| labels.get(i).cloned().unwrap_or_else(|| fallback.into());
    // A choice the catalogue leaves blank is not offered (Teams has nothing to write that is not a send).
    let choices = [
        (Access::ReadOnly, label(0, "Read only")),
        (Access::Drafts, label(1, "Read and write")),
        (Access::Send, label(2, "Read, write and send")),
    ]
    .into_iter()
    .filter(|(_, label)| !label.is_empty())
    .map(|(access, label)| {
        let allow = access.allow();
        let tools = tools_for(connector, granted, allow);
        let missing = connector
            .into_iter()
            .flat_map(|c| c.capabilities.tools.iter())
            .filter(|t| allow.allows(t) && !t.permitted(granted))
            .map(|t| {
                format!(
                    "{} (needs {})",
                    t.name,
                    t.needs
                        .as_ref()
                        .map(|n| n.scope.as_str())
                        .unwrap_or_default()
                )
            })
            .collect();
        let mut args = vec![
            "mcp".to_string(),
            "--connection".to_string(),
            connection.info.id.clone(),
        ];
        if allow.write {
            args.push("--allow-write".into());
        }
        if allow.send {
            args.push("--allow-send".into());
        }
        let json = serde_json::json!({
            "mcpServers": { name.clone(): { "command": command, "args": args } }
        });
        let mut line = vec![
            "claude".to_string(),
            "mcp".into(),
            "add".into(),
            name.clone(),
            "--".into(),
            command.to_string(),
        ];
        line.extend(args.iter().cloned());
        AssistantChoice {
            access,
            label: label.to_string(),
            tools,
            missing,
            args,
            mcp_servers_json: serde_json::to_string_pretty(&json).unwrap_or_default(),
            add_command: shell_words::join(line),
        }
    })
    .collect();
    AssistantSetup {
        connection_id: connection.info.id.clone(),
        server_name: name,
        command: command.to_string(),
        choices,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_slugs() {
        assert_eq!(server_name("Work mail"), "patchbay-work-mail");
        assert_eq!(server_name("  ÜÏ  "), "patchbay");
        assert_eq!(server_name("A/B (2)"), "patchbay-a-b-2");
    }
}
