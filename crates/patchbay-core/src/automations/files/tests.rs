//! File automations, round by round, without Graph.

use super::super::Action;
use super::*;

fn automation() -> Automation {
    Automation {
        id: "a".into(),
        name: "n".into(),
        connection_id: "c".into(),
        trigger: Trigger::FileChanged {
            folder: "/Docs".into(),
            drive: None,
            name_matches: None,
            download_to: None,
        },
        action: Action::Run {
            argv: vec!["true".into()],
        },
        paused: false,
        notify: false,
        poll_secs: 60,
        created_at: String::new(),
    }
}

fn source() -> FileChanged<'static> {
    FileChanged {
        folder: "/Docs",
        drive: None,
        name_matches: None,
        download_to: None,
    }
}

/// A drive: root `r`, `/Docs` (`d`), `/Docs/Sub` (`s`), `/Other` (`o`); baselined at 1000.
fn state() -> State {
    let mut fs = FileState {
        mark: 1_000,
        root_id: Some("r".into()),
        folder_id: Some("d".into()),
        ..FileState::default()
    };
    for (id, name, parent) in [("d", "Docs", "r"), ("s", "Sub", "d"), ("o", "Other", "r")] {
        fs.folders.insert(
            id.into(),
            FolderKnown {
                name: name.into(),
                parent: Some(parent.into()),
            },
        );
    }
    let mut s = State {
        baselined: true,
        ..State::default()
    };
    fs.store(&mut s);
    s
}

fn file(id: &str, name: &str, parent: &str, hash: &str, created: &str) -> Value {
    json!({
        "id": id, "name": name, "size": 10,
        "parentReference": {"id": parent},
        "file": {"hashes": {"quickXorHash": hash}},
        "createdDateTime": created, "lastModifiedDateTime": created,
        "fileSystemInfo": {"lastModifiedDateTime": created},
    })
}

fn changes(s: &mut State, items: Vec<Value>) -> Vec<(String, String)> {
    source()
        .take_page(&automation(), s, items, true, 0)
        .into_iter()
        .map(|p| {
            (
                p.payload["item"]["change"].as_str().unwrap().to_string(),
                p.payload["item"]["path"]
                    .as_str()
                    .unwrap_or("?")
                    .to_string(),
            )
        })
        .collect()
}

const NEW: &str = "1970-01-01T00:20:00Z";
const OLD: &str = "1970-01-01T00:00:01Z";

#[test]
fn every_change_kind_fires_once_and_metadata_fires_nothing() {
    let mut s = state();
    let c = |v: &[(&str, &str)]| -> Vec<(String, String)> {
        v.iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    };
    // Created, in the folder and below it; outside, nothing.
    assert_eq!(
        changes(
            &mut s,
            vec![
                file("1", "a.pdf", "d", "h1", NEW),
                file("2", "b.txt", "s", "h2", NEW),
                file("3", "c.txt", "o", "h3", NEW),
            ]
        ),
        c(&[("created", "/Docs/a.pdf"), ("created", "/Docs/Sub/b.txt")])
    );
    // The same again (a replay), and a touch (no content change): nothing.
    let mut touched = file("1", "a.pdf", "d", "h1", NEW);
    touched["lastModifiedDateTime"] = json!("1970-01-01T01:00:00Z");
    assert!(changes(&mut s, vec![file("2", "b.txt", "s", "h2", NEW), touched]).is_empty());
    // Content changed: modified; listed twice in the round, the last wins, once.
    assert_eq!(
        changes(
            &mut s,
            vec![
                file("1", "a.pdf", "d", "h1x", NEW),
                file("1", "a.pdf", "d", "h1y", NEW)
            ]
        ),
        c(&[("modified", "/Docs/a.pdf")])
    );
    // Renamed within: moved. Moved out: deleted. Moved in: created.
    assert_eq!(
        changes(&mut s, vec![file("1", "A.pdf", "s", "h1y", NEW)]),
        c(&[("moved", "/Docs/Sub/A.pdf")])
    );
    assert_eq!(
        changes(&mut s, vec![file("2", "b.txt", "o", "h2", NEW)]),
        c(&[("deleted", "/Docs/Sub/b.txt")])
    );
    assert_eq!(
        changes(&mut s, vec![file("3", "c.txt", "d", "h3", NEW)]),
        c(&[("created", "/Docs/c.txt")])
    );
    // Deleted: no name in the item, the kept one in the payload.
    assert_eq!(
        changes(
            &mut s,
            vec![
                json!({"id": "3", "deleted": {"state": "deleted"}, "parentReference": {"id": "d"}})
            ]
        ),
        c(&[("deleted", "/Docs/c.txt")])
    );
}

