//! The resident service, seen from the window: started, detached, when none runs for the data folder.

use patchbay_desktop::launch::{self, SERVICE};

/// Make sure the resident service runs for this data folder: start it, detached, when it does not. Its log
/// goes to `service.log` in the data folder.
pub fn ensure_service(data_dir: &std::path::Path) {
    if patchbay_core::resident::probe(data_dir) != patchbay_core::resident::Resident::NotRunning {
        return;
    }
    let Some(program) = launch::locate(SERVICE) else {
        tracing::warn!(
            "Patchbay's service ({SERVICE}) is neither beside this program nor on PATH: connections are checked only while this window is open"
        );
        return;
    };
    match launch::spawn_detached(&program, &[], Some(&data_dir.join("service.log"))) {
        // The service lives on after this window; it is not this process's child to wait for.
        Ok(child) => {
            tracing::info!(pid = child.id(), "started Patchbay's service");
            launch::reap(child);
        }
        Err(e) => tracing::warn!(
            "could not start Patchbay's service ({}): {e}",
            program.display()
        ),
    }
}
