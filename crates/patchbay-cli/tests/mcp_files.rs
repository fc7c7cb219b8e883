//! `patchbay mcp` serving an OneDrive & SharePoint connection, driven by the official MCP Python SDK's client
//! (tests/mcp/client.py) against the sandbox's drives: which file tools each set of flags offers, what each tool
//! returns (and the sandbox then holds), the text `read_file` gets out of each kind of file, the one local folder
//! (`--files-dir`) downloads land in and uploads come from — and nothing outside it — and the write log.

mod common;

use common::mcp_client::{drive, Report};
use common::{connect_connector, connect_to, own_sandbox, text, Home, ADELE};
use patchbay_sandbox::{FileContent, Sandbox};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::path::Path;

const MEGAN: &str = "megan@contoso.example";
const FILE_KEYS: [&str; 7] = [
    "id",
    "is_folder",
    "modified",
    "name",
    "path",
    "size",
    "web_url",
];
const READ_TOOLS: [&str; 4] = [
    "list_connections",
    "search_files",
    "list_files",
    "read_file",
];

async fn connect_files(home: &Home, sandbox: &Sandbox, user: &str) -> String {
    connect_connector(home, sandbox, user, "onedrive-sharepoint").await
}

/// A folder for `--files-dir` (outside the data folder, which it may not be in).
fn files_dir() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

fn arg(dir: &Path) -> String {
    dir.to_str().unwrap().to_string()
}

fn sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A symbolic link at `at` to `target` (a file or a folder).
fn link(target: &Path, at: &Path) {
    #[cfg(unix)]
    std::os::unix::fs::symlink(target, at).unwrap();
    #[cfg(windows)]
    if target.is_dir() {
        std::os::windows::fs::symlink_dir(target, at).unwrap();
    } else {
        std::os::windows::fs::symlink_file(target, at).unwrap();
    }
}

fn keys(v: &Value) -> Vec<String> {
    let mut k: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
    k.sort();
    k
}

fn ok(report: &Report, i: usize) -> &Value {
    let r = report.result(i);
    assert_eq!(r["is_error"], false, "call {i}: {r}");
    &r["structured"]
}

/// The words of a refused call.
fn refused(report: &Report, i: usize) -> String {
    let r = report.result(i);
    assert_eq!(r["is_error"], true, "call {i} was refused: {r}");
    r["text"].as_str().unwrap().to_string()
}

fn paths(items: &Value) -> Vec<String> {
    items
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["path"].as_str().unwrap().to_string())
        .collect()
}

/// The log's records, each an intent line followed by its outcome line (of the same id): the outcomes.
fn log_records(home: &Home) -> Vec<Value> {
    let log = std::fs::read_to_string(home.data.path().join("agents/writes.jsonl")).unwrap();
    let lines: Vec<Value> = log
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    lines
        .chunks(2)
        .map(|pair| {
            assert_eq!(pair.len(), 2, "an intent and its outcome: {log}");
            assert_eq!(pair[0]["id"], pair[1]["id"]);
            assert_eq!(pair[0]["unfinished"], true, "the intent comes first: {log}");
            assert_eq!(pair[1]["unfinished"], false);
            pair[1].clone()
        })
        .collect()
}

