//! `patchbay connect --environment`: a Microsoft cloud's connection always talks to that cloud.

mod common;

use common::*;

/// `connect --environment ENVIRONMENT` with URLs of its own: refused (exit 1) before any connection is saved;
/// the error line.
async fn refused_with_urls(environment: &str) -> String {
    let home = Home::new();
    let out = home
        .run(&[
            "connect",
            "--connector",
            "outlook365",
            "--environment",
            environment,
            "--authority",
            "https://idp.example.com/tenant/v2.0",
            "--graph-url",
            "https://graph.example.com",
            "--no-browser",
        ])
        .await;
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(home.list().await.is_empty());
    error_line(&text(&out.stderr))
}

#[tokio::test]
async fn a_preset_environment_refuses_authority_and_graph_url() {
    let line = refused_with_urls("global").await;
    assert!(
        line.contains("--authority and --graph-url are for --environment custom")
            && line.contains("https://login.microsoftonline.com"),
        "{line}"
    );
}

#[tokio::test]
async fn the_sandbox_refuses_urls_of_its_own_as_the_core_does() {
    let line = refused_with_urls("sandbox").await;
    assert!(
        line.contains("The sandbox chooses its own URLs") && line.contains("--environment custom"),
        "{line}"
    );
}

#[tokio::test]
async fn urls_without_an_environment_are_taken_as_a_custom_one_and_said_so() {
    let home = Home::new();
    let sandbox = own_sandbox().await;
    let (summary, stderr) = connect_with(&home, &sandbox, ADELE, &[]).await;
    assert!(stderr.contains("Using the custom environment"), "{stderr}");
    assert_eq!(summary["environment"], "custom");
}
