//! `patchbay connect --environment`: a Microsoft cloud's connection always talks to that cloud.

mod common;

use common::*;

#[tokio::test]
async fn a_preset_environment_refuses_authority_and_graph_url() {
    let home = Home::new();
    let out = home
        .run(&[
            "connect",
            "--connector",
            "outlook365",
            "--environment",
            "global",
            "--authority",
            "https://idp.example.com/tenant/v2.0",
            "--graph-url",
            "https://graph.example.com",
            "--no-browser",
        ])
        .await;
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let line = error_line(&text(&out.stderr));
    assert!(
        line.contains("--authority and --graph-url are for --environment custom")
            && line.contains("https://login.microsoftonline.com"),
        "{line}"
    );
    // Refused before any connection was saved.
    assert!(home.list().await.is_empty());
}
