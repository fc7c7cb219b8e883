//! Shared harness: a sandbox, a Patchbay over a temp data dir, and a sign-in driven over plain HTTP.
#![allow(dead_code)]

use patchbay_core::catalogue::AuthType;
use patchbay_core::connect::ConnectOptions;
use patchbay_core::environment::EnvironmentId;
use patchbay_core::error::ErrorInfo;
use patchbay_core::model::{ConnectEvent, ConnectRequest, ConnectionSummary};
use patchbay_core::vault::MemoryKeyStore;
use patchbay_core::{CoreConfig, Patchbay};
use patchbay_sandbox::{Sandbox, SandboxOptions};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use url::Url;

pub const ADELE: &str = "adele@contoso.example";

pub struct Harness {
    pub sandbox: Sandbox,
    pub core: Arc<Patchbay>,
    pub data: tempfile::TempDir,
    pub http: reqwest::Client,
}

pub fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

impl Harness {
    pub async fn new() -> Self {
        let sandbox = Sandbox::start(SandboxOptions::default()).await.unwrap();
        let data = tempfile::tempdir().unwrap();
        let core = Patchbay::with_key_store(
            CoreConfig::with_data_dir(data.path().to_path_buf()),
            Box::<MemoryKeyStore>::default(),
        );
        Self {
            sandbox,
            core: Arc::new(core),
            data,
            http: browser(),
        }
    }

    pub fn request(&self, auth_type: AuthType) -> ConnectRequest {
        ConnectRequest {
            connector_id: "outlook365".into(),
            environment: EnvironmentId::Custom,
            authority: Some(self.sandbox.authority("organizations").to_string()),
            graph_url: Some(self.sandbox.graph_url().to_string()),
            auth_type,
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
}

/// A sign-in in progress: its events and its result.
pub struct Flow {
    pub events: mpsc::UnboundedReceiver<ConnectEvent>,
    pub cancel: CancellationToken,
    pub result: tokio::task::JoinHandle<Result<ConnectionSummary, ErrorInfo>>,
}

pub fn start(core: &Arc<Patchbay>, req: ConnectRequest, timeout: Duration) -> Flow {
    let (tx, events) = mpsc::unbounded_channel();
    let cancel = CancellationToken::new();
    let core = core.clone();
    let c = cancel.clone();
    let result = tokio::spawn(async move {
        let options = ConnectOptions {
            open_browser: false,
            timeout,
        };
        let send = move |e: ConnectEvent| {
            let _ = tx.send(e);
        };
        core.connect(req, options, "flow-1", &send, c).await
    });
    Flow {
        events,
        cancel,
        result,
    }
}

/// Start a Fix of connection `id`: the sign-in URL it waits on, and the flow's result.
pub async fn start_fix(
    core: &Arc<Patchbay>,
    id: &str,
) -> (
    Url,
    tokio::task::JoinHandle<Result<ConnectionSummary, ErrorInfo>>,
) {
    let (tx, mut rx) = mpsc::unbounded_channel();
    let core = core.clone();
    let id = id.to_string();
    let run = tokio::spawn(async move {
        let send = move |e| {
            let _ = tx.send(e);
        };
        let options = ConnectOptions {
            open_browser: false,
            timeout: Duration::from_secs(30),
        };
        core.fix(
            patchbay_core::model::FixRequest::new(id),
            options,
            "fix-1",
            &send,
            CancellationToken::new(),
        )
        .await
    });
    let auth_url = match rx.recv().await {
        Some(ConnectEvent::WaitingForBrowser { auth_url, .. }) => Url::parse(&auth_url).unwrap(),
        other => panic!("expected the sign-in URL, got {other:?}"),
    };
    (auth_url, run)
}

impl Flow {
    /// The authorization URL from the first event.
    pub async fn auth_url(&mut self) -> Url {
        match tokio::time::timeout(Duration::from_secs(10), self.events.recv()).await {
            Ok(Some(ConnectEvent::WaitingForBrowser {
                auth_url, opened, ..
            })) => {
                assert!(!opened, "tests never open a browser");
                Url::parse(&auth_url).unwrap()
            }
            other => panic!("expected waiting_for_browser, got {other:?}"),
        }
    }

    pub async fn finish(self) -> Result<ConnectionSummary, ErrorInfo> {
        tokio::time::timeout(Duration::from_secs(20), self.result)
            .await
            .expect("the flow ends")
            .unwrap()
    }
}

/// Drive the sandbox pages as `user`, then follow the redirect to Patchbay's listener.
pub async fn sign_in(http: &reqwest::Client, auth_url: &Url, user: &str, accept: bool) -> Url {
    let back = patchbay_sandbox::driver::sign_in(http, auth_url, user, accept)
        .await
        .unwrap();
    let response = http.get(back.clone()).send().await.unwrap();
    assert!(
        response.status().is_success(),
        "the listener answered {}",
        response.status()
    );
    back
}

/// Sign in as `user` up to the page that stays on the provider's side (AADSTS50011, 700016, 90094…), and return
/// the error it shows.
pub async fn sign_in_to_error_page(http: &reqwest::Client, auth_url: &Url, user: &str) -> String {
    patchbay_sandbox::driver::sign_in(http, auth_url, user, true)
        .await
        .expect_err("the sign-in stays on an error page")
}

impl Harness {
    /// A harness whose core tries twice, 50 ms apart, when Microsoft cannot be reached (tests of throttling).
    pub async fn with_quick_retries() -> Self {
        let sandbox = Sandbox::start(SandboxOptions::default()).await.unwrap();
        let data = tempfile::tempdir().unwrap();
        let mut config = CoreConfig::with_data_dir(data.path().to_path_buf());
        config.retry = patchbay_core::tokens::RetryPolicy {
            attempts: 2,
            first_delay: Duration::from_millis(50),
            max_delay: Duration::from_secs(5),
        };
        let core = Patchbay::with_key_store(config, Box::<MemoryKeyStore>::default());
        Self {
            sandbox,
            core: Arc::new(core),
            data,
            http: browser(),
        }
    }

    /// Sign in through `req` as `user` and return the new connection.
    pub async fn connect_as(&self, req: ConnectRequest, user: &str) -> ConnectionSummary {
        let mut flow = start(&self.core, req, Duration::from_secs(30));
        let auth_url = flow.auth_url().await;
        sign_in(&self.http, &auth_url, user, true).await;
        flow.finish().await.expect("the sign-in succeeds")
    }
}

/// A key store shared by several cores over the same data folder (a restart keeps the keychain).
#[derive(Clone, Default)]
pub struct SharedKeys(pub Arc<MemoryKeyStore>);

impl patchbay_core::vault::KeyStore for SharedKeys {
    fn load(
        &self,
    ) -> Result<Option<zeroize::Zeroizing<Vec<u8>>>, patchbay_core::vault::VaultError> {
        self.0.load()
    }
    fn store(&self, key: &[u8]) -> Result<(), patchbay_core::vault::VaultError> {
        self.0.store(key)
    }
}