#[test]
fn files_there_before_the_baseline_and_folder_moves() {
    let mut s = state();
    // Never seen, created before the baseline: a content change is modified, a touch nothing.
    let mut changed = file("9", "old.txt", "d", "h9", OLD);
    changed["fileSystemInfo"]["lastModifiedDateTime"] = json!(NEW);
    assert_eq!(changes(&mut s, vec![changed]).len(), 1);
    assert!(changes(&mut s, vec![file("8", "older.txt", "d", "h8", OLD)]).is_empty());
    // A kept file under a folder that is renamed: moved; the folder moved out: deleted.
    changes(&mut s, vec![file("5", "x.txt", "s", "h5", NEW)]);
    let renamed = json!({"id": "s", "name": "Sub2", "folder": {}, "parentReference": {"id": "d"}});
    let got = source().take_page(&automation(), &mut s, vec![renamed], true, 0);
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].payload["item"]["change"], "moved");
    assert_eq!(got[0].payload["item"]["path"], "/Docs/Sub2/x.txt");
    let out = json!({"id": "s", "name": "Sub2", "folder": {}, "parentReference": {"id": "o"}});
    let got = source().take_page(&automation(), &mut s, vec![out], true, 0);
    assert_eq!(got[0].payload["item"]["change"], "deleted");
    assert_eq!(got[0].payload["item"]["path"], "/Docs/Sub2/x.txt");
}

#[test]
fn a_download_lands_under_its_folder_and_never_outside_it() {
    let dir = tempfile::tempdir().unwrap();
    let watched = DrivePath::parse("/Docs").unwrap();
    let t = local_target(dir.path(), &watched, "/Docs/Sub/a.pdf").unwrap();
    assert_eq!(t, dir.path().join("Sub").join("a.pdf"));
    assert!(dir.path().join("Sub").is_dir());
    assert!(local_target(dir.path(), &watched, "/Other/a.pdf").is_none());
    assert!(local_target(dir.path(), &watched, "/Docs/../etc/passwd").is_none());
    let odd = local_target(dir.path(), &watched, "/Docs/a\\b.pdf").unwrap();
    assert_eq!(odd.parent(), Some(dir.path()));
}

#[test]
fn a_round_is_decided_at_its_delta_link_and_names_are_matched() {
    let mut s = state();
    let src = source();
    assert!(src
        .take_page(
            &automation(),
            &mut s,
            vec![file("1", "a.pdf", "d", "h1", NEW)],
            false,
            0
        )
        .is_empty());
    let got = src.take_page(
        &automation(),
        &mut s,
        vec![file("1", "a.pdf", "d", "h2", NEW)],
        true,
        0,
    );
    assert_eq!(got.len(), 1, "one delivery for two listings of one item");
    let only_pdf = FileChanged {
        name_matches: Some("*.PDF"),
        ..source()
    };
    let got = only_pdf.take_page(
        &automation(),
        &mut s,
        vec![
            file("4", "notes.txt", "d", "h4", NEW),
            file("5", "b.pdf", "d", "h5", NEW),
        ],
        true,
        0,
    );
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].payload["item"]["name"], "b.pdf");
    // The folder's own path: /Invoices does not hold /Invoices-archive.
    assert!(!DrivePath::parse("/Docs-old/a")
        .unwrap()
        .is_within(&DrivePath::parse("/Docs").unwrap()));
}
