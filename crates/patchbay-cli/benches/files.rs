//! File transfers' goals, measured on the real `patchbay` binary against the sandbox, with `curl` on the same
//! URLs in the same run for a yardstick:
//!
//!     cargo bench -p patchbay-cli --bench files [-- --size-mib 1024 --chunk-mib 10 --only get|put|resume]
//!
//! Rows (each prints its numbers and the goal beside them):
//! - get: a 1 GiB file made in the sandbox, `files get` into a file: wall time, throughput, the process's peak
//!   RSS (VmHWM, sampled from /proc while it runs); then `curl` GET of the same pre-authenticated download URL.
//!   Goals: peak RSS ≤ 64 MiB, throughput ≥ 0.8 × curl's. Checked byte for byte (SHA-256).
//! - put: a 1 GiB local file, `files put` (an upload session, 10 MiB chunks): the same numbers; then `curl`
//!   PUTting the same chunks (one curl process, one connection, `--next` between chunks) to a session of its
//!   own. Same goals; the sandbox's SHA-256 of the upload checked against the local file's.
//! - resume: a 1 GiB `files put` killed (SIGKILL) once the session holds 60 %, then the same command again:
//!   how many chunks were sent twice (from the runs' debug logs: chunks started by both runs, less the file's
//!   chunks). Goal: ≤ 1.

#[path = "../tests/common/mod.rs"]
mod common;

use common::{Home, ADELE};
use patchbay_sandbox::{FileContent, Sandbox, SandboxOptions};
use serde_json::Value;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

const MIB: u64 = 1 << 20;
const UNIT: u64 = 327_680;

struct Args {
    size: u64,
    chunk: u64,
    only: Option<String>,
}

fn args() -> Args {
    let mut a = Args {
        size: 1024 * MIB,
        chunk: 32 * UNIT,
        only: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--size-mib" => a.size = it.next().unwrap().parse::<u64>().unwrap() * MIB,
            "--chunk-mib" => {
                let mib: f64 = it.next().unwrap().parse().unwrap();
                a.chunk = ((mib * MIB as f64) as u64 / UNIT).max(1) * UNIT;
            }
            "--only" => a.only = it.next(),
            _ => {} // cargo bench passes --bench
        }
    }
    a
}

fn peak_rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

