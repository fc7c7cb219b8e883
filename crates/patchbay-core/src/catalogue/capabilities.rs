//! What a connector can do once connected, as data: its preview's sections, its automations' triggers, the tools
//! it offers an assistant, its command-line groups, and the permission each needs. The window, the CLI, the
//! automations and the assistant server read these; none of them compares a connector's id.
//!
//! A need is one delegated permission (`Mail.Read`). Graph's higher permissions carry the lower ones
//! (`Mail.ReadWrite` also reads), which the catalogue states once ([`Implications`]); each need is shipped with
//! every scope that carries it ([`Need::carried_by`]), worked out when the catalogue loads, so no surface derives
//! the rule again.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use ts_rs::TS;

/// The catalogue's table of which permission carries which: `Mail.ReadWrite` → `[Mail.Read]`.
pub type Implications = BTreeMap<String, Vec<String>>;

/// A permission a capability needs, and every scope that carries it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Need {
    /// The least permission that does (`Files.Read`).
    pub scope: String,
    /// It and every scope that carries it, as the catalogue says (worked out at load).
    #[serde(default, skip_deserializing)]
    pub carried_by: Vec<String>,
}

/// A granted scope's bare name: `https://graph.microsoft.com/Mail.Read` → `Mail.Read`.
pub fn bare(scope: &str) -> &str {
    scope.rsplit('/').next().unwrap_or(scope)
}

impl Need {
    /// Whether `granted` (scopes as Microsoft returned them) carries this need.
    pub fn met_by(&self, granted: &[String]) -> bool {
        granted.iter().any(|g| {
            self.carried_by
                .iter()
                .any(|c| bare(g).eq_ignore_ascii_case(c))
        })
    }

    fn resolve(&mut self, implications: &Implications) {
        self.carried_by = carriers(&self.scope, implications);
    }
}

/// `scope` and every scope that carries it, directly or through another: in the catalogue's order, no repeats.
pub fn carriers(scope: &str, implications: &Implications) -> Vec<String> {
    let mut found = vec![scope.to_string()];
    let mut i = 0;
    while i < found.len() {
        let wanted = found[i].clone();
        for (higher, lower) in implications {
            if lower.iter().any(|l| l.eq_ignore_ascii_case(&wanted))
                && !found.iter().any(|f| f.eq_ignore_ascii_case(higher))
            {
                found.push(higher.clone());
            }
        }
        i += 1;
    }
    found
}

/// One part of a connection's preview (each is one request of the preview's first `$batch`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct PreviewSpec {
    /// `inbox`, `agenda`, `recent_files`, `drive_root`, `quota`, `sites`, `recent_chats`, `joined_teams`.
    pub id: String,
    pub title: String,
    /// What it shows, so a surface can lay it out before it has loaded.
    pub kind: SectionKind,
    #[serde(default)]
    pub needs: Option<Need>,
}

/// The kind of content a preview section shows (the preview's content of that section has the same `kind`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum SectionKind {
    /// Mail messages, newest first.
    Messages,
    /// Calendar events, by day.
    Events,
    /// Files and folders.
    Files,
    /// How full a drive is.
    Quota,
    /// SharePoint sites.
    Sites,
    /// Teams chats, the latest message first, each with its members and last message.
    Chats,
    /// The Teams teams the person is in (each opens for its channels).
    Teams,
}

/// Something that can start an automation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct TriggerSpec {
    /// As the automation's JSON names it: `new_mail`.
    pub id: String,
    /// As `--on` takes it: `new-mail`.
    pub cli: String,
    /// In a sentence's place: "New mail arrives".
    pub label: String,
    pub needs: Need,
}

/// What a tool needs besides its permission: a flag the person gave `patchbay mcp`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Requirement {
    /// `--allow-write`: it changes the person's data (drafts, events, files), and nothing leaves.
    Write,
    /// `--allow-send`: something leaves for other people (mail, invitations, a sharing link, a chat message).
    Send,
    /// `--files-dir DIR`: it reads or writes files on this computer, inside that folder only.
    FilesDir,
}

impl Requirement {
    /// The flag that grants it.
    pub fn flag(self) -> &'static str {
        match self {
            Requirement::Write => "--allow-write",
            Requirement::Send => "--allow-send",
            Requirement::FilesDir => "--files-dir",
        }
    }
}

/// A tool an assistant may be offered (its name is fixed: assistants' configurations and scripts name it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ToolSpec {
    pub name: String,
    /// `None`: needs no permission.
    #[serde(default)]
    pub needs: Option<Need>,
    #[serde(default)]
    pub requires: Vec<Requirement>,
}

impl ToolSpec {
    /// Whether `granted` carries the tool's permission.
    pub fn permitted(&self, granted: &[String]) -> bool {
        self.needs.as_ref().is_none_or(|n| n.met_by(granted))
    }
}