#[tokio::test]
async fn the_flags_and_the_folder_decide_which_file_tools_are_offered() {
    let sandbox = own_sandbox().await;
    let home = Home::new();
    connect_files(&home, &sandbox, ADELE).await;
    let dir = files_dir();
    let dir_arg = arg(dir.path());

    // Read only: the reads; an unlisted tool called anyway is refused in words, and nothing happens.
    let read = drive(
        &home,
        &[],
        "auto",
        json!([
            ["upload_file", {"local_path": "a.txt", "path": "/Documents/a.txt"}],
            ["download_file", {"path": "/Documents/Notes.txt"}],
        ]),
    )
    .await;
    assert_eq!(read.tools(), READ_TOOLS);
    for name in READ_TOOLS.iter().skip(1) {
        let t = read.tool(name);
        assert_eq!(t["annotations"]["readOnlyHint"], true, "{name}");
        assert_eq!(t["annotations"]["destructiveHint"], false, "{name}");
        assert!(t["output_schema"].is_object(), "{name}");
        let d = t["description"].as_str().unwrap();
        assert!(d.contains("not instructions"), "{name}: {d}");
    }
    for key in ["connection", "path", "max_chars"] {
        assert!(
            read.tool("read_file")["input_schema"]["properties"][key].is_object(),
            "read_file takes {key}"
        );
    }
    for i in [0, 1] {
        let words = refused(&read, i);
        assert!(words.contains("not offered"), "{words}");
    }
    assert!(std::fs::read_dir(dir.path()).unwrap().next().is_none());

    // --files-dir adds the download.
    let folder = drive(&home, &["--files-dir", &dir_arg], "auto", json!([])).await;
    assert_eq!(
        folder.tools(),
        [READ_TOOLS.as_slice(), &["download_file"]].concat()
    );

    // --allow-write with the folder: uploads and folders too; no link.
    let write = drive(
        &home,
        &["--allow-write", "--files-dir", &dir_arg],
        "auto",
        json!([["share_link", {"path": "/Documents/Notes.txt", "scope": "anonymous"}]]),
    )
    .await;
    assert_eq!(
        write.tools(),
        [
            READ_TOOLS.as_slice(),
            &["download_file", "upload_file", "create_folder"]
        ]
        .concat()
    );
    for name in ["upload_file", "create_folder"] {
        let a = &write.tool(name)["annotations"];
        assert_eq!(a["readOnlyHint"], false, "{name}");
        assert_eq!(a["destructiveHint"], false, "{name}");
    }
    let upload = write.tool("upload_file");
    let mut required: Vec<String> = upload["input_schema"]["required"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    required.sort();
    assert_eq!(required, ["local_path", "path"]);
    assert!(refused(&write, 0).contains("not offered"));

    // --allow-send alone: the link, but neither uploads (no --allow-write, no folder) nor downloads.
    let send = drive(&home, &["--allow-send"], "auto", json!([])).await;
    assert_eq!(
        send.tools(),
        [READ_TOOLS.as_slice(), &["share_link"]].concat()
    );
    let link = &send.tool("share_link")["annotations"];
    assert_eq!(link["openWorldHint"], true);
    assert_eq!(link["readOnlyHint"], false);
    assert!(send.tool("share_link")["description"]
        .as_str()
        .unwrap()
        .contains("--allow-send"));

    // --allow-write without the folder: folders, not uploads.
    let no_folder = drive(&home, &["--allow-write"], "auto", json!([])).await;
    assert!(no_folder.tools().contains(&"create_folder".to_string()));
    assert!(!no_folder.tools().contains(&"upload_file".to_string()));

    // A folder that cannot be had stops the server at start, in words.
    let out = home
        .run(&["mcp", "--files-dir", "/nonexistent-pb/deeper/still"])
        .await;
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("does not exist"), "{stderr}");
    let out = home
        .run(&["mcp", "--files-dir", home.data.path().to_str().unwrap()])
        .await;
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("data folder"));
    sandbox.shutdown().await;
}

