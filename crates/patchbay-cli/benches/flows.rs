//! Built-in actions' goals (issue 25), measured on the real `patchbay` binary against the sandbox:
//!
//!     cargo bench -p patchbay-cli --bench flows [-- --size-mib 25 --backlog 200 --latency-ms 0 --only ROW]
//!
//! Rows:
//! - `big`: new mail with one attachment of `--size-mib` MiB, saved to a OneDrive folder by `automations run
//!   --once`: the peak RSS of that process (VmHWM sampled from /proc; goal ≤ 64 MiB), how many times the sandbox
//!   served the attachment's bytes (goal: once), the wall time, and the uploaded file's size and content checked.
//! - `kill`: a backlog of `--backlog` mails with two attachments each, saved to a folder on this computer and to a
//!   OneDrive folder by `automations run` killed with SIGKILL at random moments and started again until every
//!   attachment is there: each attachment exactly once in both places (no ` (1)` copy; checked), the number of
//!   kills, and the wall time.

#[path = "../tests/common/mod.rs"]
mod common;

use common::{connect_connector, connect_to, Home, ADELE};
use patchbay_sandbox::{NewAttachment, NewMail, Sandbox, SandboxOptions};
use serde_json::Value;
use std::collections::BTreeSet;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

struct Args {
    size_mib: usize,
    backlog: usize,
    latency: Duration,
    only: Option<String>,
}

