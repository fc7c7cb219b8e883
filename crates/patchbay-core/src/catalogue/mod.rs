//! The connector catalogue: which services Patchbay can connect to, how they sign in, and what they ask for.
//!
//! The catalogue is data (`catalogue/connectors.json`, compiled in) checked by [`Catalogue::from_json`]: a broken
//! entry is refused with a message naming the connector and the field, never half-loaded.

pub mod capabilities;
mod check;

pub use capabilities::{
    bare, ActionSpec, Capabilities, Implications, Need, PreviewSpec, Requirement, SectionKind,
    ToolSpec, TriggerSpec,
};

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use ts_rs::TS;

const BUILTIN: &str = include_str!("../../catalogue/connectors.json");
const SUPPORTED_VERSION: u32 = 1;

/// Whether a connector can be used yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ConnectorStatus {
    Available,
    ComingSoon,
}

/// The two ways to sign in, as in the hosted service we model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum AuthType {
    /// "OAuth 2.0 authorization code": Patchbay's built-in public app.
    BuiltInApp,
    /// "Bring your own OAuth 2.0 app": the user's own app registration.
    BringYourOwnApp,
}

/// A feature a person can switch on or off; each needs some delegated scopes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Feature {
    pub id: String,
    pub label: String,
    pub description: String,
    pub scopes: Vec<String>,
    /// Switched on by default in the bring-your-own-app scope picker.
    pub default: bool,
    /// Not among the built-in app's scopes: offered to it as a choice of its own (it needs an administrator's
    /// approval, which a person may not have: asking for it by default would stop every sign-in).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub opt_in: bool,
}

/// One scope with its meaning in words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Permission {
    pub scope: String,
    pub description: String,
    /// Only work or school accounts have it (shared mailboxes, SharePoint sites): the built-in app does not ask
    /// a personal account for it.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub work_only: bool,
    /// Whether an administrator must approve it for the organisation before a person can grant it.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub admin_consent: bool,
}

/// A connector: one service Patchbay can connect to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Connector {
    pub id: String,
    pub name: String,
    pub description: String,
    /// An icon name the UI knows (`outlook`, `onedrive`, `teams`).
    pub icon: String,
    pub status: ConnectorStatus,
    pub auth_types: Vec<AuthType>,
    /// What the built-in app asks for: the full list.
    pub default_scopes: Vec<String>,
    /// Always asked for, whatever features are chosen (sign-in, profile, staying connected).
    pub base_scopes: Vec<String>,
    pub features: Vec<Feature>,
    pub permissions: Vec<Permission>,
    /// Whether personal Microsoft accounts (Outlook.com, Hotmail, Live) can use it.
    #[serde(default = "yes")]
    pub personal_accounts: bool,
    /// What personal accounts lack of it, as the wizard's choice of account says ("These have no shared
    /// mailboxes."), when some of its permissions are work-only.
    #[serde(default)]
    pub personal_note: Option<String>,
    /// Its work-only permissions in a word ("shared-mailbox", "SharePoint"): "without the SharePoint ones".
    #[serde(default)]
    pub work_only_word: Option<String>,
    /// What it can do once connected, each with the permission it needs.
    #[serde(default)]
    pub capabilities: Capabilities,
    /// The scopes for every choice of features ([`Connector::scopes_for_features`], worked out here so the
    /// wizard looks them up instead of deriving them), keyed by [`Connector::scope_set_key`]: the chosen feature
    /// ids in catalogue order, joined by `+` (`""` for none).
    #[serde(default, skip_deserializing)]
    pub scope_sets: BTreeMap<String, Vec<String>>,
    /// What the built-in app asks a personal Microsoft account for: [`Connector::default_scopes`] without the
    /// work-only ones (see [`Connector::for_personal_accounts`]).
    #[serde(default, skip_deserializing)]
    pub personal_scopes: Vec<String>,
    /// Why a personal Microsoft account cannot connect it, in the words every surface shows before any sign-in
    /// ([`Connector::personal_refusal`]); `None` when it can.
    #[serde(default, skip_deserializing)]
    pub personal_refused: Option<Refusal>,
}

