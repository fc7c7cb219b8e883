//! "Callback to Connected": how long Patchbay takes from the moment the browser's redirect reaches its loopback
//! listener to the `connected` event, against the sandbox with 50 ms added to every response. The target is one
//! token round trip plus under 20 ms.
//!
//!     cargo bench -p patchbay-core --bench connect_latency
//!
//! Also measures the token round trip alone (a POST to the token endpoint with a bad code, which pays the same
//! added latency), and prints overhead = callback→connected minus the median token round trip. Prints numbers
//! only; nothing here asserts on time. `PATCHBAY_BENCH_RUNS` changes the number of runs (default 20).

use patchbay_core::catalogue::AuthType;
use patchbay_core::connect::ConnectOptions;
use patchbay_core::environment::EnvironmentId;
use patchbay_core::model::{ConnectEvent, ConnectRequest};
use patchbay_core::oauth::Discovery;
use patchbay_core::vault::MemoryKeyStore;
use patchbay_core::{CoreConfig, Patchbay};
use patchbay_sandbox::{Sandbox, SandboxOptions};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

const LATENCY: Duration = Duration::from_millis(50);
const USER: &str = "adele@contoso.example";

fn main() {
    let runs: usize = std::env::var("PATCHBAY_BENCH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20)
        .max(1);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    runtime.block_on(bench(runs));
}

struct Bench {
    sandbox: Sandbox,
    core: Arc<Patchbay>,
    browser: reqwest::Client,
    _data: tempfile::TempDir,
}

impl Bench {
    fn request(&self) -> ConnectRequest {
        ConnectRequest {
            connector_id: "outlook365".into(),
            environment: EnvironmentId::Custom,
            authority: Some(self.sandbox.authority("organizations").to_string()),
            graph_url: Some(self.sandbox.graph_url().to_string()),
            auth_type: AuthType::BuiltInApp,
            client_id: None,
            client_secret: None,
            client_secret_expires_on: None,
            tenant: None,
            features: None,
            scopes: None,
            redirect_uri: None,
            name: None,
        }
    }

    /// One sign-in. Returns the time from just before the browser's redirect request to the `exchanging` and to
    /// the `connected` events (stamped inside the event callback).
    async fn callback_to_connected(&self, run: usize) -> Timing {
        let (tx, mut events) = mpsc::unbounded_channel::<(Instant, ConnectEvent)>();
        let core = self.core.clone();
        let req = self.request();
        let flow = tokio::spawn(async move {
            let options = ConnectOptions {
                open_browser: false,
                timeout: Duration::from_secs(60),
            };
            let send = move |e: ConnectEvent| {
                let _ = tx.send((Instant::now(), e));
            };
            core.connect(
                req,
                options,
                &format!("bench-{run}"),
                &send,
                CancellationToken::new(),
            )
            .await
        });
        let auth_url = match events.recv().await {
            Some((_, ConnectEvent::WaitingForBrowser { auth_url, .. })) => {
                url::Url::parse(&auth_url).unwrap()
            }
            other => panic!("expected waiting_for_browser, got {other:?}"),
        };
        let back = patchbay_sandbox::driver::sign_in(&self.browser, &auth_url, USER, true)
            .await
            .unwrap();

        let hit = Instant::now();
        let response = self.browser.get(back).send().await.unwrap();
        assert!(
            response.status().is_success(),
            "the listener answered {}",
            response.status()
        );
        let mut exchanging = None;
        let connected = loop {
            match events.recv().await {
                Some((at, ConnectEvent::Exchanging { .. })) => exchanging = Some(at),
                Some((at, ConnectEvent::Connected { .. })) => break at,
                Some((_, ConnectEvent::Failed { error, .. })) => {
                    panic!("run {run} failed: {error:?}")
                }
                Some(_) => {}
                None => panic!("run {run}: the flow ended without an event"),
            }
        };
        let summary = flow.await.unwrap().unwrap();
        // Keep the store the same size for every run (outside the measurement).
        self.core.remove(&summary.id).unwrap();
        let exchanging = exchanging.expect("an exchanging event before connected");
        Timing {
            to_exchanging: exchanging - hit,
            to_connected: connected - hit,
        }
    }
}

struct Timing {
    to_exchanging: Duration,
    to_connected: Duration,
}

/// The token endpoint answering a bad code: one round trip with the same added latency, no tokens minted.
async fn token_round_trip(http: &reqwest::Client, token_endpoint: &url::Url) -> Duration {
    let form = [
        ("grant_type", "authorization_code"),
        (
            "client_id",
            patchbay_core::config::DEFAULT_BUILTIN_CLIENT_ID,
        ),
        ("code", "not-a-real-code"),
        ("redirect_uri", "http://localhost:1"),
        (
            "code_verifier",
            "0123456789012345678901234567890123456789abc",
        ),
    ];
    let body = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(form)
        .finish();
    let start = Instant::now();
    let response = http
        .post(token_endpoint.clone())
        .header(
            reqwest::header::CONTENT_TYPE,
            "application/x-www-form-urlencoded",
        )
        .body(body)
        .send()
        .await
        .unwrap();
    let status = response.status();
    let _ = response.bytes().await.unwrap();
    let took = start.elapsed();
    assert_eq!(status, 400, "a bad code is refused");
    took
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// min, median, p95 (nearest rank), max in ms.
fn stats(samples: &[f64]) -> [f64; 4] {
    let mut s = samples.to_vec();
    s.sort_by(|a, b| a.total_cmp(b));
    let n = s.len();
    let median = if n % 2 == 1 {
        s[n / 2]
    } else {
        (s[n / 2 - 1] + s[n / 2]) / 2.0
    };
    let p95 = s[((n as f64 * 0.95).ceil() as usize).clamp(1, n) - 1];
    [s[0], median, p95, s[n - 1]]
}

fn line(label: &str, samples: &[f64]) {
    let [min, median, p95, max] = stats(samples);
    println!("{label:<34} min {min:7.2}  median {median:7.2}  p95 {p95:7.2}  max {max:7.2}  ms");
}

async fn bench(runs: usize) {
    let sandbox = Sandbox::start(SandboxOptions::default())
        .await
        .expect("the sandbox starts");
    sandbox.control().set_latency(LATENCY);
    let data = tempfile::tempdir().unwrap();
    let core = Patchbay::with_key_store(
        CoreConfig::with_data_dir(data.path().to_path_buf()),
        Box::<MemoryKeyStore>::default(),
    );
    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let bench = Bench {
        sandbox,
        core: Arc::new(core),
        browser,
        _data: data,
    };

    // Warm-up: the first run also pays discovery (cached per authority afterwards) and the consent page.
    let first = bench.callback_to_connected(0).await;
    let mut flows = Vec::with_capacity(runs);
    let mut to_exchanging = Vec::with_capacity(runs);
    for run in 1..=runs {
        let timing = bench.callback_to_connected(run).await;
        flows.push(ms(timing.to_connected));
        to_exchanging.push(ms(timing.to_exchanging));
    }

    let http = patchbay_core::oauth::http_client();
    let metadata = Discovery::default()
        .get(&http, &bench.sandbox.authority("organizations"))
        .await
        .unwrap();
    token_round_trip(&http, &metadata.token_endpoint).await; // warm the connection
    let mut tokens = Vec::with_capacity(runs);
    for _ in 0..runs {
        tokens.push(ms(token_round_trip(&http, &metadata.token_endpoint).await));
    }
    let token_median = stats(&tokens)[1];
    let overhead: Vec<f64> = flows.iter().map(|f| f - token_median).collect();

    println!();
    println!(
        "connect_latency: sandbox with {} ms added to every response, {runs} runs after 1 warm-up",
        LATENCY.as_millis()
    );
    println!("{:<34} {:7.2} ms (first token request and vault key; its discovery came before the browser)", "warm-up run, callback→connected", ms(first.to_connected));
    line("callback → connected", &flows);
    line("  of which callback → exchanging", &to_exchanging);
    line("token round trip alone", &tokens);
    line("overhead (minus median token RTT)", &overhead);
    println!(
        "target: overhead under 20 ms (median {:.2} ms)",
        stats(&overhead)[1]
    );
}
