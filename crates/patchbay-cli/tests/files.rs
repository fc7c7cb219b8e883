//! `patchbay files` as a script runs it: the real binary against a sandbox's OneDrive and SharePoint, and
//! against a strict stand-in for Graph's download and upload hosts ([`strict`]) that checks Graph's rules from
//! the outside and answers as Graph may when things go wrong.

mod common;
#[path = "files/strict.rs"]
mod strict;

use common::*;
use patchbay_sandbox::{FileContent, Sandbox, UploadLever};
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::{Duration, Instant};
use strict::{Redirect, Strict, Twist, UNIT};

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

// ---- helpers -----------------------------------------------------------------------------------------------

/// `patchbay connect --connector onedrive-sharepoint` at `graph_url` (the sandbox's, or a stand-in's), signed
/// in at `sandbox` as `user`: the connection's id.
async fn connect_files_at(home: &Home, sandbox: &Sandbox, graph_url: &str, user: &str) -> String {
    let authority = sandbox.authority("organizations").to_string();
    let args = [
        "connect",
        "--connector",
        "onedrive-sharepoint",
        "--environment",
        "custom",
        "--authority",
        &authority,
        "--graph-url",
        graph_url,
        "--no-browser",
        "--json",
    ];
    let connecting = home.start_sign_in(&args, None, false, &[]).await;
    connecting.sign_in(user, true).await;
    let done = connecting.finish().await;
    assert_eq!(done.code, Some(0), "{}", done.stderr);
    let v: Value = serde_json::from_str(&done.stdout).unwrap();
    v["id"].as_str().unwrap().to_string()
}

async fn connect_files(home: &Home, sandbox: &Sandbox, user: &str) -> String {
    let graph = sandbox.graph_url().to_string();
    connect_files_at(home, sandbox, &graph, user).await
}

fn ok_json(out: &Output) -> Value {
    assert!(
        out.status.success(),
        "exit {:?}: {}",
        out.status.code(),
        text(&out.stderr)
    );
    no_token(out);
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(&out.stdout)))
}

fn no_token(out: &Output) {
    for stream in [&out.stdout, &out.stderr] {
        assert_eq!(token_in(&text(stream)), None, "a token was printed");
    }
}

/// The command failed with exit 1 and one error line, which it returns.
fn failed(out: &Output) -> String {
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    no_token(out);
    error_line(&text(&out.stderr))
}

fn keys(v: &Value) -> Vec<String> {
    let mut k: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
    k.sort();
    k
}

fn assert_file(v: &Value) {
    assert_eq!(keys(v), FILE_KEYS, "{v}");
    let modified = v["modified"].as_str().unwrap();
    assert!(modified.parse::<jiff::Timestamp>().is_ok(), "{modified}");
    assert!(v["path"].as_str().unwrap().starts_with('/'), "{v}");
}

fn sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn sha256_file(path: &Path) -> String {
    use std::io::Read;
    let mut f = std::fs::File::open(path).unwrap();
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = f.read(&mut buf).unwrap();
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// `size` bytes that differ from file to file (`seed`) and along the file.
fn bytes(size: usize, seed: u64) -> Vec<u8> {
    let mut x = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    (0..size)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}

fn local_file(dir: &Path, name: &str, size: usize, seed: u64) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes(size, seed)).unwrap();
    path
}

/// The resumable-upload records in the home's data folder.
fn records(home: &Home) -> Vec<PathBuf> {
    let dir = home.data.path().join("files").join("uploads");
    std::fs::read_dir(dir)
        .map(|d| {
            d.flatten()
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|x| x == "json"))
                .collect()
        })
        .unwrap_or_default()
}

fn sandbox_sha(sb: &Sandbox, user: &str, path: &str) -> String {
    sb.control()
        .file_info(user, None, path)
        .unwrap()
        .sha256
        .unwrap()
}

/// The first byte of each chunk a `put` sent, from its debug log.
fn chunk_starts(log: &str) -> Vec<u64> {
    log.lines()
        .filter(|l| l.contains("upload chunk") && !l.contains("out of range"))
        .filter_map(|l| {
            let at = l.find("first=")? + "first=".len();
            l[at..]
                .split(|c: char| !c.is_ascii_digit())
                .next()?
                .parse()
                .ok()
        })
        .collect()
}