/// Run `cmd` to its end: its wall time, peak RSS (KiB) and stdout.
async fn measured(mut cmd: tokio::process::Command) -> (Duration, u64, Vec<u8>) {
    cmd.stdout(Stdio::piped());
    let t0 = Instant::now();
    let mut child = cmd.spawn().unwrap();
    let pid = child.id().unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let reader = tokio::spawn(async move {
        let mut out = Vec::new();
        tokio::io::AsyncReadExt::read_to_end(&mut stdout, &mut out)
            .await
            .unwrap();
        out
    });
    let mut peak = 0;
    let status = loop {
        if let Some(kib) = peak_rss_kib(pid) {
            peak = peak.max(kib);
        }
        if let Ok(Some(status)) = child.try_wait() {
            break status;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    };
    let wall = t0.elapsed();
    let out = reader.await.unwrap();
    assert!(status.success(), "{status}");
    (wall, peak, out)
}

fn sha256_file(path: &Path) -> String {
    use sha2::Digest;
    let mut f = std::fs::File::open(path).unwrap();
    let mut h = sha2::Sha256::new();
    let mut buf = vec![0u8; 4 << 20];
    loop {
        let n = f.read(&mut buf).unwrap();
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

fn mib_s(bytes: u64, t: Duration) -> f64 {
    bytes as f64 / MIB as f64 / t.as_secs_f64()
}

/// A OneDrive & SharePoint connection to the sandbox.
async fn connect(home: &Home, sb: &Sandbox) -> String {
    let authority = sb.authority("organizations").to_string();
    let graph = sb.graph_url().to_string();
    let args = [
        "connect",
        "--connector",
        "onedrive-sharepoint",
        "--environment",
        "custom",
        "--authority",
        &authority,
        "--graph-url",
        &graph,
        "--no-browser",
        "--json",
    ];
    let connecting = home.start_sign_in(&args, None, false, &[]).await;
    connecting.sign_in(ADELE, true).await;
    let done = connecting.finish().await;
    assert_eq!(done.code, Some(0), "{}", done.stderr);
    let v: Value = serde_json::from_str(&done.stdout).unwrap();
    v["id"].as_str().unwrap().to_string()
}

/// A fresh access token, for curl's requests to Graph (held in this process only, never printed).
async fn token(home: &Home, id: &str) -> String {
    let out = home.run(&["token", id]).await;
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

fn graph_client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// `size` deterministic bytes at `path`, written a MiB at a time.
fn write_local(path: &Path, size: u64) {
    let mut f = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    let mut block = vec![0u8; MIB as usize];
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut left = size;
    while left > 0 {
        for b in block.iter_mut() {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            *b = (x >> 32) as u8;
        }
        let n = left.min(MIB) as usize;
        f.write_all(&block[..n]).unwrap();
        left -= n as u64;
    }
    f.flush().unwrap();
}

fn verdict(ok: bool) -> &'static str {
    if ok {
        "met"
    } else {
        "NOT met"
    }
}

async fn get_row(a: &Args, sb: &Sandbox, home: &Home, id: &str, work: &Path) {
    let t = Instant::now();
    let info = sb
        .control()
        .put_file(ADELE, None, "/Bench/big.bin", FileContent::Size(a.size))
        .unwrap();
    eprintln!(
        "made a {} MiB file in the sandbox in {:.1} s",
        a.size / MIB,
        t.elapsed().as_secs_f64()
    );
    let target = work.join("got.bin");
    let cmd = home.command(&[
        "files",
        "get",
        id,
        "/Bench/big.bin",
        target.to_str().unwrap(),
        "--json",
    ]);
    let (wall, peak, _) = measured(cmd).await;
    assert_eq!(
        sha256_file(&target),
        info.sha256.clone().unwrap(),
        "byte for byte"
    );
    std::fs::remove_file(&target).unwrap();

    // curl on the same pre-authenticated URL (asked of Graph as the CLI does, without following it).
    let token = token(home, id).await;
    let answer = graph_client()
        .get(format!(
            "{}/v1.0/me/drive/root:/Bench/big.bin:/content",
            sb.graph_url()
        ))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status().as_u16(), 302);
    let url = answer.headers()["location"].to_str().unwrap().to_string();
    let curl_target = work.join("curl.bin");
    let mut curl = tokio::process::Command::new("curl");
    curl.args(["-sS", "--fail", "-o", curl_target.to_str().unwrap(), &url])
        .stdin(Stdio::null());
    let (curl_wall, curl_peak, _) = measured(curl).await;
    assert_eq!(sha256_file(&curl_target), info.sha256.unwrap());
    std::fs::remove_file(&curl_target).unwrap();
    let ratio = curl_wall.as_secs_f64() / wall.as_secs_f64();
    println!(
        "get {} MiB: patchbay {:.2} s ({:.0} MiB/s), peak RSS {:.1} MiB; curl {:.2} s ({:.0} MiB/s, peak RSS {:.1} MiB); \
         throughput {:.2} × curl (goal ≥ 0.8: {}), peak RSS goal ≤ 64 MiB: {}",
        a.size / MIB,
        wall.as_secs_f64(),
        mib_s(a.size, wall),
        peak as f64 / 1024.0,
        curl_wall.as_secs_f64(),
        mib_s(a.size, curl_wall),
        curl_peak as f64 / 1024.0,
        ratio,
        verdict(ratio >= 0.8),
        verdict(peak <= 64 * 1024),
    );
    sb.control()
        .delete_file(ADELE, None, "/Bench/big.bin")
        .unwrap();
}

async fn put_row(a: &Args, sb: &Sandbox, home: &Home, id: &str, local: &Path, work: &Path) {
    let chunk = a.chunk.to_string();
    let cmd = home.command(&[
        "files",
        "put",
        id,
        local.to_str().unwrap(),
        "/Bench/up.bin",
        "--chunk-size",
        &chunk,
        "--json",
    ]);
    let (wall, peak, _) = measured(cmd).await;
    let local_sha = sha256_file(local);
    let info = sb
        .control()
        .file_info(ADELE, None, "/Bench/up.bin")
        .unwrap();
    assert_eq!(info.sha256.unwrap(), local_sha, "byte for byte");

    // curl: the same chunks to a session of its own, over one connection.
    let dir = work.join("chunks");
    std::fs::create_dir_all(&dir).unwrap();
    let mut parts: Vec<(u64, u64, PathBuf)> = Vec::new();
    let mut f = std::fs::File::open(local).unwrap();
    let mut start = 0;
    let mut buf = vec![0u8; a.chunk as usize];
    while start < a.size {
        let n = (a.size - start).min(a.chunk) as usize;
        f.read_exact(&mut buf[..n]).unwrap();
        let p = dir.join(format!("{start}.part"));
        std::fs::write(&p, &buf[..n]).unwrap();
        parts.push((start, start + n as u64 - 1, p));
        start += n as u64;
    }
    let token = token(home, id).await;
    let session: Value = graph_client()
        .post(format!(
            "{}/v1.0/me/drive/root:/Bench/curl.bin:/createUploadSession",
            sb.graph_url()
        ))
        .bearer_auth(&token)
        .json(&serde_json::json!({"item": {"@microsoft.graph.conflictBehavior": "replace"}}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let url = session["uploadUrl"].as_str().unwrap().to_string();
    let mut curl = tokio::process::Command::new("curl");
    curl.stdin(Stdio::null());
    for (i, (first, last, p)) in parts.iter().enumerate() {
        if i > 0 {
            curl.arg("--next");
        }
        curl.args([
            "-sS",
            "--fail",
            "-o",
            "/dev/null",
            "-H",
            "Expect:",
            "-H",
            &format!("Content-Range: bytes {first}-{last}/{}", a.size),
            "-T",
            p.to_str().unwrap(),
            &url,
        ]);
    }
    let (curl_wall, curl_peak, _) = measured(curl).await;
    let curl_info = sb
        .control()
        .file_info(ADELE, None, "/Bench/curl.bin")
        .unwrap();
    assert_eq!(curl_info.sha256.unwrap(), local_sha);
    std::fs::remove_dir_all(&dir).unwrap();
    let ratio = curl_wall.as_secs_f64() / wall.as_secs_f64();
    println!(
        "put {} MiB in {:.1} MiB chunks: patchbay {:.2} s ({:.0} MiB/s), peak RSS {:.1} MiB; curl {:.2} s ({:.0} MiB/s, \
         peak RSS {:.1} MiB); throughput {:.2} × curl (goal ≥ 0.8: {}), peak RSS goal ≤ 64 MiB: {}",
        a.size / MIB,
        a.chunk as f64 / MIB as f64,
        wall.as_secs_f64(),
        mib_s(a.size, wall),
        peak as f64 / 1024.0,
        curl_wall.as_secs_f64(),
        mib_s(a.size, curl_wall),
        curl_peak as f64 / 1024.0,
        ratio,
        verdict(ratio >= 0.8),
        verdict(peak <= 64 * 1024),
    );
    sb.control()
        .delete_file(ADELE, None, "/Bench/up.bin")
        .unwrap();
    sb.control()
        .delete_file(ADELE, None, "/Bench/curl.bin")
        .unwrap();
}

/// The first byte of each chunk a `put` started, from its debug log.
fn chunk_starts(log: &Path) -> Vec<u64> {
    std::fs::read_to_string(log)
        .unwrap_or_default()
        .lines()
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

/// Where the recorded session stands (its first expected byte), asked without a token.
async fn recorded_next(home: &Home) -> Option<u64> {
    let dir = home.data.path().join("files").join("uploads");
    let record = std::fs::read_dir(dir).ok()?.flatten().next()?.path();
    let v: Value = serde_json::from_slice(&std::fs::read(record).ok()?).ok()?;
    let status: Value = reqwest::get(v["upload_url"].as_str()?)
        .await
        .ok()?
        .json()
        .await
        .ok()?;
    status["nextExpectedRanges"][0]
        .as_str()?
        .split('-')
        .next()?
        .parse()
        .ok()
}

async fn resume_row(a: &Args, sb: &Sandbox, home: &Home, id: &str, local: &Path, work: &Path) {
    let chunk = a.chunk.to_string();
    let put = |log: &Path| {
        let mut cmd = home.command(&[
            "files",
            "put",
            id,
            local.to_str().unwrap(),
            "/Bench/resumed.bin",
            "--chunk-size",
            &chunk,
            "--json",
        ]);
        cmd.env("PATCHBAY_LOG", "warn,patchbay_core::files=debug")
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(log).unwrap());
        cmd
    };
    let first_log = work.join("killed.log");
    let mut child = put(&first_log).spawn().unwrap();
    let at = a.size * 6 / 10;
    let killed_at = loop {
        if let Some(next) = recorded_next(home).await {
            if next >= at {
                break next;
            }
        }
        assert!(
            child.try_wait().unwrap().is_none(),
            "the upload ended before 60 %"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    };
    child.start_kill().unwrap();
    child.wait().await.unwrap();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let stood = recorded_next(home)
        .await
        .expect("the record outlives the kill");
    let second_log = work.join("resumed.log");
    let t = Instant::now();
    let status = put(&second_log).status().await.unwrap();
    let resume_wall = t.elapsed();
    if !status.success() {
        let said = std::fs::read_to_string(&second_log).unwrap_or_default();
        println!(
            "resume {} MiB: killed with {:.0} % taken, the session then held {:.0} %; the same command again \
             FAILED after {:.1} s (goal ≤ 1 chunk sent again: NOT met): {}",
            a.size / MIB,
            killed_at as f64 * 100.0 / a.size as f64,
            stood as f64 * 100.0 / a.size as f64,
            resume_wall.as_secs_f64(),
            said.lines().last().unwrap_or_default()
        );
        return;
    }
    let info = sb
        .control()
        .file_info(ADELE, None, "/Bench/resumed.bin")
        .unwrap();
    assert_eq!(info.sha256.unwrap(), sha256_file(local), "byte for byte");
    let chunks = a.size.div_ceil(a.chunk) as usize;
    let first = chunk_starts(&first_log);
    let second = chunk_starts(&second_log);
    let again = (first.len() + second.len()).saturating_sub(chunks);
    println!(
        "resume {} MiB: killed with {:.0} % taken ({} of {} chunks started), the session then held {:.0} %; the \
         same command again resumed at byte {} and finished in {:.2} s: {again} chunk(s) sent again (goal ≤ 1: {})",
        a.size / MIB,
        killed_at as f64 * 100.0 / a.size as f64,
        first.len(),
        chunks,
        stood as f64 * 100.0 / a.size as f64,
        second.first().copied().unwrap_or(0),
        resume_wall.as_secs_f64(),
        verdict(again <= 1),
    );
    sb.control()
        .delete_file(ADELE, None, "/Bench/resumed.bin")
        .unwrap();
}

#[tokio::main]
async fn main() {
    let a = args();
    let wanted = |row: &str| a.only.as_deref().is_none_or(|o| o == row);
    let sb = Sandbox::start(SandboxOptions::default()).await.unwrap();
    let home = Home::new();
    let id = connect(&home, &sb).await;
    let work = tempfile::tempdir().unwrap();
    if wanted("get") {
        get_row(&a, &sb, &home, &id, work.path()).await;
    }
    if wanted("put") || wanted("resume") {
        let local = work.path().join("local.bin");
        write_local(&local, a.size);
        if wanted("put") {
            put_row(&a, &sb, &home, &id, &local, work.path()).await;
        }
        if wanted("resume") {
            resume_row(&a, &sb, &home, &id, &local, work.path()).await;
        }
    }
    sb.shutdown().await;
}
