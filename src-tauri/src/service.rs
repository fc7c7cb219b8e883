//! The resident service, seen from the window: started, detached, when none runs for the data folder. A start
//! that fails says which step did (the data folder, its log, the program) where a person looks: the window's
//! *This computer* and `patchbay doctor` ([`patchbay_core::resident::start`]), as well as the log.

use patchbay_core::resident::start::{clear_failure, record_failure, StartFailure};
use patchbay_core::resident::{probe, Resident};
use patchbay_desktop::launch::{self, SERVICE, SERVICE_LOG};
use std::path::Path;

/// What [`ensure_service`] found or did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServiceStart {
    /// One runs already for this data folder.
    Running,
    /// This window started it (its pid).
    Started(u32),
}

/// Make sure the resident service runs for this data folder: start it, detached, when it does not (creating
/// the data folder first when this is the first run). Its log goes to `service.log` in the data folder.
pub fn ensure_service(data_dir: &Path) -> Result<ServiceStart, StartFailure> {
    if probe(data_dir) != Resident::NotRunning {
        return Ok(ServiceStart::Running);
    }
    let log = data_dir.join(SERVICE_LOG);
    match launch::start(SERVICE, &[], Some(&log)) {
        // The service lives on after this window; it is not this process's child to wait for.
        Ok((program, child)) => {
            let pid = child.id();
            tracing::info!(pid, "started Patchbay's service");
            clear_failure(data_dir);
            let data_dir = data_dir.to_path_buf();
            launch::reap_then(child, move |status| {
                // Ended with a failure, and no other service took its place: that too is a start that failed.
                if launch::failed_on_its_own(status) && probe(&data_dir) == Resident::NotRunning {
                    let failure = StartFailure::Ended {
                        program,
                        status: status.to_string(),
                        log: Some(log),
                    };
                    tracing::warn!("Patchbay's service ended: {failure}. {}", failure.fix());
                    record_failure(&data_dir, failure);
                }
            });
            Ok(ServiceStart::Started(pid))
        }
        Err(failure) => {
            tracing::warn!(
                "could not start Patchbay's service: {failure}. {}",
                failure.fix()
            );
            record_failure(data_dir, failure.clone());
            Err(failure)
        }
    }
}