/// A `files put` of `local` to `remote` running with its chunks logged to `log`.
fn put_logged(
    home: &Home,
    conn: &str,
    local: &Path,
    remote: &str,
    log: &Path,
) -> tokio::process::Command {
    let mut cmd = home.command(&[
        "files",
        "put",
        conn,
        local.to_str().unwrap(),
        remote,
        "--chunk-size",
        &UNIT.to_string(),
        "--json",
    ]);
    cmd.env("PATCHBAY_LOG", "warn,patchbay_core::files=debug")
        .stderr(std::fs::File::create(log).unwrap());
    cmd
}

/// Run a command made by [`put_logged`] to its end (stdout captured; stderr stays in its log).
async fn finish_logged(mut cmd: tokio::process::Command) -> Output {
    cmd.stdout(std::process::Stdio::piped());
    let child = cmd.spawn().unwrap();
    tokio::time::timeout(LIMIT, child.wait_with_output())
        .await
        .expect("patchbay ends")
        .unwrap()
}

/// Where the recorded session stands: its URL and the first byte it expects (asked without a token).
async fn session_of(home: &Home) -> Option<(String, u64)> {
    let record = records(home).into_iter().next()?;
    let v: Value = serde_json::from_slice(&std::fs::read(record).ok()?).ok()?;
    let url = v["upload_url"].as_str()?.to_string();
    let status: Value = reqwest::get(&url).await.ok()?.json().await.ok()?;
    let next = status["nextExpectedRanges"][0]
        .as_str()?
        .split('-')
        .next()?
        .parse()
        .ok()?;
    Some((url, next))
}

/// Start a chunked `put` and kill it (SIGKILL) once the session has at least `at` bytes: the session's URL,
/// where it stood after the kill, and how many chunks the killed run had started.
async fn put_then_kill(
    home: &Home,
    conn: &str,
    local: &Path,
    remote: &str,
    at: u64,
) -> (String, u64, usize) {
    let log = home.data.path().join("killed.log");
    let mut child = put_logged(home, conn, local, remote, &log).spawn().unwrap();
    let deadline = Instant::now() + LIMIT;
    loop {
        if let Some((_, next)) = session_of(home).await {
            if next >= at {
                break;
            }
        }
        assert!(
            child.try_wait().unwrap().is_none(),
            "the upload ended before it was killed"
        );
        assert!(Instant::now() < deadline, "the upload never got to {at}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    child.start_kill().unwrap();
    child.wait().await.unwrap();
    // A chunk already on its way may still be taken (the sandbox reads it after its delay): let it settle.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let (url, next) = session_of(home)
        .await
        .expect("the record outlives the kill");
    let started = chunk_starts(&std::fs::read_to_string(&log).unwrap()).len();
    (url, next, started)
}

// ---- the sandbox ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn ls_lists_every_page_and_reads_as_a_table() {
    let home = Home::new();
    let sb = own_sandbox().await;
    let id = connect_files(&home, &sb, ADELE).await;
    let before = sb.control().stats().graph_requests;
    let v = ok_json(
        &home
            .run(&["files", "ls", &id, "/Archive/2025", "--json"])
            .await,
    );
    let items = v["items"].as_array().unwrap();
    assert_eq!(items.len(), 300, "every page");
    assert!(
        sb.control().stats().graph_requests - before >= 2,
        "more than one page was read"
    );
    let mut paths: Vec<&str> = items.iter().map(|i| i["path"].as_str().unwrap()).collect();
    for i in items {
        assert_file(i);
        assert!(i["path"].as_str().unwrap().starts_with("/Archive/2025/"));
    }
    paths.dedup();
    assert_eq!(paths.len(), 300, "no item twice");

    let out = home.run(&["files", "ls", &id, "/Documents"]).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    let table = text(&out.stdout);
    let lines: Vec<&str> = table.lines().collect();
    assert!(lines[0].starts_with("NAME"), "{table}");
    assert!(lines.iter().any(|l| l.starts_with("Invoices/")), "{table}");
    assert!(lines.iter().any(|l| l.starts_with("Notes.txt")), "{table}");
    // By id or by name, in any case; a file is not a folder.
    let name = home.list().await[0]["name"]
        .as_str()
        .unwrap()
        .to_uppercase();
    let v = ok_json(&home.run(&["files", "ls", &name, "--json"]).await);
    assert!(v["items"]
        .as_array()
        .unwrap()
        .iter()
        .any(|i| i["path"] == "/Documents"));
    let line = failed(
        &home
            .run(&["files", "ls", &id, "/Documents/Notes.txt"])
            .await,
    );
    assert!(line.contains("is a file, not a folder"), "{line}");
    let line = failed(&home.run(&["files", "ls", &id, "/Nowhere"]).await);
    assert!(line.contains("There is no /Nowhere"), "{line}");
    let line = failed(&home.run(&["files", "ls", &id, "/a/../b"]).await);
    assert!(line.contains("is not a path in a drive"), "{line}");
}

#[tokio::test]
async fn search_quotes_a_quote_and_resolves_paths() {
    let home = Home::new();
    let sb = own_sandbox().await;
    sb.control()
        .put_file(
            ADELE,
            None,
            "/Documents/Clients/O'Brien's brief.txt",
            FileContent::Text("for O'Brien".into()),
        )
        .unwrap();
    let id = connect_files(&home, &sb, ADELE).await;
    let v = ok_json(
        &home
            .run(&["files", "search", &id, "O'Brien", "--json"])
            .await,
    );
    let items = v["items"].as_array().unwrap();
    assert!(!items.is_empty(), "{v}");
    for i in items {
        assert_file(i);
    }
    assert!(
        items
            .iter()
            .any(|i| i["path"] == "/Documents/Clients/O'Brien's brief.txt"),
        "{v}"
    );
    let out = home.run(&["files", "search", &id, "Budget"]).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("/Documents/Budget 2026.csv"),
        "{}",
        text(&out.stdout)
    );
}

