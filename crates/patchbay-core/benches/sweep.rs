//! A health sweep's wall time: every connection gets a fresh token (a refresh-token grant, as each scheduled
//! sweep does) and a Graph probe (`GET /me?$select=id`), for 10, 100 and 500 sandbox connections with 50 ms added
//! to every sandbox response. Prints the wall time (median of 3 sweeps), the time in units of that latency, and
//! the token and Graph requests each sweep made. Target: 500 connections in at most 20 × the latency.
//!
//!     cargo bench -p patchbay-core --bench sweep [-- --latency-ms 50 --sizes 10,100,500 --runs 3 --data-dir DIR
//!                                                   --concurrency N]   (default: the monitor's)
//!
//! `--data-dir` puts Patchbay's data folder under DIR (default: the system temp dir). Every refresh writes the
//! connection's sealed secrets (fsynced) and its status file, so the file system counts: on a journal-less
//! ext4 (as on the machines this was written on) each file creation scans for recently deleted inodes.

mod common;

use common::connect;
use patchbay_core::health::{CheckOptions, MonitorConfig};
use patchbay_core::vault::MemoryKeyStore;
use patchbay_core::{CoreConfig, Patchbay};
use patchbay_sandbox::{Sandbox, SandboxOptions};
use std::sync::Arc;
use std::time::{Duration, Instant};

const USERS: [&str; 3] = [
    "adele@contoso.example",
    "megan@contoso.example",
    "alex@contoso.example",
];

struct Args {
    latency: Duration,
    sizes: Vec<usize>,
    runs: usize,
    data_dir: Option<std::path::PathBuf>,
    concurrency: usize,
}

fn args() -> Args {
    let mut a = Args {
        latency: Duration::from_millis(50),
        sizes: vec![10, 100, 500],
        runs: 3,
        data_dir: None,
        concurrency: MonitorConfig::default().concurrency,
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--latency-ms" => {
                a.latency = Duration::from_millis(it.next().unwrap().parse().unwrap())
            }
            "--sizes" => {
                a.sizes = it
                    .next()
                    .unwrap()
                    .split(',')
                    .map(|s| s.parse().unwrap())
                    .collect()
            }
            "--runs" => a.runs = it.next().unwrap().parse().unwrap(),
            "--data-dir" => a.data_dir = Some(it.next().unwrap().into()),
            "--concurrency" => a.concurrency = it.next().unwrap().parse().unwrap(),
            _ => {} // cargo bench passes --bench
        }
    }
    a
}

#[tokio::main]
async fn main() {
    let args = args();
    let most = args.sizes.iter().copied().max().unwrap_or(0);
    let sandbox = Sandbox::start(SandboxOptions::default()).await.unwrap();
    let data = match &args.data_dir {
        Some(dir) => tempfile::tempdir_in(dir).unwrap(),
        None => tempfile::tempdir().unwrap(),
    };
    eprintln!("data folder: {}", data.path().display());
    let core = Arc::new(Patchbay::with_key_store(
        CoreConfig::with_data_dir(data.path().to_path_buf()),
        Box::<MemoryKeyStore>::default(),
    ));

    let started = Instant::now();
    let mut ids = Vec::with_capacity(most);
    let authority = sandbox.authority("organizations").to_string();
    let graph = sandbox.graph_url().to_string();
    for chunk in (0..most).collect::<Vec<_>>().chunks(8) {
        let mut signing_in = tokio::task::JoinSet::new();
        for &n in chunk {
            signing_in.spawn(connect(
                core.clone(),
                authority.clone(),
                graph.clone(),
                USERS[n % USERS.len()],
                n,
            ));
        }
        ids.extend(signing_in.join_all().await);
    }
    eprintln!(
        "{} connections signed in in {:.1} s (no added latency)",
        ids.len(),
        started.elapsed().as_secs_f64()
    );

    sandbox.control().set_latency(args.latency);
    let concurrency = args.concurrency;
    let forced = CheckOptions {
        force_refresh: true,
        max_token_age: None,
    };
    println!(
        "Health sweep: fresh token (refresh grant) + Graph probe per connection; {} ms added per sandbox response; {concurrency} checks in flight",
        args.latency.as_millis()
    );
    println!(
        "{:>11}  {:>13}  {:>11}  {:>14}  {:>14}  {:>9}",
        "connections",
        "wall ms (med)",
        "× latency",
        "token requests",
        "graph requests",
        "unhealthy"
    );
    for &size in &args.sizes {
        let subset = &ids[..size];
        let mut times = Vec::new();
        let mut token_requests = 0;
        let mut graph_requests = 0;
        let mut unhealthy = 0;
        for _ in 0..args.runs {
            let before = sandbox.control().stats();
            let t = Instant::now();
            let outcomes = core.check_connections(subset, forced, concurrency).await;
            times.push(t.elapsed());
            let after = sandbox.control().stats();
            token_requests = after.token_requests.values().sum::<u64>()
                - before.token_requests.values().sum::<u64>();
            graph_requests = after.graph_requests - before.graph_requests;
            unhealthy = outcomes
                .iter()
                .filter(|o| {
                    !matches!(o, Ok(o) if o.status == patchbay_core::model::ConnectionStatus::Healthy)
                })
                .count();
        }
        times.sort();
        let median = times[times.len() / 2];
        println!(
            "{:>11}  {:>13.0}  {:>11.1}  {:>14}  {:>14}  {:>9}",
            size,
            median.as_secs_f64() * 1000.0,
            median.as_secs_f64() / args.latency.as_secs_f64(),
            token_requests,
            graph_requests,
            unhealthy
        );
    }
    core.shutdown(Duration::from_secs(5)).await;
}
