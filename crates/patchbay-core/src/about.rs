//! Which build this is: one wording for `patchbay --version`, the app's About line and *Copy diagnostics*, so a
//! person (or a support request) can tell that the CLI and the app on PATH came from the same package.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// The version and commit a binary was built from (each binary stamps its own commit at build time, through
/// `patchbay-build`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct About {
    /// The package version, e.g. `0.1.0`.
    pub version: String,
    /// The short commit hash, or `unknown` for a build from a tree without git history.
    pub commit: String,
    /// `release` or `debug`.
    pub build: String,
    /// The whole line, as `patchbay --version` prints it after the program name.
    pub line: String,
}

impl About {
    pub fn new(version: &str, commit: &str) -> Self {
        let build = if cfg!(debug_assertions) {
            "debug"
        } else {
            "release"
        };
        Self {
            version: version.into(),
            commit: commit.into(),
            build: build.into(),
            line: version_line(version, commit),
        }
    }
}

/// `0.1.0 (commit 02f8962abc)`: what follows the program's name in `--version` and the About line.
pub fn version_line(version: &str, commit: &str) -> String {
    format!("{version} (commit {commit})")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_line_names_version_and_commit() {
        let about = About::new("0.1.0", "02f8962abc");
        assert_eq!(about.line, "0.1.0 (commit 02f8962abc)");
        assert_eq!(
            about.build,
            if cfg!(debug_assertions) {
                "debug"
            } else {
                "release"
            }
        );
    }
}