#[tokio::test]
async fn get_writes_a_file_a_folder_or_stdout_byte_for_byte() {
    let home = Home::new();
    let sb = own_sandbox().await;
    let id = connect_files(&home, &sb, ADELE).await;
    let want = sb
        .control()
        .file_bytes(ADELE, None, "/Documents/Notes.txt")
        .unwrap();
    let dir = tempfile::tempdir().unwrap();

    // Into a folder, under its name.
    let v = ok_json(
        &home
            .run(&[
                "files",
                "get",
                &id,
                "/Documents/Notes.txt",
                dir.path().to_str().unwrap(),
                "--json",
            ])
            .await,
    );
    let local = dir.path().join("Notes.txt");
    assert_eq!(keys(&v), ["local_path", "size"]);
    assert_eq!(v["size"], want.len() as u64);
    assert_eq!(
        PathBuf::from(v["local_path"].as_str().unwrap()),
        std::fs::canonicalize(&local).unwrap()
    );
    assert_eq!(std::fs::read(&local).unwrap(), want);

    // Without LOCAL: the current folder; a human line.
    let here = tempfile::tempdir().unwrap();
    let mut cmd = home.command(&["files", "get", &id, "/Documents/Budget 2026.csv"]);
    cmd.current_dir(here.path());
    let out = cmd.output().await.unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).starts_with("Downloaded /Documents/Budget 2026.csv to "));
    assert_eq!(
        text(&out.stderr),
        "",
        "no progress bar when stderr is not a terminal"
    );
    assert_eq!(
        std::fs::read(here.path().join("Budget 2026.csv")).unwrap(),
        sb.control()
            .file_bytes(ADELE, None, "/Documents/Budget 2026.csv")
            .unwrap()
    );

    // To stdout: the bytes and nothing else; a binary file too.
    let out = home
        .run(&["files", "get", &id, "/Pictures/firmware.bin", "-"])
        .await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(out.stdout.len(), 64 * 1024);
    assert_eq!(
        sha256(&out.stdout),
        sandbox_sha(&sb, ADELE, "/Pictures/firmware.bin")
    );
    let line = failed(
        &home
            .run(&["files", "get", &id, "/Documents/Notes.txt", "-", "--json"])
            .await,
    );
    assert!(line.contains("both want stdout"), "{line}");
    let line = failed(&home.run(&["files", "get", &id, "/Documents"]).await);
    assert!(line.contains("is a folder, not a file"), "{line}");
    // Nothing but the files asked for was left in the folders.
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["Notes.txt"]);
}