fn args() -> Args {
    let mut a = Args {
        size_mib: 25,
        backlog: 200,
        latency: Duration::ZERO,
        only: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--size-mib" => a.size_mib = it.next().unwrap().parse().unwrap(),
            "--backlog" => a.backlog = it.next().unwrap().parse().unwrap(),
            "--latency-ms" => {
                a.latency = Duration::from_millis(it.next().unwrap().parse().unwrap())
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

fn rand_ms(lo: u64, hi: u64) -> u64 {
    let ns = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .subsec_nanos() as u64;
    lo + (ns / 1000) % (hi - lo)
}

async fn sandbox(latency: Duration) -> Sandbox {
    let sb = Sandbox::start(SandboxOptions::default()).await.unwrap();
    sb.control().set_latency(latency);
    sb
}

async fn add(home: &Home, args: &[&str]) -> String {
    let mut all = vec!["automations", "add"];
    all.extend_from_slice(args);
    all.push("--json");
    let out = home.run(&all).await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    v["id"].as_str().unwrap().to_string()
}

async fn big_row(a: &Args) {
    let sb = sandbox(a.latency).await;
    let home = Home::new();
    let outlook = connect_to(&home, &sb, ADELE).await;
    let drive = connect_connector(&home, &sb, ADELE, "onedrive-sharepoint").await;
    let dest = format!("{drive}:/Big");
    add(
        &home,
        &[
            "--connection",
            &outlook,
            "--on",
            "new-mail",
            "--save-attachments-to",
            &dest,
        ],
    )
    .await;
    let out = home.run(&["automations", "run", "--once"]).await;
    assert!(out.status.success());
    let size = a.size_mib * 1024 * 1024;
    let delivered = sb
        .control()
        .deliver_mail_with(
            ADELE,
            NewMail {
                from: ("Bench".into(), "bench@contoso.example".into()),
                subject: "A big one".into(),
                body: "".into(),
                attachments: vec![NewAttachment::sized("big.bin", size)],
            },
        )
        .unwrap();
    let t0 = Instant::now();
    let mut once = home.command(&["automations", "run", "--once"]);
    once.stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped());
    let mut child = once.spawn().unwrap();
    let pid = child.id().unwrap();
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
    assert!(status.success(), "run --once failed");
    let info = sb.control().file_info(ADELE, None, "/Big/big.bin").unwrap();
    assert_eq!(info.size, size as u64);
    let expected = patchbay_sandbox::attachment_pattern(size);
    assert_eq!(
        sb.control()
            .file_bytes(ADELE, None, "/Big/big.bin")
            .unwrap(),
        expected,
        "the uploaded bytes are the attachment's"
    );
    let reads = sb.control().attachment_reads(ADELE).unwrap();
    let read = reads
        .get(&delivered.attachment_ids[0])
        .copied()
        .unwrap_or(0);
    println!(
        "new mail with a {} MiB attachment → saved to OneDrive (L = {} ms): peak RSS of `run --once` {:.1} MiB \
         (goal ≤ 64), the attachment's bytes read {read} time(s) (goal 1), {:.1} s; the uploaded file checked byte \
         for byte",
        a.size_mib,
        a.latency.as_millis(),
        peak as f64 / 1024.0,
        wall.as_secs_f64()
    );
    sb.shutdown().await;
}

async fn kill_row(a: &Args) {
    let sb = sandbox(a.latency).await;
    let home = Home::new();
    let outlook = connect_to(&home, &sb, ADELE).await;
    let drive = connect_connector(&home, &sb, ADELE, "onedrive-sharepoint").await;
    let here = home.data.path().join("Backlog");
    let dest = format!("{drive}:/Backlog");
    for to in [here.to_str().unwrap(), dest.as_str()] {
        add(
            &home,
            &[
                "--connection",
                &outlook,
                "--on",
                "new-mail",
                "--every",
                "15",
                "--save-attachments-to",
                to,
            ],
        )
        .await;
    }
    let out = home.run(&["automations", "run", "--once"]).await;
    assert!(out.status.success());
    let mut want = BTreeSet::new();
    for i in 0..a.backlog {
        let names = [format!("m{i:03}-a.txt"), format!("m{i:03}-b.pdf")];
        sb.control()
            .deliver_mail_with(
                ADELE,
                NewMail {
                    from: ("Bench".into(), "bench@contoso.example".into()),
                    subject: format!("Backlog {i}"),
                    body: "".into(),
                    attachments: names
                        .iter()
                        .map(|n| NewAttachment::file(n, "text/plain", n.as_bytes().to_vec()))
                        .collect(),
                },
            )
            .unwrap();
        want.extend(names);
    }
    let local_names = || -> BTreeSet<String> {
        std::fs::read_dir(&here)
            .map(|d| {
                d.filter_map(|e| e.ok())
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default()
    };
    let in_drive = |name: &str| {
        sb.control()
            .file_info(ADELE, None, &format!("/Backlog/{name}"))
            .is_ok()
    };
    let t0 = Instant::now();
    let mut kills = 0;
    loop {
        let mut run = home.command(&["automations", "run"]);
        run.stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .kill_on_drop(true);
        let mut child = run.spawn().unwrap();
        tokio::time::sleep(Duration::from_millis(rand_ms(150, 900))).await;
        let local_done = local_names().is_superset(&want);
        let drive_done = local_done && want.iter().all(|n| in_drive(n));
        child.start_kill().unwrap(); // SIGKILL
        let _ = child.wait().await;
        if drive_done {
            break;
        }
        kills += 1;
        assert!(
            t0.elapsed() < Duration::from_secs(900),
            "not done after 15 minutes"
        );
    }
    let wall = t0.elapsed();
    let got = local_names();
    let extra: Vec<&String> = got.difference(&want).collect();
    assert!(extra.is_empty(), "saved twice or strays here: {extra:?}");
    for n in &want {
        assert_eq!(std::fs::read(here.join(n)).unwrap(), n.as_bytes(), "{n}");
        let twice = n.replacen('.', " (1).", 1);
        assert!(!in_drive(&twice), "{n} was saved twice in the drive");
    }
    println!(
        "a backlog of {} mails with 2 attachments each, saved here and to OneDrive by `automations run` killed \
         (SIGKILL) {kills} times at random moments: each of the {} attachments exactly once in both places, \
         checked; {:.1} s in all",
        a.backlog,
        want.len(),
        wall.as_secs_f64()
    );
    sb.shutdown().await;
}

#[tokio::main]
async fn main() {
    let a = args();
    let wanted = |row: &str| a.only.as_deref().is_none_or(|o| o == row);
    if wanted("big") {
        big_row(&a).await;
    }
    if wanted("kill") {
        kill_row(&a).await;
    }
}
