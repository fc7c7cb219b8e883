//! The TypeScript bindings in `ui/src/ipc/bindings/` are generated from the Rust types that cross IPC.
//! This test regenerates them and fails when the committed files differ.
//! To update: `PATCHBAY_UPDATE_BINDINGS=1 cargo test -p patchbay-core --test bindings`.

use patchbay_core::{
    about, agents, automations, catalogue, diagnose, environment, error, events, model, preview,
};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use ts_rs::{Config, TS};

fn export_all(dir: &Path) {
    let cfg = Config::new().with_out_dir(dir);
    about::About::export_all(&cfg).unwrap();
    catalogue::Connector::export_all(&cfg).unwrap();
    environment::EnvironmentPreset::export_all(&cfg).unwrap();
    model::ConnectionSummary::export_all(&cfg).unwrap();
    model::ConnectRequest::export_all(&cfg).unwrap();
    model::FixRequest::export_all(&cfg).unwrap();
    events::CoreEvent::export_all(&cfg).unwrap();
    model::ConnectEvent::export_all(&cfg).unwrap();
    model::BuiltInApp::export_all(&cfg).unwrap();
    model::RedirectAdvice::export_all(&cfg).unwrap();
    error::ErrorInfo::export_all(&cfg).unwrap();
    diagnose::Check::export_all(&cfg).unwrap();
    preview::Preview::export_all(&cfg).unwrap();
    preview::Library::export_all(&cfg).unwrap();
    preview::ChatPage::export_all(&cfg).unwrap();
    preview::ChannelItem::export_all(&cfg).unwrap();
    agents::setup::AssistantSetup::export_all(&cfg).unwrap();
    agents::log::WriteRecord::export_all(&cfg).unwrap();
    automations::AutomationView::export_all(&cfg).unwrap();
    automations::queue::Attempt::export_all(&cfg).unwrap();
    automations::manage::NewAutomation::export_all(&cfg).unwrap();
    automations::manage::TestOutcome::export_all(&cfg).unwrap();
    // Facts for the UI's stand-in backend (tests, `vite` in a browser): the catalogue as the core serves it (its
    // scope sets worked out) and what each status means, so no rule is written again in TypeScript.
    let catalogue = catalogue::Catalogue::builtin();
    write_json(&dir.join("catalogue.json"), &catalogue.connectors());
    let facts: BTreeMap<&str, serde_json::Value> = model::ConnectionStatus::ALL
        .iter()
        .map(|s| {
            (
                s.code(),
                serde_json::json!({
                    "label": s.label(),
                    "words": s.words(),
                    "broken": s.is_broken(),
                    "needs_attention": s.needs_attention(),
                }),
            )
        })
        .collect();
    write_json(&dir.join("status-facts.json"), &facts);
    // What each state of an automation is called and how it shows.
    let states: BTreeMap<&str, serde_json::Value> = automations::AutomationState::ALL
        .iter()
        .map(|s| {
            (
                s.code(),
                serde_json::json!({"label": s.label(), "tone": s.tone()}),
            )
        })
        .collect();
    write_json(&dir.join("automation-states.json"), &states);
}

fn write_json(path: &Path, value: &impl serde::Serialize) {
    let mut text = serde_json::to_string_pretty(value).unwrap();
    text.push('\n');
    std::fs::write(path, text).unwrap();
}

fn read_dir(dir: &Path) -> BTreeMap<String, String> {
    let mut files = BTreeMap::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.ends_with(".ts") || name.ends_with(".json") {
                files.insert(name, std::fs::read_to_string(entry.path()).unwrap());
            }
        }
    }
    files
}

#[test]
fn typescript_bindings_are_current() {
    let committed_dir: PathBuf =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../ui/src/ipc/bindings");
    let fresh = tempfile::tempdir().unwrap();
    export_all(fresh.path());
    let generated = read_dir(fresh.path());
    assert!(
        generated.contains_key("ConnectionSummary.ts"),
        "ts-rs wrote {:?}",
        generated.keys()
    );
    if std::env::var_os("PATCHBAY_UPDATE_BINDINGS").is_some() {
        let _ = std::fs::remove_dir_all(&committed_dir);
        std::fs::create_dir_all(&committed_dir).unwrap();
        for (name, text) in &generated {
            std::fs::write(committed_dir.join(name), text).unwrap();
        }
    }
    let committed = read_dir(&committed_dir);
    assert_eq!(
        committed.keys().collect::<Vec<_>>(),
        generated.keys().collect::<Vec<_>>(),
        "the set of binding files changed: run PATCHBAY_UPDATE_BINDINGS=1 cargo test -p patchbay-core --test bindings"
    );
    for (name, text) in &generated {
        assert_eq!(
            &committed[name], text,
            "ui/src/ipc/bindings/{name} is stale: run PATCHBAY_UPDATE_BINDINGS=1 cargo test -p patchbay-core --test bindings"
        );
    }
}