#[tokio::test]
async fn a_large_get_streams_to_the_file_byte_for_byte() {
    let home = Home::new();
    let sb = own_sandbox().await;
    let info = sb
        .control()
        .put_file(ADELE, None, "/Videos/big.bin", FileContent::Size(48 << 20))
        .unwrap();
    let id = connect_files(&home, &sb, ADELE).await;
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("copy.bin");
    let v = ok_json(
        &home
            .run(&[
                "files",
                "get",
                &id,
                "/Videos/big.bin",
                target.to_str().unwrap(),
                "--json",
            ])
            .await,
    );
    assert_eq!(v["size"], 48u64 << 20);
    assert_eq!(sha256_file(&target), info.sha256.unwrap());
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["copy.bin"], "no temp file left");
}

#[tokio::test]
async fn small_puts_follow_each_conflict_behaviour() {
    let home = Home::new();
    let sb = own_sandbox().await;
    let id = connect_files(&home, &sb, ADELE).await;
    let dir = tempfile::tempdir().unwrap();
    let local = local_file(dir.path(), "Notes.txt", 5000, 1);
    let l = local.to_str().unwrap();
    let before = sandbox_sha(&sb, ADELE, "/Documents/Notes.txt");

    let line = failed(
        &home
            .run(&[
                "files",
                "put",
                &id,
                l,
                "/Documents/Notes.txt",
                "--conflict",
                "fail",
            ])
            .await,
    );
    assert!(
        line.contains("/Documents/Notes.txt already exists"),
        "{line}"
    );
    assert_eq!(
        sandbox_sha(&sb, ADELE, "/Documents/Notes.txt"),
        before,
        "left alone"
    );
    // Without --conflict: fail too.
    failed(
        &home
            .run(&["files", "put", &id, l, "/Documents/Notes.txt"])
            .await,
    );

    let v = ok_json(
        &home
            .run(&[
                "files",
                "put",
                &id,
                l,
                "/Documents/Notes.txt",
                "--conflict",
                "replace",
                "--json",
            ])
            .await,
    );
    assert_file(&v);
    assert_eq!(v["path"], "/Documents/Notes.txt");
    assert_eq!(v["size"], 5000);
    assert_eq!(
        sandbox_sha(&sb, ADELE, "/Documents/Notes.txt"),
        sha256_file(&local)
    );

    let v = ok_json(
        &home
            .run(&[
                "files",
                "put",
                &id,
                l,
                "/Documents/Notes.txt",
                "--conflict",
                "rename",
                "--json",
            ])
            .await,
    );
    assert_eq!(v["name"], "Notes 1.txt");
    assert_eq!(v["path"], "/Documents/Notes 1.txt");
    assert_eq!(
        sandbox_sha(&sb, ADELE, "/Documents/Notes 1.txt"),
        sha256_file(&local)
    );

    // Into a folder: under the local name; a human line.
    let out = home.run(&["files", "put", &id, l, "/Empty folder"]).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("to /Empty folder/Notes.txt"),
        "{}",
        text(&out.stdout)
    );
    assert!(records(&home).is_empty(), "small uploads keep no record");
}