/// A refusal in words: what cannot be done, and what to do instead.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct Refusal {
    pub title: String,
    pub message: String,
}

/// The tenant of every personal Microsoft account (Outlook.com, Hotmail, Live): the `tid` of its ID token.
pub const PERSONAL_ACCOUNTS_TENANT_ID: &str = "9188040d-6c67-4c5b-b112-36a304b66dad";

/// The authority segment that signs in personal Microsoft accounts only. Microsoft documents it as their
/// authority, and their refresh tokens are redeemed there: one obtained through `common` was seen refused at
/// its first refresh, an hour after sign-in.
pub const PERSONAL_ACCOUNTS_AUTHORITY: &str = "consumers";

/// Whether `tenant` (an authority's tenant segment, or an ID token's `tid`) is that of personal accounts.
pub fn is_personal_tenant(tenant: &str) -> bool {
    tenant.eq_ignore_ascii_case(PERSONAL_ACCOUNTS_AUTHORITY)
        || tenant.eq_ignore_ascii_case(PERSONAL_ACCOUNTS_TENANT_ID)
}

fn yes() -> bool {
    true
}

impl Connector {
    /// Why a personal Microsoft account cannot connect it (`None`: it can).
    pub fn personal_refusal(&self) -> Option<Refusal> {
        (!self.personal_accounts).then(|| Refusal {
            title: format!("{} is not for personal Microsoft accounts.", self.name),
            message: "Sign in with a work or school account (leave the tenant as organizations, or give your \
                      organisation's)."
                .into(),
        })
    }

    /// `scopes` as a personal account can have them: without the permissions only work or school accounts have
    /// (shared mailboxes, SharePoint sites), as the catalogue marks them.
    pub fn for_personal_accounts(&self, scopes: &[String]) -> Vec<String> {
        scopes
            .iter()
            .filter(|s| {
                !self
                    .permissions
                    .iter()
                    .any(|p| p.work_only && p.scope.eq_ignore_ascii_case(bare(s)))
            })
            .cloned()
            .collect()
    }

    /// The minimal scope set for the chosen features: the base scopes plus each feature's, in the catalogue's
    /// order and without repeats (compared as Microsoft does, ignoring case).
    pub fn scopes_for_features(
        &self,
        feature_ids: &[String],
    ) -> Result<Vec<String>, CatalogueError> {
        if let Some(unknown) = feature_ids
            .iter()
            .find(|id| !self.features.iter().any(|f| &f.id == *id))
        {
            return Err(CatalogueError::UnknownFeature {
                connector: self.id.clone(),
                feature: unknown.clone(),
            });
        }
        let mut scopes: Vec<String> = self.base_scopes.clone();
        // In the catalogue's order, whatever order the features were picked in.
        for feature in self.features.iter().filter(|f| feature_ids.contains(&f.id)) {
            for scope in &feature.scopes {
                if !scopes.iter().any(|s| s.eq_ignore_ascii_case(scope)) {
                    scopes.push(scope.clone());
                }
            }
        }
        Ok(scopes)
    }

    /// The key of a choice of features in [`Connector::scope_sets`]: its ids in catalogue order, joined by `+`.
    pub fn scope_set_key(&self, feature_ids: &[String]) -> String {
        self.features
            .iter()
            .filter(|f| feature_ids.contains(&f.id))
            .map(|f| f.id.as_str())
            .collect::<Vec<_>>()
            .join("+")
    }

    /// Every choice of features with its scopes (2^features entries; a connector has a handful of features).
    fn all_scope_sets(&self) -> BTreeMap<String, Vec<String>> {
        let n = self.features.len().min(12);
        (0u32..1 << n)
            .map(|mask| {
                let chosen: Vec<String> = (0..n)
                    .filter(|i| mask & (1 << i) != 0)
                    .map(|i| self.features[i].id.clone())
                    .collect();
                let scopes = self
                    .scopes_for_features(&chosen)
                    .expect("the features are the connector's own");
                (self.scope_set_key(&chosen), scopes)
            })
            .collect()
    }

