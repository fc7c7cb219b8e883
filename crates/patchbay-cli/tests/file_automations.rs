//! `patchbay automations … --on file-changed` as processes against the sandbox's OneDrive: a baseline of one
//! request that fires nothing, each change kind (created, modified, deleted, moved) once, a metadata change
//! firing nothing, replays and a 410 resync firing nothing twice, throttling waited out, the name filter, and a
//! process killed in the middle of a command losing nothing.

mod common;

use common::{connect_connector, own_sandbox, text, Home, ADELE};
use patchbay_sandbox::{FileContent, Sandbox};
use serde_json::Value;
use std::path::{Path, PathBuf};

use common::{recorded as lines, recorder};

/// (change, path) of each line from `from` on.
fn changes(out: &Path, from: usize) -> Vec<(String, String)> {
    lines(out)
        .into_iter()
        .skip(from)
        .map(|(_, v)| {
            (
                v["item"]["change"].as_str().unwrap_or("?").to_string(),
                v["item"]["path"].as_str().unwrap_or("?").to_string(),
            )
        })
        .collect()
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

async fn add(home: &Home, args: &[&str]) -> Value {
    common::add_automation(home, args).await
}

async fn run_once(home: &Home, env: &[(&str, &str)]) -> (Option<i32>, String) {
    let mut cmd = home.command(&["automations", "run", "--once"]);
    cmd.envs(env.iter().copied());
    let out = tokio::time::timeout(common::LIMIT, cmd.output())
        .await
        .unwrap()
        .unwrap();
    (out.status.code(), text(&out.stderr))
}

struct Setup {
    sandbox: Sandbox,
    home: Home,
    connection: String,
    out: PathBuf,
}

async fn setup() -> Setup {
    let sandbox = own_sandbox().await;
    let home = Home::new();
    let connection = connect_connector(&home, &sandbox, ADELE, "onedrive-sharepoint").await;
    let out = home.data.path().join("delivered.txt");
    Setup {
        sandbox,
        home,
        connection,
        out,
    }
}

fn put(s: &Setup, path: &str, text: &str) {
    s.sandbox
        .control()
        .put_file(ADELE, None, path, FileContent::Text(text.into()))
        .unwrap();
}

#[tokio::test]
async fn each_change_fires_once_and_a_metadata_change_never() {
    let s = setup().await;
    let run = recorder(&s.out);
    let before = s.sandbox.control().stats().graph_requests;
    let added = add(
        &s.home,
        &[
            "--connection",
            &s.connection,
            "--on",
            "file-changed",
            "--folder",
            "/Documents",
            "--run",
            &run,
        ],
    )
    .await;
    // The baseline: one round trip, whatever the drive holds; nothing there fires.
    assert_eq!(s.sandbox.control().stats().graph_requests - before, 1);
    assert_eq!(added["trigger"]["on"], "file_changed");
    assert_eq!(added["trigger"]["folder"], "/Documents");
    assert_eq!(run_once(&s.home, &[]).await.0, Some(0));
    assert!(lines(&s.out).is_empty());

    // Created, in the folder and below it; outside it, nothing.
    put(&s, "/Documents/new.txt", "one");
    put(
        &s,
        "/Documents/Invoices/2026/INV-2026-007.pdf",
        "%PDF-1.4 invoice",
    );
    put(&s, "/Pictures/holiday.txt", "not watched");
    let (code, stderr) = run_once(&s.home, &[]).await;
    assert_eq!(code, Some(0), "{stderr}");
    let mut got = changes(&s.out, 0);
    got.sort();
    assert_eq!(
        got,
        pairs(&[
            ("created", "/Documents/Invoices/2026/INV-2026-007.pdf"),
            ("created", "/Documents/new.txt"),
        ])
    );
    let (id, json) = lines(&s.out).remove(0);
    assert_eq!(json["trigger"], "file_changed");
    assert_eq!(json["connection_id"], s.connection.as_str());
    assert_eq!(json["item"]["id"], id.as_str());
    let mut keys: Vec<&str> = json["item"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort();
    assert_eq!(
        keys,
        [
            "change",
            "id",
            "modified",
            "modified_by",
            "name",
            "path",
            "size",
            "web_url"
        ]
    );

    // Replays (the same round again) and a touch: nothing.
    assert_eq!(run_once(&s.home, &[]).await.0, Some(0));
    s.sandbox
        .control()
        .touch_file(ADELE, None, "/Documents/new.txt")
        .unwrap();
    s.sandbox
        .control()
        .touch_file(ADELE, None, "/Documents/Notes.txt")
        .unwrap();
    assert_eq!(run_once(&s.home, &[]).await.0, Some(0));
    assert_eq!(lines(&s.out).len(), 2, "{:?}", changes(&s.out, 0));

    // Content changed (twice before a round: once); renamed; moved out; moved in; deleted.
    put(&s, "/Documents/new.txt", "two");
    put(&s, "/Documents/new.txt", "three");
    assert_eq!(run_once(&s.home, &[]).await.0, Some(0));
    assert_eq!(
        changes(&s.out, 2),
        pairs(&[("modified", "/Documents/new.txt")])
    );
    let control = s.sandbox.control();
    control
        .move_file(ADELE, None, "/Documents/new.txt", "/Documents/renamed.txt")
        .unwrap();
    assert_eq!(run_once(&s.home, &[]).await.0, Some(0));
    assert_eq!(
        changes(&s.out, 3),
        pairs(&[("moved", "/Documents/renamed.txt")])
    );
    control
        .move_file(
            ADELE,
            None,
            "/Documents/renamed.txt",
            "/Archive/renamed.txt",
        )
        .unwrap();
    assert_eq!(run_once(&s.home, &[]).await.0, Some(0));
    assert_eq!(
        changes(&s.out, 4),
        pairs(&[("deleted", "/Documents/renamed.txt")])
    );
    control
        .move_file(
            ADELE,
            None,
            "/Pictures/holiday.txt",
            "/Documents/holiday.txt",
        )
        .unwrap();
    assert_eq!(run_once(&s.home, &[]).await.0, Some(0));
    assert_eq!(
        changes(&s.out, 5),
        pairs(&[("created", "/Documents/holiday.txt")])
    );
    control
        .delete_file(ADELE, None, "/Documents/holiday.txt")
        .unwrap();
    assert_eq!(run_once(&s.home, &[]).await.0, Some(0));
    let last = lines(&s.out).pop().unwrap().1;
    assert_eq!(last["item"]["change"], "deleted");
    assert_eq!(
        last["item"]["name"], "holiday.txt",
        "a deleted item has no name: the one kept is given"
    );
    assert_eq!(lines(&s.out).len(), 7);

    // Graph forgets the cursor (410): nothing delivered fires again; a change made meanwhile does, once.
    control.expire_drive_delta(ADELE, None).unwrap();
    put(&s, "/Documents/after-410.txt", "new");
    let (code, stderr) = run_once(&s.home, &[]).await;
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(
        changes(&s.out, 7),
        pairs(&[("created", "/Documents/after-410.txt")])
    );
    assert_eq!(run_once(&s.home, &[]).await.0, Some(0));
    assert_eq!(lines(&s.out).len(), 8);
}

#[tokio::test]
async fn names_are_filtered_throttling_is_waited_out_and_a_bad_folder_is_refused() {
    let s = setup().await;
    let run = recorder(&s.out);
    add(
        &s.home,
        &[
            "--connection",
            &s.connection,
            "--on",
            "file-changed",
            "--folder",
            "/Documents/Invoices",
            "--name-matches",
            "*.PDF",
            "--run",
            &run,
        ],
    )
    .await;
    put(&s, "/Documents/Invoices/2026/INV-2026-008.pdf", "%PDF");
    put(&s, "/Documents/Invoices/2026/notes.txt", "not a pdf");
    put(&s, "/Documents/Invoices-archive/old.pdf", "beside, not in");
    s.sandbox.control().fail_next(429, 1, Some(1)).unwrap();
    let (code, stderr) = run_once(&s.home, &[]).await;
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(
        changes(&s.out, 0),
        pairs(&[("created", "/Documents/Invoices/2026/INV-2026-008.pdf")])
    );

    // A folder that is not there, a file for a folder, and mail flags: refused in words.
    for (args, words) in [
        (vec!["--folder", "/Nowhere"], "There is no folder /Nowhere"),
        (
            vec!["--folder", "/Documents/Notes.txt"],
            "is a file, not a folder",
        ),
        (vec!["--from", "a@b.example"], "--from is for --on new-mail"),
        (vec!["--folder", "/a/../b"], "cannot be watched"),
    ] {
        let mut all = vec![
            "automations",
            "add",
            "--connection",
            &s.connection,
            "--on",
            "file-changed",
            "--run",
            "true",
        ];
        all.extend(args.iter().copied());
        let out = s.home.run(&all).await;
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        let err = text(&out.stderr);
        assert!(err.contains(words), "{args:?}: {err}");
    }
}

#[tokio::test]
async fn a_mail_connection_cannot_watch_files_nor_a_files_connection_mail() {
    let s = setup().await;
    let out = s
        .home
        .run(&[
            "automations",
            "add",
            "--connection",
            &s.connection,
            "--on",
            "new-mail",
            "--run",
            "true",
        ])
        .await;
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(
        err.contains("Microsoft OneDrive & SharePoint connection") && err.contains("Outlook"),
        "{err}"
    );
}

#[tokio::test]
async fn a_process_killed_mid_command_loses_nothing_and_repeats_at_most_that_item() {
    let s = setup().await;
    let run = recorder(&s.out);
    add(
        &s.home,
        &[
            "--connection",
            &s.connection,
            "--on",
            "file-changed",
            "--run",
            &run,
        ],
    )
    .await;
    put(&s, "/Documents/a.txt", "a");
    put(&s, "/Documents/b.txt", "b");
    // Killed after the first item's action ran, before it was recorded.
    let (code, _) = run_once(&s.home, &[("PATCHBAY_FAULT", "automation-after-action")]).await;
    assert_ne!(code, Some(0));
    let (code, stderr) = run_once(&s.home, &[]).await;
    assert_eq!(code, Some(0), "{stderr}");
    let mut ids: Vec<String> = lines(&s.out).into_iter().map(|(id, _)| id).collect();
    let total = ids.len();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 2, "both files delivered");
    assert!(total <= 3, "at most the item in flight twice: {total}");
    assert_eq!(run_once(&s.home, &[]).await.0, Some(0));
    assert_eq!(lines(&s.out).len(), total, "nothing more");
}

#[tokio::test]
async fn download_to_puts_the_bytes_there_before_the_command_runs() {
    let s = setup().await;
    let into = tempfile::tempdir().unwrap();
    // The command records where the file is, and that it is there, whole, when it starts.
    let run = format!(
        "sh -c 'printf \"%s\\t\" \"$PATCHBAY_ITEM_ID\" >> {0}; cat >> {0}; cat \"$PATCHBAY_LOCAL_PATH\" >> {0}.bytes'",
        s.out.display()
    );
    add(
        &s.home,
        &[
            "--connection",
            &s.connection,
            "--on",
            "file-changed",
            "--folder",
            "/Documents",
            "--download-to",
            into.path().to_str().unwrap(),
            "--run",
            &run,
        ],
    )
    .await;
    put(
        &s,
        "/Documents/Invoices/2026/INV-2026-009.pdf",
        "%PDF-1.4 nine",
    );
    let (code, stderr) = run_once(&s.home, &[]).await;
    assert_eq!(code, Some(0), "{stderr}");
    let (_, json) = lines(&s.out).remove(0);
    let local = into.path().join("Invoices/2026/INV-2026-009.pdf");
    assert_eq!(json["item"]["local_path"], local.to_str().unwrap());
    assert_eq!(std::fs::read_to_string(&local).unwrap(), "%PDF-1.4 nine");
    let seen = std::fs::read_to_string(format!("{}.bytes", s.out.display())).unwrap();
    assert_eq!(seen, "%PDF-1.4 nine", "the command found the whole file");
    // A relative or missing folder is refused at add, in words.
    for (bad, words) in [
        ("relative/dir", "not a full path"),
        ("/no/such/dir", "not a folder"),
    ] {
        let out = s
            .home
            .run(&[
                "automations",
                "add",
                "--connection",
                &s.connection,
                "--on",
                "file-changed",
                "--download-to",
                bad,
                "--run",
                "true",
            ])
            .await;
        assert_eq!(out.status.code(), Some(1));
        assert!(text(&out.stderr).contains(words), "{}", text(&out.stderr));
    }
}