#[tokio::test]
async fn a_large_put_goes_in_chunks_and_a_taken_name_is_refused_in_words() {
    let home = Home::new();
    let sb = own_sandbox().await;
    let id = connect_files(&home, &sb, ADELE).await;
    let dir = tempfile::tempdir().unwrap();
    let local = local_file(dir.path(), "big.bin", 9 << 20, 2);
    let l = local.to_str().unwrap();
    let log = dir.path().join("put.log");
    let out = finish_logged(put_logged(&home, &id, &local, "/Documents/big.bin", &log)).await;
    let v = ok_json(&out);
    assert_file(&v);
    assert_eq!(v["size"], 9u64 << 20);
    assert_eq!(v["path"], "/Documents/big.bin");
    assert_eq!(
        sandbox_sha(&sb, ADELE, "/Documents/big.bin"),
        sha256_file(&local)
    );
    let logged = std::fs::read_to_string(&log).unwrap();
    let starts = chunk_starts(&logged);
    assert_eq!(starts.len() as u64, (9u64 << 20).div_ceil(UNIT), "{logged}");
    assert!(records(&home).is_empty(), "the record goes when done");

    // The default chunk (10 MiB) and a name now taken.
    let line = failed(
        &home
            .run(&["files", "put", &id, l, "/Documents/big.bin"])
            .await,
    );
    assert!(line.contains("/Documents/big.bin already exists"), "{line}");
    assert!(records(&home).is_empty());
    let v = ok_json(
        &home
            .run(&[
                "files",
                "put",
                &id,
                l,
                "/Documents/big.bin",
                "--conflict",
                "rename",
                "--json",
            ])
            .await,
    );
    assert_eq!(v["path"], "/Documents/big 1.bin");
    assert_eq!(
        sandbox_sha(&sb, ADELE, "/Documents/big 1.bin"),
        sha256_file(&local)
    );
    let line = failed(
        &home
            .run(&["files", "put", &id, l, "/x.bin", "--chunk-size", "1000000"])
            .await,
    );
    assert!(line.contains("multiple of 327680"), "{line}");
}

#[tokio::test]
async fn a_put_killed_mid_way_resumes_and_sends_at_most_one_chunk_again() {
    let home = Home::new();
    let sb = own_sandbox().await;
    let id = connect_files(&home, &sb, ADELE).await;
    let dir = tempfile::tempdir().unwrap();
    let size = 20 * UNIT as usize + 12345;
    let local = local_file(dir.path(), "resume.bin", size, 3);
    let chunks = (size as u64).div_ceil(UNIT) as usize;
    // Slow enough to be caught mid-way.
    sb.control().set_latency(Duration::from_millis(80));
    let (_, at_kill, started) = put_then_kill(
        &home,
        &id,
        &local,
        "/Documents/resume.bin",
        size as u64 * 6 / 10,
    )
    .await;
    assert!(
        at_kill >= size as u64 * 6 / 10 && at_kill < size as u64,
        "{at_kill}"
    );
    sb.control().set_latency(Duration::ZERO);

    let log = dir.path().join("resumed.log");
    let out = finish_logged(put_logged(
        &home,
        &id,
        &local,
        "/Documents/resume.bin",
        &log,
    ))
    .await;
    let v = ok_json(&out);
    assert_eq!(v["size"], size as u64);
    assert_eq!(
        sandbox_sha(&sb, ADELE, "/Documents/resume.bin"),
        sha256_file(&local)
    );
    let resumed = chunk_starts(&std::fs::read_to_string(&log).unwrap());
    assert_eq!(
        resumed.first(),
        Some(&at_kill),
        "resumed where the session stood"
    );
    let sent_again = started + resumed.len() - chunks;
    assert!(sent_again <= 1, "{sent_again} chunks sent again");
    assert!(records(&home).is_empty(), "the record goes when done");
}