/// A built-in action of automations that a connector's connections carry out (forward a message, post to a
/// chat, receive files). Which code does it is the automation's action kind; what it needs and where it fits
/// are these facts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ActionSpec {
    /// As the automation's JSON names it (`kind`): `forward`.
    pub id: String,
    /// Its `patchbay automations add` flag: `--forward-to`.
    pub cli: String,
    /// In a sentence's place: "Forward it".
    pub label: String,
    /// The triggers whose items it acts on, of the same connection (empty: it acts through another
    /// connection, after any trigger).
    #[serde(default)]
    pub after: Vec<String>,
    /// The permission it needs of the connection that carries it out, by where it acts (`""`: everywhere;
    /// `chat`, `channel` for a Teams post).
    pub needs: BTreeMap<String, Need>,
    /// It sends something to other people (mail, a chat message): the form says so.
    #[serde(default)]
    pub sends: bool,
}

impl ActionSpec {
    /// What it needs where it acts (`""` for an action that acts in one way).
    pub fn need(&self, place: &str) -> Option<&Need> {
        self.needs.get(place).or_else(|| self.needs.get(""))
    }
}

/// A connector's capabilities.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Capabilities {
    /// The preview's sections, in the order they show.
    #[serde(default)]
    pub preview: Vec<PreviewSpec>,
    #[serde(default)]
    pub triggers: Vec<TriggerSpec>,
    #[serde(default)]
    pub tools: Vec<ToolSpec>,
    /// The `patchbay` command groups that work with its connections (`preview`, `files`, `teams`).
    #[serde(default)]
    pub cli: Vec<String>,
    /// The app a link opens in ("Outlook", "OneDrive"), for "Open in …".
    #[serde(default)]
    pub open_in: Option<String>,
    /// What "Use with an AI assistant" calls each choice: read only, and writes (`--allow-write`), and sends
    /// (`--allow-send`).
    #[serde(default)]
    pub assistant_choices: Vec<String>,
    /// The built-in actions of automations its connections carry out.
    #[serde(default)]
    pub actions: Vec<ActionSpec>,
    /// Its connections can receive files from automations (saved attachments, copies): the permission that
    /// needs.
    #[serde(default)]
    pub receives_files: Option<Need>,
}

impl Capabilities {
    pub(super) fn resolve(&mut self, implications: &Implications) {
        for s in &mut self.preview {
            if let Some(n) = s.needs.as_mut() {
                n.resolve(implications)
            }
        }
        for t in &mut self.triggers {
            t.needs.resolve(implications);
        }
        for t in &mut self.tools {
            if let Some(n) = t.needs.as_mut() {
                n.resolve(implications)
            }
        }
        for a in &mut self.actions {
            for n in a.needs.values_mut() {
                n.resolve(implications)
            }
        }
        if let Some(n) = self.receives_files.as_mut() {
            n.resolve(implications)
        }
    }

    pub fn action(&self, id: &str) -> Option<&ActionSpec> {
        self.actions.iter().find(|a| a.id == id)
    }

    pub fn trigger(&self, id: &str) -> Option<&TriggerSpec> {
        self.triggers.iter().find(|t| t.id == id)
    }

    pub fn tool(&self, name: &str) -> Option<&ToolSpec> {
        self.tools.iter().find(|t| t.name == name)
    }

    pub fn has_cli(&self, group: &str) -> bool {
        self.cli.iter().any(|g| g == group)
    }

    /// Every need it states (to check each has words in the catalogue).
    pub(super) fn needs(&self) -> impl Iterator<Item = &Need> {
        self.preview
            .iter()
            .filter_map(|s| s.needs.as_ref())
            .chain(self.triggers.iter().map(|t| &t.needs))
            .chain(self.tools.iter().filter_map(|t| t.needs.as_ref()))
            .chain(self.actions.iter().flat_map(|a| a.needs.values()))
            .chain(self.receives_files.iter())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn carriers_follow_the_implications_transitively() {
        let mut table = Implications::new();
        table.insert(
            "Files.ReadWrite.All".into(),
            vec!["Files.Read.All".into(), "Files.ReadWrite".into()],
        );
        table.insert("Files.Read.All".into(), vec!["Files.Read".into()]);
        table.insert("Files.ReadWrite".into(), vec!["Files.Read".into()]);
        let c = carriers("Files.Read", &table);
        assert_eq!(c[0], "Files.Read");
        for s in ["Files.Read.All", "Files.ReadWrite", "Files.ReadWrite.All"] {
            assert!(c.contains(&s.to_string()), "{s} in {c:?}");
        }
        assert_eq!(c.len(), 4);
        let mut need = Need {
            scope: "Files.Read".into(),
            carried_by: vec![],
        };
        need.resolve(&table);
        assert!(need.met_by(&["https://graph.microsoft.com/files.readwrite.all".into()]));
        assert!(!need.met_by(&["Sites.Read.All".into()]));
    }
}
