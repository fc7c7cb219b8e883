//! Crash points for tests. `PATCHBAY_FAULT=refresh-received` makes a debug build abort (no destructors, no
//! flushing: as a `kill -9` would) at that point, so a test can prove that a process dying between two steps
//! leaves nothing broken. Release builds compile this to nothing.

/// Abort here when `PATCHBAY_FAULT` (a comma-separated list) names this point. Debug builds only.
pub fn point(name: &str) {
    if cfg!(debug_assertions) {
        if let Ok(points) = std::env::var("PATCHBAY_FAULT") {
            if points.split(',').any(|p| p.trim() == name) {
                eprintln!("patchbay: PATCHBAY_FAULT: aborting at {name}");
                std::process::abort();
            }
        }
    }
}
