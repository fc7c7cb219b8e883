//! What a catalogue must hold before Patchbay uses it: ids of the right shape and used once, scopes that are
//! described in words, tools named once across connectors, what personal accounts lack said, and each list of
//! capabilities (sections, triggers, actions, features) without a name twice — an action following only triggers
//! its connector has, and needing a permission.

use super::{CatalogueError, Connector};
use std::collections::HashSet;

/// `connectors` checked, or the first problem in words.
pub(super) fn connectors(connectors: &[Connector]) -> Result<(), CatalogueError> {
    let mut ids = HashSet::new();
    let mut tool_names = HashSet::new();
    for c in connectors {
        let invalid = |problem: String| CatalogueError::Invalid {
            connector: c.id.clone(),
            problem,
        };
        if !ids.insert(c.id.as_str()) {
            return Err(invalid("the id is used twice".into()));
        }
        for tool in &c.capabilities.tools {
            if !tool_names.insert(tool.name.as_str()) {
                return Err(invalid(format!(
                    "tool {} is offered by another connector too (tool names are global)",
                    tool.name
                )));
            }
        }
        connector(c).map_err(invalid)?;
    }
    Ok(())
}

/// The first name of `names` given twice, as "{what} {name} is listed twice".
fn once<'a>(what: &str, names: impl IntoIterator<Item = &'a str>) -> Result<(), String> {
    let mut seen = HashSet::new();
    match names.into_iter().find(|n| !seen.insert(*n)) {
        Some(n) => Err(format!("{what} {n} is listed twice")),
        None => Ok(()),
    }
}

/// One connector on its own.
fn connector(c: &Connector) -> Result<(), String> {
    if c.id.is_empty()
        || !c
            .id
            .chars()
            .all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit() || ch == '-')
    {
        return Err("the id must be lower-case letters, digits and dashes".into());
    }
    if c.name.trim().is_empty() || c.description.trim().is_empty() {
        return Err("the name and description must not be empty".into());
    }
    if c.auth_types.is_empty() {
        return Err("it has no auth type".into());
    }
    if c.default_scopes.is_empty() {
        return Err("it asks for no scopes".into());
    }
    for base in &c.base_scopes {
        if !c
            .default_scopes
            .iter()
            .any(|s| s.eq_ignore_ascii_case(base))
        {
            return Err(format!("base scope {base} is not among its default scopes"));
        }
    }
    for scope in c
        .default_scopes
        .iter()
        .chain(c.features.iter().flat_map(|f| f.scopes.iter()))
    {
        if c.describe_scope(scope).is_none() {
            return Err(format!("scope {scope} has no description in words"));
        }
    }
    for need in c.capabilities.needs() {
        if c.describe_scope(&need.scope).is_none() {
            return Err(format!(
                "scope {} (a capability's need) has no description in words",
                need.scope
            ));
        }
    }
    if c.permissions.iter().any(|p| p.work_only)
        && (c.personal_note.is_none() || c.work_only_word.is_none())
    {
        return Err(
            "it has work-only permissions: say what personal accounts lack (personal_note, work_only_word)"
                .into(),
        );
    }
    let caps = &c.capabilities;
    once(
        "preview section",
        caps.preview.iter().map(|s| s.id.as_str()),
    )?;
    once("trigger", caps.triggers.iter().map(|t| t.id.as_str()))?;
    once("action", caps.actions.iter().map(|a| a.id.as_str()))?;
    once("feature", c.features.iter().map(|f| f.id.as_str()))?;
    for a in &caps.actions {
        if !a.cli.starts_with("--") {
            return Err(format!("action {}'s flag {} is not a --flag", a.id, a.cli));
        }
        if let Some(t) = a.after.iter().find(|t| caps.trigger(t).is_none()) {
            return Err(format!(
                "action {} follows trigger {t}, which it does not have",
                a.id
            ));
        }
        if a.needs.is_empty() {
            return Err(format!("action {} needs no permission", a.id));
        }
    }
    if let Some(f) = c.features.iter().find(|f| f.scopes.is_empty()) {
        return Err(format!("feature {} needs no scope", f.id));
    }
    Ok(())
}