#[tokio::test]
async fn an_expired_session_starts_a_new_one_and_a_forgetful_one_starts_over() {
    let home = Home::new();
    let sb = own_sandbox().await;
    let id = connect_files(&home, &sb, ADELE).await;
    let dir = tempfile::tempdir().unwrap();
    let size = 16 * UNIT as usize;
    let local = local_file(dir.path(), "again.bin", size, 4);
    sb.control().set_latency(Duration::from_millis(60));

    let (url, _, _) = put_then_kill(&home, &id, &local, "/Documents/again.bin", 3 * UNIT).await;
    sb.control()
        .upload_session(&url, UploadLever::Expire)
        .unwrap();
    let log = dir.path().join("expired.log");
    let v =
        ok_json(&finish_logged(put_logged(&home, &id, &local, "/Documents/again.bin", &log)).await);
    assert_eq!(v["size"], size as u64);
    let starts = chunk_starts(&std::fs::read_to_string(&log).unwrap());
    assert_eq!(
        starts.first(),
        Some(&0),
        "a new session from the first byte"
    );
    assert_eq!(
        sandbox_sha(&sb, ADELE, "/Documents/again.bin"),
        sha256_file(&local)
    );
    assert!(records(&home).is_empty());

    let (url, _, _) = put_then_kill(&home, &id, &local, "/Documents/again 2.bin", 3 * UNIT).await;
    sb.control()
        .upload_session(&url, UploadLever::Forget)
        .unwrap();
    let log = dir.path().join("forgot.log");
    let v = ok_json(
        &finish_logged(put_logged(
            &home,
            &id,
            &local,
            "/Documents/again 2.bin",
            &log,
        ))
        .await,
    );
    assert_eq!(v["path"], "/Documents/again 2.bin");
    let starts = chunk_starts(&std::fs::read_to_string(&log).unwrap());
    assert_eq!(
        starts.first(),
        Some(&0),
        "from where the session says: the start"
    );
    assert_eq!(
        sandbox_sha(&sb, ADELE, "/Documents/again 2.bin"),
        sha256_file(&local)
    );

    // A record of another file (the local file changed) is not resumed.
    let (_, _, _) = put_then_kill(&home, &id, &local, "/Documents/again 3.bin", UNIT).await;
    let changed = bytes(size, 5);
    std::fs::write(&local, &changed).unwrap();
    let log = dir.path().join("changed.log");
    ok_json(
        &finish_logged(put_logged(
            &home,
            &id,
            &local,
            "/Documents/again 3.bin",
            &log,
        ))
        .await,
    );
    let starts = chunk_starts(&std::fs::read_to_string(&log).unwrap());
    assert_eq!(starts.first(), Some(&0));
    assert_eq!(
        sandbox_sha(&sb, ADELE, "/Documents/again 3.bin"),
        sha256(&changed)
    );
    assert!(records(&home).is_empty());
}

#[tokio::test]
async fn a_connection_without_files_is_refused_in_words() {
    let home = Home::new();
    let sb = own_sandbox().await;
    let mail = connect_to(&home, &sb, ADELE).await;
    for args in [
        vec!["files", "ls", mail.as_str()],
        vec!["files", "drives", mail.as_str(), "--json"],
    ] {
        let line = failed(&home.run(&args).await);
        assert!(
            line.contains("is a Microsoft Outlook 365 connection"),
            "{line}"
        );
        assert!(line.contains("`patchbay files` works with"), "{line}");
        assert!(line.contains("OneDrive & SharePoint"), "{line}");
    }
    let line = failed(&home.run(&["files", "ls", "no such connection"]).await);
    assert!(line.contains("There is no connection"), "{line}");
    let usage = home.run(&["files", "put", &mail]).await;
    assert_eq!(usage.status.code(), Some(2), "clap's usage error");
}

#[tokio::test]
async fn drives_lists_the_persons_and_the_libraries_of_sites_found() {
    let home = Home::new();
    let sb = own_sandbox().await;
    let id = connect_files(&home, &sb, MEGAN).await;
    let v = ok_json(&home.run(&["files", "drives", &id, "--json"]).await);
    let own = v["drives"].as_array().unwrap();
    assert!(!own.is_empty());
    for d in own {
        assert_eq!(keys(d), ["id", "name", "site"]);
        assert!(d["site"].is_null());
    }
    let v = ok_json(
        &home
            .run(&["files", "drives", &id, "--site-search", "Contoso", "--json"])
            .await,
    );
    let all = v["drives"].as_array().unwrap();
    let libraries: Vec<&str> = all
        .iter()
        .filter(|d| d["site"] == "Contoso Team")
        .map(|d| d["name"].as_str().unwrap())
        .collect();
    assert!(
        libraries.contains(&"Documents") && libraries.contains(&"Policies"),
        "{v}"
    );
    // A library's files, by its id.
    let policies = all.iter().find(|d| d["name"] == "Policies").unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let v = ok_json(
        &home
            .run(&["files", "ls", &id, "--drive", &policies, "--json"])
            .await,
    );
    assert!(v["items"].is_array());
    let out = home
        .run(&["files", "drives", &id, "--site-search", "Contoso"])
        .await;
    assert!(out.status.success());
    assert!(text(&out.stdout)
        .lines()
        .next()
        .unwrap()
        .starts_with("NAME"));
}