#[tokio::test]
async fn reads_list_search_and_give_each_kind_of_file_as_text() {
    let sandbox = own_sandbox().await;
    let home = Home::new();
    connect_files(&home, &sandbox, ADELE).await;
    let control = sandbox.control();
    control
        .put_file(
            ADELE,
            None,
            "/Documents/latin1.txt",
            FileContent::Bytes(b"Caf\xe9 cr\xe8me".to_vec()),
        )
        .unwrap();
    control
        .put_file(
            ADELE,
            None,
            "/Documents/huge.txt",
            FileContent::Size(11 * 1024 * 1024),
        )
        .unwrap();

    let report = drive(
        &home,
        &[],
        "auto",
        json!([
            ["list_files", {}],
            ["list_files", {"path": "/Documents"}],
            ["search_files", {"query": "Service Contract"}],
            ["search_files", {"query": "log-2025", "top": 3}],
            ["read_file", {"path": "/Documents/Welcome.md"}],
            ["read_file", {"path": "/Documents/Budget 2026.csv"}],
            ["read_file", {"path": "/Documents/settings.json"}],
            ["read_file", {"path": "/Documents/Project Plan.docx"}],
            ["read_file", {"path": "/Documents/Contract.pdf"}],
            ["read_file", {"path": "/Pictures/logo.png"}],
            ["read_file", {"path": "/Pictures/firmware.bin"}],
            ["read_file", {"path": "/Documents/Notes.txt", "max_chars": 12}],
            ["read_file", {"path": "/Documents/latin1.txt"}],
            ["read_file", {"path": "/Documents/huge.txt"}],
            ["read_file", {"path": "/Documents"}],
            ["read_file", {"path": "/Documents/Nowhere.txt"}],
            ["list_files", {"path": "/Documents", "drive": "b!no-such-drive"}],
            ["search_files", {"query": "  "}],
            ["list_files", {"path": "/Archive/2025"}],
        ]),
    )
    .await;

    let root = paths(&ok(&report, 0)["items"]);
    for folder in ["/Documents", "/Pictures", "/Archive"] {
        assert!(root.contains(&folder.to_string()), "{root:?}");
    }
    let documents = &ok(&report, 1)["items"];
    for item in documents.as_array().unwrap() {
        assert_eq!(keys(item), FILE_KEYS, "{item}");
    }
    let names = paths(documents);
    for file in [
        "Welcome.md",
        "Budget 2026.csv",
        "Contract.pdf",
        "Project Plan.docx",
    ] {
        assert!(
            names.contains(&format!("/Documents/{file}")),
            "{file} in {names:?}"
        );
    }
    // Search results carry their paths (resolved: business drives send none).
    let found = paths(&ok(&report, 2)["items"]);
    assert!(
        found.contains(&"/Documents/Contract.pdf".to_string()),
        "{found:?}"
    );
    let three = ok(&report, 3);
    assert_eq!(three["items"].as_array().unwrap().len(), 3, "{three}");
    assert_eq!(three["truncated"], true, "more than three match");
    assert!(paths(&three["items"])
        .iter()
        .all(|p| p.starts_with("/Archive/2025/log-2025-")));

    let md = ok(&report, 4);
    assert_eq!(
        keys(md),
        [
            "content_type",
            "id",
            "name",
            "path",
            "size",
            "text",
            "truncated"
        ]
    );
    assert!(
        md["text"].as_str().unwrap().starts_with("# Welcome, Adele"),
        "{md}"
    );
    assert_eq!(md["content_type"], "text/markdown");
    assert_eq!(md["truncated"], false);
    assert_eq!(md["path"], "/Documents/Welcome.md");
    let csv = ok(&report, 5)["text"].as_str().unwrap();
    assert!(
        csv.starts_with("Quarter,Department,Amount (EUR)\nQ1,Marketing,12500"),
        "{csv}"
    );
    let json_text = ok(&report, 6)["text"].as_str().unwrap();
    let settings: Value = serde_json::from_str(json_text).unwrap();
    assert_eq!(settings["owner"], ADELE);
    let docx = ok(&report, 7)["text"].as_str().unwrap();
    assert!(docx.starts_with("Project Plan: Store Refresh\n"), "{docx}");
    assert!(
        docx.contains("Milestones: design sign-off in February"),
        "{docx}"
    );
    assert!(!docx.contains('<'), "{docx}");
    let pdf = ok(&report, 8)["text"].as_str().unwrap();
    assert!(pdf.contains("Service Contract"), "{pdf}");
    assert!(
        pdf.contains("Between Contoso Ltd and Fabrikam Inc."),
        "{pdf}"
    );

    let png = refused(&report, 9);
    assert!(png.contains("logo.png is an image (image/png)"), "{png}");
    assert!(png.contains("download_file"), "{png}");
    let bin = refused(&report, 10);
    assert!(
        bin.contains("firmware.bin is a program or binary file"),
        "{bin}"
    );

    let cut = ok(&report, 11);
    assert_eq!(cut["text"], "Call the pri");
    assert_eq!(cut["truncated"], true);
    let latin = ok(&report, 12);
    assert_eq!(latin["text"], "Caf\u{FFFD} cr\u{FFFD}me");
    assert!(
        latin["note"].as_str().unwrap().contains("not UTF-8"),
        "{latin}"
    );
    let huge = refused(&report, 13);
    assert!(huge.contains("larger than 10 MiB"), "{huge}");
    assert!(refused(&report, 14).contains("is a folder"));
    let missing = refused(&report, 15);
    assert!(
        missing.contains("There is no /Documents/Nowhere.txt")
            && missing.contains("listing its folder"),
        "{missing}"
    );
    let no_drive = refused(&report, 16);
    assert!(
        no_drive.contains("drive id") && no_drive.contains("leave drive out"),
        "{no_drive}"
    );
    assert!(refused(&report, 17).contains("empty"));
    // 300 files do not fit one answer: cut, and said.
    let archive = ok(&report, 18);
    let listed = archive["items"].as_array().unwrap().len();
    assert!(listed > 10 && listed < 300, "{listed}");
    assert_eq!(archive["truncated"], true);
    for r in report.report["results"].as_array().unwrap() {
        assert!(r["text"].as_str().unwrap().len() <= 32 * 1024);
    }
    // Nothing was written, here or in the drive's log.
    assert!(!home.data.path().join("agents/writes.jsonl").exists());
    sandbox.shutdown().await;
}

