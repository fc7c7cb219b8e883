//! Processes hear each other through the data folder: a second Patchbay over the same folder (the CLI, the
//! window, the service) renames a connection or finds it revoked, and the first one's events say so within a
//! second — from the kernel's word that the files changed, with no timer polling them.

mod common;

use common::*;
use patchbay_core::catalogue::AuthType;
use patchbay_core::events::CoreEvent;
use patchbay_core::health::CheckOptions;
use patchbay_core::model::ConnectionStatus;
use patchbay_core::{CoreConfig, Patchbay};
use std::time::{Duration, Instant};
use tokio::sync::broadcast;

/// The next event that satisfies `pred`, within `limit`.
async fn next_event(
    events: &mut broadcast::Receiver<CoreEvent>,
    limit: Duration,
    pred: impl Fn(&CoreEvent) -> bool,
) -> Option<CoreEvent> {
    let deadline = tokio::time::Instant::now() + limit;
    loop {
        match tokio::time::timeout_at(deadline, events.recv()).await {
            Ok(Ok(event)) if pred(&event) => return Some(event),
            Ok(Ok(_)) | Ok(Err(broadcast::error::RecvError::Lagged(_))) => continue,
            Ok(Err(broadcast::error::RecvError::Closed)) | Err(_) => return None,
        }
    }
}

#[tokio::test]
async fn another_processs_rename_and_verdict_reach_a_watching_one() {
    let keys = SharedKeys::default();
    let sandbox = patchbay_sandbox::Sandbox::start(Default::default())
        .await
        .unwrap();
    let data = tempfile::tempdir().unwrap();
    let core = |keys: &SharedKeys| {
        std::sync::Arc::new(Patchbay::with_key_store(
            CoreConfig::with_data_dir(data.path().to_path_buf()),
            Box::new(keys.clone()),
        ))
    };
    let other = core(&keys);
    let h = Harness {
        sandbox,
        core: other.clone(),
        data: tempfile::tempdir().unwrap(),
        http: browser(),
    };
    let c = h.connect_as(h.request(AuthType::BuiltInApp), ADELE).await;

    // The watching process: its view, and events for every change.
    let watching = core(&keys);
    let mut events = watching.subscribe();
    watching.start_watching();
    tokio::time::sleep(Duration::from_millis(100)).await;

    let started = Instant::now();
    other.rename(&c.id, "Work mail").unwrap();
    let changed = next_event(&mut events, Duration::from_secs(1), |e| {
        matches!(e, CoreEvent::ConnectionsChanged)
    })
    .await;
    assert!(changed.is_some(), "no event within a second of the rename");
    eprintln!("rename → event: {} ms", started.elapsed().as_millis());
    assert_eq!(watching.get(&c.id).unwrap().name, "Work mail");

    // The other process finds the sign-in revoked: the watching one hears the new status, with the reason.
    h.sandbox.control().revoke_user(ADELE).unwrap();
    let outcome = other
        .check_connection(
            &c.id,
            CheckOptions {
                force_refresh: true,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(outcome.status, ConnectionStatus::NeedsReconnect);
    let started = Instant::now();
    let status = next_event(&mut events, Duration::from_secs(1), |e| {
        matches!(e, CoreEvent::StatusChanged { .. })
    })
    .await
    .expect("no status event within a second of the check");
    eprintln!("check → event: {} ms", started.elapsed().as_millis());
    match status {
        CoreEvent::StatusChanged {
            connection,
            previous,
        } => {
            assert_eq!(connection.status, ConnectionStatus::NeedsReconnect);
            assert_eq!(previous, ConnectionStatus::Healthy);
            assert!(connection.status_reason.is_some());
        }
        other => panic!("{other:?}"),
    }
    // Nothing changed since: no event for an idle folder.
    assert!(
        next_event(&mut events, Duration::from_millis(600), |_| true)
            .await
            .is_none(),
        "an event with nothing changed"
    );
    watching.shutdown(Duration::from_secs(5)).await;
    other.shutdown(Duration::from_secs(5)).await;
}