// ---- the strict stand-in -------------------------------------------------------------------------------------

#[tokio::test]
async fn the_download_host_never_gets_the_token_and_other_hosts_are_refused() {
    let home = Home::new();
    let sb = own_sandbox().await;
    let content = bytes(3 << 20, 6);
    let strict = Strict::start(sb.base_url().as_str(), content.clone()).await;
    let id = connect_files_at(&home, &sb, &strict.graph_url(), ADELE).await;
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("notes.bin");

    let v = ok_json(
        &home
            .run(&[
                "files",
                "get",
                &id,
                "/Documents/Notes.txt",
                target.to_str().unwrap(),
                "--json",
            ])
            .await,
    );
    assert_eq!(v["size"], content.len() as u64);
    assert_eq!(std::fs::read(&target).unwrap(), content);
    assert_eq!(
        strict.downloads.load(std::sync::atomic::Ordering::SeqCst),
        1
    );
    assert_eq!(strict.violations(), Vec::<String>::new());

    // A plain-http host that is not this computer, and another scheme: refused before anything is sent.
    let elsewhere = tokio::net::TcpListener::bind("0.0.0.0:0").await.unwrap();
    let port = elsewhere.local_addr().unwrap().port();
    let host = this_computers_address().unwrap_or_else(|| "patchbay-elsewhere.invalid".into());
    let accepted = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = accepted.clone();
    tokio::spawn(async move {
        while elsewhere.accept().await.is_ok() {
            counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        }
    });
    for (location, words) in [
        (
            format!("http://{host}:{port}/dl/file?sig=x"),
            format!("http://{host}"),
        ),
        (
            format!("ftp://127.0.0.1:{port}/file"),
            "ftp://127.0.0.1".to_string(),
        ),
    ] {
        *strict.redirect.lock().unwrap() = Redirect::To(location);
        let out = home
            .run(&[
                "files",
                "get",
                &id,
                "/Documents/Notes.txt",
                target.to_str().unwrap(),
            ])
            .await;
        let line = failed(&out);
        assert!(
            line.contains(&words) && line.contains("did not follow it"),
            "{line}"
        );
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(
        accepted.load(std::sync::atomic::Ordering::SeqCst),
        0,
        "nothing was sent there"
    );
    assert_eq!(
        std::fs::read(&target).unwrap(),
        content,
        "the earlier file is left as it was"
    );
    assert_eq!(strict.violations(), Vec::<String>::new());
}

/// An address of this computer that is not loopback (where a plain-http URL must not be fetched).
fn this_computers_address() -> Option<String> {
    let socket = std::net::UdpSocket::bind("0.0.0.0:0").ok()?;
    socket.connect("192.0.2.1:9").ok()?;
    let ip = socket.local_addr().ok()?.ip();
    (!ip.is_loopback() && !ip.is_unspecified()).then(|| ip.to_string())
}

#[tokio::test]
async fn chunks_follow_graphs_rules_and_what_it_says_it_has() {
    let home = Home::new();
    let sb = own_sandbox().await;
    let strict = Strict::start(sb.base_url().as_str(), Vec::new()).await;
    let id = connect_files_at(&home, &sb, &strict.graph_url(), ADELE).await;
    let dir = tempfile::tempdir().unwrap();
    let size = 14 * UNIT as usize + 777;
    let local = local_file(dir.path(), "strict.bin", size, 7);
    *strict.twists.lock().unwrap() = vec![
        Twist::Rewind(3),
        Twist::Unavailable(6),
        Twist::LoseSilently(9),
        Twist::Busy(12),
    ];
    let v = ok_json(
        &home
            .run(&[
                "files",
                "put",
                &id,
                local.to_str().unwrap(),
                "/Documents/strict.bin",
                "--chunk-size",
                &(2 * UNIT).to_string(),
                "--json",
            ])
            .await,
    );
    assert_eq!(v["path"], "/Documents/strict.bin");
    assert_eq!(strict.violations(), Vec::<String>::new());
    let up = strict.upload.lock().unwrap();
    assert!(up.done);
    assert_eq!(up.sessions, 1);
    assert_eq!(sha256(&up.bytes), sha256_file(&local), "byte for byte");
    // Rewind at 3: the client went back to what Graph said it expects (chunk 2's start).
    assert_eq!(up.puts[3].0, up.puts[1].0, "{:?}", up.puts);
    // 503 at 6: the same bytes again after asking where the session stands.
    assert!(
        up.statuses >= 2,
        "asked the session's status after the 503 and the 416"
    );
    // Lost silently at 9: the next chunk got a 416, and the lost one was sent again.
    assert_eq!(up.answered_416, 1, "{:?}", up.puts);
    let every: Vec<u64> = up.puts.iter().map(|p| p.0).collect();
    let lost = up.puts[8].0;
    assert_eq!(every.iter().filter(|s| **s == lost).count(), 2, "{every:?}");
    // A 409 that is not about the name (a fragment still being taken): the same chunk again, not "exists".
    assert_eq!(up.puts[11].0, up.puts[12].0, "{every:?}");
}

#[tokio::test]
async fn a_session_that_finished_as_its_run_was_killed_is_not_sent_again() {
    let home = Home::new();
    let sb = own_sandbox().await;
    let id = connect_files(&home, &sb, ADELE).await;
    let dir = tempfile::tempdir().unwrap();
    let size = 14 * UNIT as usize + 99;
    let local = local_file(dir.path(), "done.bin", size, 8);
    let l = local.to_str().unwrap();
    ok_json(
        &home
            .run(&["files", "put", &id, l, "/Documents/done.bin", "--json"])
            .await,
    );
    // A later run of the same upload (replace) killed mid-way, whose session then ends: as when the last chunk
    // was taken just as the run was killed, the file there is already this one.
    sb.control().set_latency(Duration::from_millis(60));
    let mut cmd = put_logged(
        &home,
        &id,
        &local,
        "/Documents/done.bin",
        &dir.path().join("a.log"),
    );
    cmd.arg("--conflict").arg("replace");
    let mut child = cmd.spawn().unwrap();
    let deadline = Instant::now() + LIMIT;
    while session_of(&home).await.is_none_or(|(_, next)| next < UNIT) {
        assert!(Instant::now() < deadline && child.try_wait().unwrap().is_none());
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    child.start_kill().unwrap();
    child.wait().await.unwrap();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let (url, _) = session_of(&home).await.unwrap();
    sb.control()
        .upload_session(&url, UploadLever::Expire)
        .unwrap();
    sb.control().set_latency(Duration::ZERO);
    let log = dir.path().join("b.log");
    let mut again = put_logged(&home, &id, &local, "/Documents/done.bin", &log);
    again.arg("--conflict").arg("replace");
    let v = ok_json(&finish_logged(again).await);
    assert_eq!(v["path"], "/Documents/done.bin");
    let logged = std::fs::read_to_string(&log).unwrap();
    assert_eq!(
        chunk_starts(&logged),
        Vec::<u64>::new(),
        "nothing sent again: {logged}"
    );
    assert!(records(&home).is_empty());
    // Another file of the same size is not taken for it.
    std::fs::write(&local, bytes(size, 9)).unwrap();
    let mut other = put_logged(&home, &id, &local, "/Documents/done.bin", &log);
    other.arg("--conflict").arg("replace");
    ok_json(&finish_logged(other).await);
    assert_eq!(
        sandbox_sha(&sb, ADELE, "/Documents/done.bin"),
        sha256_file(&local)
    );
}
