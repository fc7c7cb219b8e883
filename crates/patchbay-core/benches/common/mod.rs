//! What the benchmarks share: a sign-in through the real flow against the sandbox.

use patchbay_core::catalogue::AuthType;
use patchbay_core::connect::ConnectOptions;
use patchbay_core::environment::EnvironmentId;
use patchbay_core::model::{ConnectEvent, ConnectRequest};
use patchbay_core::Patchbay;
use std::sync::Arc;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// One sign-in through the real flow, the sandbox's pages walked over HTTP.
pub async fn connect(
    core: Arc<Patchbay>,
    authority: String,
    graph: String,
    user: &str,
    n: usize,
) -> String {
    connect_to(core, "outlook365", authority, graph, user, n).await
}

/// As [`connect`], for a connection of `connector`.
#[allow(dead_code)] // not every benchmark connects to another connector
pub async fn connect_to(
    core: Arc<Patchbay>,
    connector: &str,
    authority: String,
    graph: String,
    user: &str,
    n: usize,
) -> String {
    let req = ConnectRequest {
        connector_id: connector.into(),
        environment: EnvironmentId::Custom,
        authority: Some(authority),
        graph_url: Some(graph),
        auth_type: AuthType::BuiltInApp,
        client_id: None,
        client_secret: None,
        client_secret_expires_on: None,
        tenant: None,
        features: None,
        scopes: None,
        redirect_uri: None,
        name: Some(format!("connection {n}")),
    };
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let send = move |e: ConnectEvent| {
        let _ = tx.send(e);
    };
    let options = ConnectOptions {
        open_browser: false,
        timeout: Duration::from_secs(60),
    };
    let flow_id = format!("bench-{n}");
    let connecting = core.connect(req, options, &flow_id, &send, CancellationToken::new());
    let browser = async {
        let Some(ConnectEvent::WaitingForBrowser { auth_url, .. }) = rx.recv().await else {
            panic!("no sign-in URL");
        };
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let url = url::Url::parse(&auth_url).unwrap();
        let back = patchbay_sandbox::driver::sign_in(&http, &url, user, true)
            .await
            .unwrap();
        http.get(back).send().await.unwrap();
    };
    let (result, ()) = tokio::join!(connecting, browser);
    result.unwrap().id.clone()
}