    /// Features that cannot work with the granted scopes (Microsoft may grant fewer than asked for).
    pub fn features_missing(&self, granted: &[String]) -> Vec<Feature> {
        self.features
            .iter()
            .filter(|f| {
                !f.scopes
                    .iter()
                    .all(|s| granted.iter().any(|g| g.eq_ignore_ascii_case(s)))
            })
            .cloned()
            .collect()
    }

    pub fn describe_scope(&self, scope: &str) -> Option<&str> {
        self.permissions
            .iter()
            .find(|p| p.scope.eq_ignore_ascii_case(scope))
            .map(|p| p.description.as_str())
    }
}

/// Why a catalogue could not be loaded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CatalogueError {
    #[error("the connector catalogue is not valid JSON: {0}")]
    Json(#[from] serde_json::Error),
    #[error("the connector catalogue has version {found}; this Patchbay reads version {SUPPORTED_VERSION}. Update Patchbay.")]
    Version { found: u32 },
    #[error("connector {connector:?}: {problem}")]
    Invalid { connector: String, problem: String },
    #[error("there is no connector {0:?}")]
    UnknownConnector(String),
    #[error("connector {connector:?} has no feature {feature:?}")]
    UnknownFeature { connector: String, feature: String },
}

#[derive(Deserialize)]
struct CatalogueFile {
    version: u32,
    /// Which permission carries which (`Mail.ReadWrite` → `[Mail.Read]`).
    #[serde(default)]
    implies: Implications,
    connectors: Vec<Connector>,
}

/// The loaded, checked list of connectors.
#[derive(Debug, Clone)]
pub struct Catalogue {
    connectors: Vec<Connector>,
}

impl Catalogue {
    /// The catalogue compiled into this build.
    pub fn builtin() -> Self {
        Self::from_json(BUILTIN).expect("the built-in catalogue is checked by its tests")
    }

    /// Parse and check a catalogue.
    pub fn from_json(text: &str) -> Result<Self, CatalogueError> {
        let file: CatalogueFile = serde_json::from_str(text)?;
        if file.version != SUPPORTED_VERSION {
            return Err(CatalogueError::Version {
                found: file.version,
            });
        }
        check::connectors(&file.connectors)?;
        let mut connectors = file.connectors;
        for c in &mut connectors {
            c.scope_sets = c.all_scope_sets();
            c.personal_scopes = c.for_personal_accounts(&c.default_scopes);
            c.personal_refused = c.personal_refusal();
            c.capabilities.resolve(&file.implies);
        }
        Ok(Self { connectors })
    }

    pub fn connectors(&self) -> &[Connector] {
        &self.connectors
    }

    /// The same catalogue with the connectors of `ids` that are coming soon available (a debug build's early
    /// access: see [`crate::config::CoreConfig::early_connectors`]).
    pub fn with_early_access(mut self, ids: &[String]) -> Self {
        for c in &mut self.connectors {
            if c.status == ConnectorStatus::ComingSoon && ids.contains(&c.id) {
                c.status = ConnectorStatus::Available;
            }
        }
        self
    }

    /// The tool called `name`, and the connector that offers it.
    pub fn tool(&self, name: &str) -> Option<(&Connector, &ToolSpec)> {
        self.connectors
            .iter()
            .find_map(|c| c.capabilities.tool(name).map(|t| (c, t)))
    }

    pub fn get(&self, id: &str) -> Result<&Connector, CatalogueError> {
        self.connectors
            .iter()
            .find(|c| c.id == id)
            .ok_or_else(|| CatalogueError::UnknownConnector(id.to_string()))
    }