#[tokio::test]
async fn downloads_land_in_the_folder_and_uploads_come_only_from_it() {
    let sandbox = own_sandbox().await;
    let home = Home::new();
    connect_files(&home, &sandbox, ADELE).await;
    let control = sandbox.control();
    let dir = files_dir();
    let outside = tempfile::tempdir().unwrap();
    let secret = outside.path().join("id_ed25519");
    std::fs::write(&secret, b"-----BEGIN OPENSSH PRIVATE KEY-----").unwrap();
    let report_bytes = b"Quarterly report: all good.\n".repeat(100);
    std::fs::write(dir.path().join("report.txt"), &report_bytes).unwrap();
    link(&secret, &dir.path().join("notes.txt"));
    link(outside.path(), &dir.path().join("elsewhere"));
    let contract = control
        .file_info(ADELE, None, "/Documents/Contract.pdf")
        .unwrap();
    let dir_arg = arg(dir.path());
    let real_dir = std::fs::canonicalize(dir.path()).unwrap();

    let report = drive(
        &home,
        &["--allow-write", "--files-dir", &dir_arg],
        "auto",
        json!([
            ["download_file", {"path": "/Documents/Contract.pdf"}],
            ["download_file", {"path": "/Documents/Contract.pdf"}],
            ["create_folder", {"path": "/Documents/Reports"}],
            ["create_folder", {"path": "/Documents/Reports"}],
            ["upload_file", {"local_path": "report.txt", "path": "/Documents/Reports/"}],
            ["upload_file", {"local_path": "report.txt", "path": "/Documents/Reports/report.txt"}],
            ["upload_file", {"local_path": "report.txt", "path": "/Documents/Reports/report.txt", "conflict": "rename"}],
            ["upload_file", {"local_path": "../id_ed25519", "path": "/Documents/a"}],
            ["upload_file", {"local_path": secret.to_str().unwrap(), "path": "/Documents/b"}],
            ["upload_file", {"local_path": "notes.txt", "path": "/Documents/c"}],
            ["upload_file", {"local_path": "elsewhere/id_ed25519", "path": "/Documents/d"}],
            ["upload_file", {"local_path": dir.path().join("Contract.pdf").to_str().unwrap(), "path": "/Documents/Reports/Contract copy.pdf"}],
            ["create_folder", {"path": "/No such/Deeper"}],
            ["download_file", {"path": "/Documents"}],
        ]),
    )
    .await;

    // Downloads: into the folder, byte for byte; a second one beside the first, nothing overwritten.
    let first = ok(&report, 0);
    assert_eq!(keys(first), ["local_path", "size"]);
    assert_eq!(
        first["local_path"].as_str().unwrap(),
        real_dir.join("Contract.pdf").to_str().unwrap()
    );
    assert_eq!(first["size"], contract.size);
    let bytes = std::fs::read(real_dir.join("Contract.pdf")).unwrap();
    assert_eq!(Some(sha256(&bytes)), contract.sha256);
    assert_eq!(
        ok(&report, 1)["local_path"].as_str().unwrap(),
        real_dir.join("Contract (1).pdf").to_str().unwrap()
    );

    // Folders: made once, the same folder the second time.
    let folder = ok(&report, 2);
    assert_eq!(keys(folder), FILE_KEYS);
    assert_eq!(folder["path"], "/Documents/Reports");
    assert_eq!(folder["is_folder"], true);
    assert_eq!(ok(&report, 3)["id"], folder["id"]);

    // Uploads: into the folder by its own name, checked against what the sandbox holds; a taken name refused
    // unless renaming was asked for.
    let uploaded = ok(&report, 4);
    assert_eq!(keys(uploaded), FILE_KEYS);
    assert_eq!(uploaded["path"], "/Documents/Reports/report.txt");
    let held = control
        .file_info(ADELE, None, "/Documents/Reports/report.txt")
        .unwrap();
    assert_eq!(held.sha256, Some(sha256(&report_bytes)));
    assert_eq!(held.size, report_bytes.len() as u64);
    assert!(refused(&report, 5).contains("already exists"));
    assert_eq!(ok(&report, 6)["path"], "/Documents/Reports/report 1.txt");

    // Nothing outside the folder leaves this computer, however it is named.
    let dotdot = refused(&report, 7);
    assert!(dotdot.contains("\"..\""), "{dotdot}");
    assert!(refused(&report, 8).contains("is outside"));
    for i in [9, 10] {
        let words = refused(&report, i);
        assert!(words.contains("symbolic link"), "{words}");
    }
    for path in [
        "/Documents/a",
        "/Documents/b",
        "/Documents/c",
        "/Documents/d",
    ] {
        assert!(
            control.file_info(ADELE, None, path).is_err(),
            "{path} was uploaded"
        );
    }
    // A file downloaded into the folder goes back up whole.
    assert_eq!(
        ok(&report, 11)["path"],
        "/Documents/Reports/Contract copy.pdf"
    );
    let copy = control
        .file_info(ADELE, None, "/Documents/Reports/Contract copy.pdf")
        .unwrap();
    assert_eq!(copy.sha256, contract.sha256);

    let no_parent = refused(&report, 12);
    assert!(
        no_parent.contains("There is no folder /No such"),
        "{no_parent}"
    );
    assert!(refused(&report, 13).contains("is a folder"));

    // The log: every write and every refused upload, intent first; never a file's content.
    let records = log_records(&home);
    let tools: Vec<&str> = records
        .iter()
        .map(|r| r["tool"].as_str().unwrap())
        .collect();
    assert_eq!(
        tools,
        [
            "create_folder",
            "create_folder",
            "upload_file",
            "upload_file",
            "upload_file",
            "upload_file",
            "upload_file",
            "upload_file",
            "upload_file",
            "upload_file",
            "create_folder"
        ]
    );
    assert_eq!(records[0]["item"], "/Documents/Reports");
    assert_eq!(records[2]["item"], "report.txt → /Documents/Reports/");
    assert_eq!(records[2]["ok"], true);
    assert_eq!(records[3]["ok"], false);
    assert_eq!(records[5]["ok"], false);
    assert!(records[5]["error"].as_str().unwrap().contains(".."));
    assert!(records.iter().all(|r| r["sends"] == false));
    let log = std::fs::read_to_string(home.data.path().join("agents/writes.jsonl")).unwrap();
    assert!(
        !log.contains("Quarterly report") && !log.contains("PRIVATE KEY"),
        "{log}"
    );
    sandbox.shutdown().await;
}

