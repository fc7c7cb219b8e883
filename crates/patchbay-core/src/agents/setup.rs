//! "Use with an AI assistant": for one connection, what each choice (read only, drafts, send) would offer an
//! assistant with the connection's permissions, and the configuration to paste — an `mcpServers` entry (the
//! JSON most assistants read) and the one-line `claude mcp add` for assistants with such a command. The server is
//! named after the connection and pinned to its id, so renaming it does not break an assistant's configuration.
//! A connector with tools that work through a folder on this computer (OneDrive's downloads and uploads) gets
//! `--files-dir` with a folder of its own in every choice — the Downloads folder's `Patchbay` by default, made
//! when the server starts — which the person may change in what they paste.

use super::{tools_for, Allow, Requirement};
use crate::catalogue::Connector;
use crate::model::ConnectionSummary;
use serde::Serialize;
use std::path::Path;
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
    /// The folder on this computer the file tools download into and upload from (`--files-dir`), when the
    /// connector has such tools; the person may change it in what they paste.
    #[ts(optional)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub files_dir: Option<String>,
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
/// the app, as installed) and `files_dir` as the folder for tools that need one (none offered without it).
pub fn assistant_setup(
    connector: Option<&Connector>,
    connection: &ConnectionSummary,
    command: &str,
    files_dir: Option<&Path>,
) -> AssistantSetup {
    let granted = &connection.info.scopes_granted;
    let wants_folder = connector.is_some_and(|c| {
        c.capabilities
            .tools
            .iter()
            .any(|t| t.requires.contains(&Requirement::FilesDir))
    });
    let files_dir = files_dir
        .filter(|_| wants_folder)
        .map(|d| d.display().to_string());
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
        let allow = Allow {
            files_dir: files_dir.is_some(),
            ..access.allow()
        };
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
        if let Some(dir) = &files_dir {
            args.push("--files-dir".into());
            args.push(dir.clone());
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
        files_dir,
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

    #[test]
    fn file_connectors_get_a_files_folder_in_every_choice() {
        let catalogue = crate::catalogue::Catalogue::builtin();
        let mut files = ConnectionSummary::example("f1");
        files.info.connector_id = "onedrive-sharepoint".into();
        files.info.scopes_granted = vec!["Files.ReadWrite".into()];
        let folder = Path::new("/home/ada/Downloads/Patchbay");
        let setup = assistant_setup(
            catalogue.get("onedrive-sharepoint").ok(),
            &files,
            "patchbay",
            Some(folder),
        );
        assert_eq!(
            setup.files_dir.as_deref(),
            Some("/home/ada/Downloads/Patchbay")
        );
        for choice in &setup.choices {
            let at = choice
                .args
                .iter()
                .position(|a| a == "--files-dir")
                .expect("--files-dir");
            assert_eq!(choice.args[at + 1], "/home/ada/Downloads/Patchbay");
            assert!(
                choice.tools.contains(&"download_file".to_string()),
                "{:?}",
                choice.tools
            );
            assert!(choice
                .add_command
                .contains("--files-dir /home/ada/Downloads/Patchbay"));
        }
        assert!(!setup.choices[0].tools.contains(&"upload_file".to_string()));
        assert!(setup.choices[1].tools.contains(&"upload_file".to_string()));
        assert!(setup.choices[1]
            .tools
            .contains(&"create_folder".to_string()));
        assert!(setup.choices[2].tools.contains(&"share_link".to_string()));
        // Without a folder, the tools that need one are not offered.
        let none = assistant_setup(
            catalogue.get("onedrive-sharepoint").ok(),
            &files,
            "patchbay",
            None,
        );
        assert!(none.files_dir.is_none());
        assert!(!none.choices[2].tools.contains(&"download_file".to_string()));
        assert!(!none.choices[2].args.contains(&"--files-dir".to_string()));
        // Mail has no such tools: no folder.
        let mail = ConnectionSummary::example("m1");
        let setup = assistant_setup(
            catalogue.get("outlook365").ok(),
            &mail,
            "patchbay",
            Some(folder),
        );
        assert!(setup.files_dir.is_none());
        assert!(setup
            .choices
            .iter()
            .all(|c| !c.args.contains(&"--files-dir".to_string())));
    }
}
