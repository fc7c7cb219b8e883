//! The preview's wall time against the sandbox with latency L added to every response, in multiples of L, next
//! to a naive fetch of the same things one request after another, measured in the same run: an Outlook
//! connection's (mailbox settings, inbox, agenda) and a OneDrive & SharePoint connection's (recent files, top
//! folder, quota, sites).
//!
//!     cargo bench -p patchbay-core --bench preview [-- --latency-ms 100 --runs 9]
//!
//! Rows:
//! - preview, valid token: one `$batch` (mailbox settings + inbox top 25 + 7 days of calendar). Target ≤ 1.2 L.
//! - preview, token refreshed first: the stored access token is past half its (4 s) life, so a refresh-token grant comes first,
//!   then the batch. Target ≤ 2.2 L.
//! - naive, valid token: the same three requests sent one after another (3 L by construction).
//! - naive, token refreshed first.
//! - files preview, valid token: a OneDrive & SharePoint connection's one `$batch` (recent files + the drive's
//!   top folder + the drive and its quota + the sites followed). Target ≤ 1.2 L.
//! - naive files (4), valid token: the same four requests one after another (4 L by construction).
//! - teams preview, valid token: a Microsoft Teams connection's one `$batch` (recent chats with their members and
//!   last message + the teams joined). Target ≤ 1.2 L.
//!
//! Each row prints the median and worst wall time of `--runs` runs (after one warm-up that opens the
//! connection pool and fetches the OpenID configuration), and the token and Graph requests per run.

mod common;

use patchbay_core::graph::drive::{DrivePath, DriveRef, Sites};
use patchbay_core::graph::Request;
use patchbay_core::preview::{PreviewOptions, SectionBody};
use patchbay_core::vault::MemoryKeyStore;
use patchbay_core::{CoreConfig, Patchbay};
use patchbay_sandbox::{Sandbox, SandboxOptions};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The access-token lifetime for the "refreshed first" rows: a token this short is stale after half of it. Not
/// shorter: the sandbox, like Microsoft, stamps `exp` in whole seconds, so a token may lapse up to a second
/// before the `expires_in` the client counted from; with 2 s a "fresh" token could be refused mid-run.
const SHORT_LIFETIME: Duration = Duration::from_secs(4);

struct Args {
    latency: Duration,
    runs: usize,
}

fn args() -> Args {
    let mut a = Args {
        latency: Duration::from_millis(100),
        runs: 9,
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--latency-ms" => {
                a.latency = Duration::from_millis(it.next().unwrap().parse().unwrap())
            }
            "--runs" => a.runs = it.next().unwrap().parse().unwrap(),
            _ => {} // cargo bench passes --bench
        }
    }
    a
}

/// The three requests the preview batches, sent one after another.
async fn naive(core: &Patchbay, id: &str) {
    let connection = core.graph(id).await.unwrap();
    let graph = connection.graph();
    let now = jiff::Timestamp::now();
    let end = now
        .checked_add(jiff::SignedDuration::from_hours(24 * 7))
        .unwrap();
    let fmt = |t: jiff::Timestamp| t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string();
    let requests: [Request; 3] = [
        graph.mailbox_settings().request(),
        graph.mail().inbox().top(25).request(),
        graph
            .calendar()
            .view(&fmt(now), &fmt(end))
            .time_zone("UTC")
            .request(),
    ];
    for r in &requests {
        let response = connection.send(r).await.unwrap();
        assert!(response.is_success(), "HTTP {}", response.status);
    }
}

/// The four requests the files preview batches, sent one after another.
async fn naive_files(core: &Patchbay, id: &str) {
    let connection = core.graph(id).await.unwrap();
    let drive = connection.graph().drive(&DriveRef::Me);
    let requests: [Request; 4] = [
        drive.recent(10),
        drive.children(&DrivePath::root(), 50),
        drive.get(),
        Sites::followed(),
    ];
    for r in &requests {
        let response = connection.send(r).await.unwrap();
        assert!(response.is_success(), "HTTP {}", response.status);
    }
}

async fn preview(core: &Patchbay, id: &str) {
    let p = core.preview(id, PreviewOptions::default()).await.unwrap();
    for section in &p.sections {
        assert!(
            matches!(section.body, SectionBody::Loaded { .. }),
            "{}: {:?}",
            section.id,
            section.body
        );
    }
}

/// The fewest and the most of a per-run count: "1", or "1–2" when runs differed.
#[derive(Default)]
struct Counts(Option<(u64, u64)>);

impl Counts {
    fn add(&mut self, n: u64) {
        self.0 = Some(match self.0 {
            None => (n, n),
            Some((lo, hi)) => (lo.min(n), hi.max(n)),
        });
    }
}

