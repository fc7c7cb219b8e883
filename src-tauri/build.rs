/// Every command the window's page may call, as registered with `tauri::generate_handler!` in `src/lib.rs`.
/// Declared here, each needs a permission (`allow-<command>`), which only the main window's capability
/// (`capabilities/main.json`) grants: a page in any other window or webview can call none of them. A command
/// registered but not listed here cannot be called at all, which the e2e suite would show at once.
const COMMANDS: &[&str] = &[
    "list_connectors",
    "list_environments",
    "builtin_app",
    "redirect_advice",
    "list_connections",
    "rename_connection",
    "remove_connection",
    "start_connect",
    "start_fix",
    "cancel_connect",
    "report_sign_in_page_error",
    "check_connections",
    "update_client_secret",
    "diagnose",
    "diagnostics_report",
    "about",
    "reset_vault",
    "open_url",
    "autostart",
    "set_autostart",
    "take_pending_fix",
    "preview_connection",
    "cached_preview",
    "more_preview",
    "browse_files",
    "more_files",
    "site_libraries",
    "open_chat",
    "more_chat",
    "team_channels",
    "chat_choices",
    "team_choices",
    "admin_consent_link",
    "assistant_setup",
    "assistant_writes",
    "list_automations",
    "automation_history",
    "add_automation",
    "test_automation",
    "set_automation_paused",
    "remove_automation",
    "run_automation_now",
    "retry_automation",
];

fn main() {
    // The About line and Copy diagnostics name the commit, as `patchbay --version` does.
    patchbay_build::stamp_commit();
    tauri_build::try_build(
        tauri_build::Attributes::new()
            .capabilities_path_pattern("./src-tauri/capabilities/**/*")
            .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS)),
    )
    .expect("failed to run tauri-build");
}
