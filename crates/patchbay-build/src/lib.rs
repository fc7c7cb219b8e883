//! Used from build scripts only (a build-dependency): stamps a binary with the commit it was built from, so
//! `patchbay --version`, the app's About line and *Copy diagnostics* all name the same build.

use std::path::Path;
use std::process::Command;

/// The environment variable a packager sets when building from a source tarball without `.git`.
pub const COMMIT_ENV: &str = "PATCHBAY_COMMIT";

/// Set `PATCHBAY_COMMIT` for the crate being built: the packager's value, else the short hash of `HEAD`, else
/// `unknown`. Cargo reruns the calling build script when `HEAD` moves, and only then.
pub fn stamp_commit() {
    println!("cargo:rerun-if-env-changed={COMMIT_ENV}");
    let dir = std::env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|_| ".".into());
    let commit = std::env::var(COMMIT_ENV)
        .ok()
        .filter(|c| !c.trim().is_empty())
        .map(|c| c.trim().to_string())
        .or_else(|| {
            watch_head(Path::new(&dir));
            git(Path::new(&dir), &["rev-parse", "--short=10", "HEAD"])
        })
        .unwrap_or_else(|| "unknown".into());
    println!("cargo:rustc-env={COMMIT_ENV}={commit}");
}

/// Rerun when a commit is made or checked out: `HEAD` itself, the branch it points at and the packed refs.
/// Only existing files are named: Cargo reruns every time for a path that does not exist.
fn watch_head(dir: &Path) {
    let mut paths = vec!["HEAD".to_string(), "packed-refs".to_string()];
    if let Some(branch) = git(dir, &["symbolic-ref", "-q", "HEAD"]) {
        paths.push(branch);
    }
    for path in paths {
        if let Some(file) = git(
            dir,
            &["rev-parse", "--path-format=absolute", "--git-path", &path],
        ) {
            if Path::new(&file).exists() {
                println!("cargo:rerun-if-changed={file}");
            }
        }
    }
}

fn git(dir: &Path, args: &[&str]) -> Option<String> {
    let out = Command::new("git")
        .current_dir(dir)
        .args(args)
        .output()
        .ok()?;
    let text = String::from_utf8(out.stdout).ok()?.trim().to_string();
    (out.status.success() && !text.is_empty()).then_some(text)
}