#[tokio::test]
async fn a_sharing_link_is_a_send_recorded_before_it_is_made() {
    let sandbox = own_sandbox().await;
    let home = Home::new();
    connect_files(&home, &sandbox, ADELE).await;
    let report = drive(
        &home,
        &["--allow-send"],
        "auto",
        json!([
            ["share_link", {"path": "/Documents/Contract.pdf", "scope": "organization"}],
            ["share_link", {"path": "/Documents/Contract.pdf", "scope": "organization"}],
            ["share_link", {"path": "/Documents/Contract.pdf", "scope": "anonymous"}],
            ["share_link", {"path": "/Documents/Nothing.pdf", "scope": "anonymous"}],
        ]),
    )
    .await;
    let org = ok(&report, 0);
    assert_eq!(keys(org), ["url"]);
    let url = org["url"].as_str().unwrap();
    assert!(url.starts_with("https://"), "{url}");
    assert_eq!(ok(&report, 1)["url"], url, "the same link again");
    let anyone = ok(&report, 2)["url"].as_str().unwrap();
    assert!(anyone.starts_with("https://") && anyone != url);
    assert!(refused(&report, 3).contains("There is no /Documents/Nothing.pdf"));

    let records = log_records(&home);
    assert_eq!(records.len(), 4);
    assert!(records
        .iter()
        .all(|r| r["tool"] == "share_link" && r["sends"] == true));
    assert_eq!(records[0]["item"], "/Documents/Contract.pdf");
    assert_eq!(
        records[0]["recipients"],
        json!(["people in the organisation"])
    );
    assert_eq!(records[2]["recipients"], json!(["anyone with the link"]));
    assert_eq!(records[3]["ok"], false);
    sandbox.shutdown().await;
}

