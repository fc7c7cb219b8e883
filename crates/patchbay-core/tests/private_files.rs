//! Every file Patchbay makes in the data folder is the person's alone (0600, folders 0700), whatever the umask:
//! with the usual 022, files made by a plain create would be readable by every user of the computer. This runs
//! each way a file comes to be (logs appended to, locks, markers, the history and its rotation) under umask 022,
//! then looks at every file and folder.
#![cfg(unix)]

use patchbay_core::agents::log::{WriteLog, WriteRecord};
use patchbay_core::automations::queue::{Attempt, Queue};
use patchbay_core::automations::store::AutomationStore;
use patchbay_core::automations::{Action, Automation, Trigger};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

fn modes(dir: &Path, found: &mut Vec<(String, u32, bool)>) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let meta = entry.metadata().unwrap();
        let name = entry.path().display().to_string();
        found.push((name, meta.permissions().mode() & 0o777, meta.is_dir()));
        if meta.is_dir() {
            modes(&entry.path(), found);
        }
    }
}

#[tokio::test]
async fn every_file_in_the_data_folder_is_private_under_umask_022() {
    rustix::process::umask(rustix::fs::Mode::from_raw_mode(0o022));
    let home = tempfile::tempdir().unwrap();
    let data = home.path().join("data");

    // Connections, their locks, the service's lock.
    let _store = patchbay_core::store::Store::new(data.clone())
        .lock()
        .unwrap();
    let _locked = patchbay_core::tokens::lock::ConnectionLocks::new(&data)
        .acquire("c1")
        .await
        .unwrap();
    let _service = patchbay_core::resident::ServiceLock::claim(&data).unwrap();

    // An automation, Run now, its history (set aside once).
    let automations = AutomationStore::new(&data);
    automations
        .add(Automation {
            id: "a1".into(),
            name: "n".into(),
            connection_id: "c1".into(),
            trigger: Trigger::EventChanged { days: 1 },
            action: Action::Run {
                argv: vec!["true".into()],
            },
            paused: false,
            notify: false,
            poll_secs: 60,
            created_at: "2025-01-01T00:00:00Z".into(),
        })
        .unwrap();
    patchbay_core::automations::runner::request_run_now(&automations, "a1").unwrap();
    // Its folder, as adding it through Patchbay makes it (the baseline's state).
    patchbay_core::store::ensure_private_dir(&automations.folder_of("a1")).unwrap();
    let queue = Queue::new(&automations.folder_of("a1"));
    for i in 0..700 {
        queue
            .record(&Attempt {
                item_id: format!("m{i}"),
                subject: None,
                outcome: "delivered".into(),
                attempt: 1,
                exit_code: Some(0),
                http_status: None,
                detail: Some("d".repeat(2000)),
                at: "2025-01-01T00:00:00Z".into(),
            })
            .unwrap();
    }
    assert!(
        automations.folder_of("a1").join("history.jsonl.1").exists(),
        "the history was set aside"
    );

    // The record of assistants' writes.
    WriteLog::new(&data)
        .append(&WriteRecord {
            id: "w1".into(),
            sends: true,
            unfinished: false,
            at: "2025-01-01T00:00:00Z".into(),
            connection_id: "c1".into(),
            connection_name: "Work".into(),
            tool: "send_mail".into(),
            recipients: vec!["a@contoso.example".into()],
            event_subject: None,
            item: None,
            ok: true,
            error: None,
        })
        .unwrap();

    let mut found = Vec::new();
    modes(&data, &mut found);
    for name in [
        "service.lock",
        "agents",
        "writes.jsonl",
        "writes.lock",
        "history.jsonl",
        "history.jsonl.1",
        "run-now",
    ] {
        assert!(
            found.iter().any(|(n, _, _)| n.ends_with(name)),
            "{name} was made: {found:?}"
        );
    }
    for (name, mode, dir) in &found {
        let want = if *dir { 0o700 } else { 0o600 };
        assert_eq!(*mode, want, "{name} is {mode:o}");
    }
}

#[test]
fn a_file_made_open_to_others_by_an_older_version_is_tightened() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("writes.jsonl");
    std::fs::write(&path, b"{}\n").unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    patchbay_core::store::open_private(
        &path,
        std::fs::OpenOptions::new().append(true).create(true),
    )
    .unwrap();
    let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
}