impl std::fmt::Display for Counts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0 {
            Some((lo, hi)) if lo == hi => write!(f, "{lo}"),
            Some((lo, hi)) => write!(f, "{lo}–{hi}"),
            None => f.write_str("-"),
        }
    }
}

#[tokio::main]
async fn main() {
    let args = args();
    let sandbox = Sandbox::start(SandboxOptions::default()).await.unwrap();
    let data = tempfile::tempdir().unwrap();
    let core = Arc::new(Patchbay::with_key_store(
        CoreConfig::with_data_dir(data.path().to_path_buf()),
        Box::<MemoryKeyStore>::default(),
    ));
    let authority = sandbox.authority("organizations").to_string();
    let graph = sandbox.graph_url().to_string();
    let valid = common::connect(
        core.clone(),
        authority.clone(),
        graph.clone(),
        "adele@contoso.example",
        0,
    )
    .await;
    // A OneDrive & SharePoint connection (Adele's), with the usual token lifetime.
    let files = common::connect_to(
        core.clone(),
        "onedrive-sharepoint",
        authority.clone(),
        graph.clone(),
        "adele@contoso.example",
        2,
    )
    .await;
    // A Microsoft Teams connection (Adele's), with the usual token lifetime.
    let teams = common::connect_to(
        core.clone(),
        "teams",
        authority.clone(),
        graph.clone(),
        "adele@contoso.example",
        3,
    )
    .await;
    // A second connection whose access tokens live two seconds, for the rows that refresh first.
    sandbox.control().set_access_token_lifetime(SHORT_LIFETIME);
    let short = common::connect(core.clone(), authority, graph, "adele@contoso.example", 1).await;
    // Warm-up: connection pool, OpenID configuration, the mailbox zone.
    preview(&core, &valid).await;
    preview(&core, &short).await;
    preview(&core, &files).await;
    preview(&core, &teams).await;
    sandbox.control().set_latency(args.latency);

    println!(
        "Preview wall time; L = {} ms added to every sandbox response; {} runs each",
        args.latency.as_millis(),
        args.runs
    );
    println!(
        "{:<34}  {:>9}  {:>7}  {:>9}  {:>7}  {:>6}  {:>6}",
        "", "median ms", "× L", "worst ms", "× L", "token", "graph"
    );
    type Run<'a> =
        Box<dyn Fn() -> std::pin::Pin<Box<dyn std::future::Future<Output = ()> + 'a>> + 'a>;
    let rows: Vec<(&str, bool, Run<'_>)> = vec![
        (
            "preview, valid token",
            false,
            Box::new(|| Box::pin(preview(&core, &valid))),
        ),
        (
            "preview, token refreshed first",
            true,
            Box::new(|| Box::pin(preview(&core, &short))),
        ),
        (
            "naive (3 requests), valid token",
            false,
            Box::new(|| Box::pin(naive(&core, &valid))),
        ),
        (
            "naive, token refreshed first",
            true,
            Box::new(|| Box::pin(naive(&core, &short))),
        ),
        (
            "files preview, valid token",
            false,
            Box::new(|| Box::pin(preview(&core, &files))),
        ),
        (
            "naive files (4), valid token",
            false,
            Box::new(|| Box::pin(naive_files(&core, &files))),
        ),
        (
            "teams preview, valid token",
            false,
            Box::new(|| Box::pin(preview(&core, &teams))),
        ),
    ];
    for (label, stale, run) in rows {
        let mut times = Vec::with_capacity(args.runs);
        // Requests per run, as seen by the sandbox: the fewest and the most over the runs.
        let (mut tokens, mut graphs) = (Counts::default(), Counts::default());
        for _ in 0..args.runs {
            if stale {
                // Past half the short token's life, by more than the second the token manager's whole-second
                // arithmetic may round away: it refreshes before anything else.
                tokio::time::sleep(SHORT_LIFETIME / 2 + Duration::from_millis(1300)).await;
            }
            let before = sandbox.control().stats();
            let t = Instant::now();
            run().await;
            times.push(t.elapsed());
            let after = sandbox.control().stats();
            tokens.add(
                after.token_requests.values().sum::<u64>()
                    - before.token_requests.values().sum::<u64>(),
            );
            graphs.add(after.graph_requests - before.graph_requests);
        }
        times.sort();
        let median = times[times.len() / 2];
        let worst = times[times.len() - 1];
        let l = args.latency.as_secs_f64();
        println!(
            "{:<34}  {:>9.0}  {:>7.2}  {:>9.0}  {:>7.2}  {:>6}  {:>6}",
            label,
            median.as_secs_f64() * 1000.0,
            median.as_secs_f64() / l,
            worst.as_secs_f64() * 1000.0,
            worst.as_secs_f64() / l,
            tokens.to_string(),
            graphs.to_string()
        );
    }
    core.shutdown(Duration::from_secs(5)).await;
}