#[tokio::test]
async fn mail_and_files_served_together_split_the_tools_by_connector() {
    let sandbox = own_sandbox().await;
    let home = Home::new();
    let mail = connect_to(&home, &sandbox, ADELE).await;
    let files = connect_files(&home, &sandbox, ADELE).await;

    let both = drive(
        &home,
        &[],
        "auto",
        json!([
            ["list_connections", {}],
            ["search_files", {"query": "Contract"}],
            ["list_messages", {"top": 1}],
            ["read_file", {"connection": mail, "path": "/Documents/Welcome.md"}],
            ["list_files", {"connection": files}],
        ]),
    )
    .await;
    assert_eq!(
        both.tools(),
        [
            "list_connections",
            "search_mail",
            "list_messages",
            "get_message",
            "list_events",
            "search_files",
            "list_files",
            "read_file"
        ]
    );
    // One connection has each tool: `connection` may be left out everywhere.
    for name in ["search_files", "list_files", "read_file", "list_messages"] {
        let required = both.tool(name)["input_schema"]["required"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        assert!(
            !required.contains(&json!("connection")),
            "{name}: {required:?}"
        );
    }
    let listed = ok(&both, 0)["connections"].as_array().unwrap().clone();
    let tools_of = |id: &str| -> Vec<String> {
        let c = listed.iter().find(|c| c["id"] == id).unwrap();
        c["tools"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t.as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(tools_of(&files), READ_TOOLS);
    assert!(tools_of(&mail).contains(&"search_mail".to_string()));
    assert!(!tools_of(&mail).contains(&"read_file".to_string()));
    assert!(paths(&ok(&both, 1)["items"]).contains(&"/Documents/Contract.pdf".to_string()));
    assert_eq!(ok(&both, 2)["messages"].as_array().unwrap().len(), 1);
    let wrong = refused(&both, 3);
    assert!(
        wrong.contains("cannot do read_file") && wrong.contains("OneDrive"),
        "{wrong}"
    );
    assert!(!ok(&both, 4)["items"].as_array().unwrap().is_empty());

    // A second files connection: the file tools now want `connection`, the mail tools still do not.
    let megan = connect_files(&home, &sandbox, MEGAN).await;
    let three = drive(
        &home,
        &[],
        "auto",
        json!([
            ["list_files", {}],
            ["read_file", {"connection": megan, "path": "/Documents/settings.json"}],
        ]),
    )
    .await;
    for name in ["search_files", "list_files", "read_file"] {
        let required = three.tool(name)["input_schema"]["required"].clone();
        assert!(
            required.as_array().unwrap().contains(&json!("connection")),
            "{name}: {required}"
        );
    }
    let required = three.tool("search_mail")["input_schema"]["required"].clone();
    assert!(!required.as_array().unwrap().contains(&json!("connection")));
    assert!(refused(&three, 0).contains("say which"));
    let settings: Value = serde_json::from_str(ok(&three, 1)["text"].as_str().unwrap()).unwrap();
    assert_eq!(settings["owner"], MEGAN);
    sandbox.shutdown().await;
}
