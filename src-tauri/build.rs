fn main() {
    // The About line and Copy diagnostics name the commit, as `patchbay --version` does.
    patchbay_build::stamp_commit();
    tauri_build::try_build(
        tauri_build::Attributes::new().capabilities_path_pattern("./src-tauri/capabilities/**/*"),
    )
    .expect("failed to run tauri-build");
}