    /// Connectors whose name, description or scopes contain every word of `query` (case-insensitive).
    pub fn search(&self, query: &str) -> Vec<&Connector> {
        let words: Vec<String> = query.split_whitespace().map(str::to_lowercase).collect();
        self.connectors
            .iter()
            .filter(|c| {
                let haystack = format!(
                    "{} {} {} {}",
                    c.id,
                    c.name,
                    c.description,
                    c.default_scopes.join(" ")
                )
                .to_lowercase();
                words.iter().all(|w| haystack.contains(w))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const REFERENCE_SCOPES: [&str; 16] = [
        "Mail.Read",
        "Mail.Read.Shared",
        "Mail.ReadWrite",
        "Mail.ReadWrite.Shared",
        "Mail.Send",
        "Mail.Send.Shared",
        "MailboxSettings.Read",
        "Calendars.Read",
        "Calendars.Read.Shared",
        "Calendars.ReadWrite",
        "Calendars.ReadWrite.Shared",
        "profile",
        "openid",
        "email",
        "offline_access",
        "User.Read",
    ];

    #[test]
    fn builtin_catalogue_loads_with_outlook_onedrive_and_teams_available() {
        let cat = Catalogue::builtin();
        for id in ["outlook365", "onedrive-sharepoint", "teams"] {
            let c = cat.get(id).unwrap();
            assert_eq!(c.status, ConnectorStatus::Available, "{id}");
            assert_eq!(
                c.auth_types,
                vec![AuthType::BuiltInApp, AuthType::BringYourOwnApp]
            );
        }
        // Early access opens a connector coming soon, and only the ones named (none is coming soon today).
        let mut soon = cat.clone();
        for c in &mut soon.connectors {
            if c.id != "outlook365" {
                c.status = ConnectorStatus::ComingSoon;
            }
        }
        let early = soon.with_early_access(&["teams".into(), "nope".into()]);
        assert_eq!(
            early.get("teams").unwrap().status,
            ConnectorStatus::Available
        );
        assert_eq!(
            early.get("onedrive-sharepoint").unwrap().status,
            ConnectorStatus::ComingSoon
        );
        assert_eq!(early.connectors().len(), cat.connectors().len());
    }

    #[test]
    fn onedrive_asks_only_for_what_needs_no_administrator_and_personal_accounts_skip_sites() {
        let cat = Catalogue::builtin();
        let od = cat.get("onedrive-sharepoint").unwrap();
        assert!(od
            .default_scopes
            .contains(&"Files.ReadWrite.All".to_string()));
        assert!(od.default_scopes.contains(&"Sites.Read.All".to_string()));
        assert!(od.permissions.iter().all(|p| !p.admin_consent));
        assert!(!od.personal_scopes.contains(&"Sites.Read.All".to_string()));
        assert!(od
            .personal_scopes
            .contains(&"Files.ReadWrite.All".to_string()));
        // Its capabilities' needs are carried by what the built-in app asks for.
        for need in od.capabilities.needs() {
            assert!(need.met_by(&od.default_scopes), "{}", need.scope);
        }
        assert_eq!(
            od.capabilities
                .trigger("file_changed")
                .map(|t| t.cli.as_str()),
            Some("file-changed")
        );
        assert!(od.capabilities.has_cli("files"));
        let (owner, tool) = cat.tool("upload_file").unwrap();
        assert_eq!(owner.id, "onedrive-sharepoint");
        assert_eq!(tool.requires, [Requirement::Write, Requirement::FilesDir]);
    }

    #[test]
    fn outlook_asks_for_exactly_the_sixteen_reference_scopes() {
        let cat = Catalogue::builtin();
        let outlook = cat.get("outlook365").unwrap();
        assert_eq!(
            outlook.default_scopes,
            REFERENCE_SCOPES.map(String::from).to_vec()
        );
    }

    #[test]
    fn feature_scopes_are_minimal_and_always_include_the_base() {
        let outlook = Catalogue::builtin().get("outlook365").unwrap().clone();
        let scopes = outlook.scopes_for_features(&["read_mail".into()]).unwrap();
        assert_eq!(
            scopes,
            [
                "openid",
                "profile",
                "email",
                "offline_access",
                "User.Read",
                "Mail.Read"
            ]
        );
        let scopes = outlook
            .scopes_for_features(&[
                "read_calendar".into(),
                "write_calendar".into(),
                "read_calendar".into(),
            ])
            .unwrap();
        assert_eq!(
            scopes[5..],
            [
                "Calendars.Read".to_string(),
                "Calendars.ReadWrite".to_string()
            ]
        );
        assert!(matches!(
            outlook.scopes_for_features(&["teleport".into()]),
            Err(CatalogueError::UnknownFeature { .. })
        ));
    }

    #[test]
    fn every_choice_of_features_has_its_scope_set() {
        let outlook = Catalogue::builtin().get("outlook365").unwrap().clone();
        assert_eq!(outlook.scope_sets.len(), 1 << outlook.features.len());
        assert_eq!(outlook.scope_sets[""], outlook.base_scopes);
        // The key follows the catalogue's order, whatever order the features were picked in.
        let picked = ["read_calendar".to_string(), "read_mail".to_string()];
        let key = outlook.scope_set_key(&picked);
        assert_eq!(key, "read_mail+read_calendar");
        assert_eq!(
            outlook.scope_sets[&key],
            outlook.scopes_for_features(&picked).unwrap()
        );
        // Nothing of it comes from, or goes back into, the catalogue's file.
        let json = serde_json::to_value(&outlook).unwrap();
        assert!(json["scope_sets"]["read_mail"].is_array());
    }

    #[test]
    fn missing_features_follow_the_granted_scopes() {
        let outlook = Catalogue::builtin().get("outlook365").unwrap().clone();
        let granted: Vec<String> = [
            "openid",
            "Mail.Read",
            "Calendars.Read",
            "MailboxSettings.Read",
        ]
        .map(String::from)
        .to_vec();
        let missing: Vec<String> = outlook
            .features_missing(&granted)
            .into_iter()
            .map(|f| f.id)
            .collect();
        assert_eq!(missing, ["send_mail", "shared_mailboxes", "write_calendar"]);
    }

    #[test]
    fn search_matches_name_description_and_scopes_case_insensitively() {
        let cat = Catalogue::builtin();
        let ids = |q: &str| {
            cat.search(q)
                .into_iter()
                .map(|c| c.id.clone())
                .collect::<Vec<_>>()
        };
        assert_eq!(ids("outlook"), ["outlook365"]);
        assert_eq!(ids("TEAMS"), ["teams"]);
        assert_eq!(ids("calendars.read"), ["outlook365"]);
        assert_eq!(ids(""), ["outlook365", "onedrive-sharepoint", "teams"]);
        assert!(ids("zzz-nothing").is_empty());
    }

    #[test]
    fn broken_catalogues_are_refused_with_the_reason() {
        let base: serde_json::Value = serde_json::from_str(BUILTIN).unwrap();
        let refuse = |mutate: &dyn Fn(&mut serde_json::Value)| {
            let mut v = base.clone();
            mutate(&mut v);
            Catalogue::from_json(&v.to_string())
                .unwrap_err()
                .to_string()
        };
        assert!(refuse(&|v| v["version"] = 2.into()).contains("version 2"));
        assert!(refuse(&|v| v["connectors"][1]["id"] = "outlook365".into()).contains("used twice"));
        assert!(
            refuse(&|v| v["connectors"][0]["default_scopes"] = serde_json::json!([]))
                .contains("no scopes")
        );
        assert!(
            refuse(&|v| v["connectors"][0]["default_scopes"][0] = "Secret.Scope".into())
                .contains("Secret.Scope has no description")
        );
        assert!(refuse(&|v| v["connectors"][0]["id"] = "Outlook 365".into()).contains("lower-case"));
        assert!(refuse(
            &|v| v["connectors"][0]["capabilities"]["preview"][1]["id"] = "inbox".into()
        )
        .contains("preview section inbox is listed twice"));
        assert!(refuse(&|v| {
            v["connectors"][1]
                .as_object_mut()
                .unwrap()
                .remove("work_only_word");
        })
        .contains("say what personal accounts lack"));
        assert!(refuse(
            &|v| v["connectors"][0]["capabilities"]["actions"][0]["after"][0] = "new_tweet".into()
        )
        .contains("follows trigger new_tweet, which it does not have"));
        assert!(refuse(
            &|v| v["connectors"][0]["capabilities"]["actions"][1]["id"] = "save_attachments".into()
        )
        .contains("action save_attachments is listed twice"));
        assert!(matches!(
            Catalogue::from_json("{"),
            Err(CatalogueError::Json(_))
        ));
    }
}
