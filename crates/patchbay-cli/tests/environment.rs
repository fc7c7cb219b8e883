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

#[tokio::test]
async fn the_sandbox_refuses_urls_of_its_own_as_the_core_does() {
    let home = Home::new();
    let out = home
        .run(&[
            "connect",
            "--connector",
            "outlook365",
            "--environment",
            "sandbox",
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
        line.contains("The sandbox chooses its own URLs") && line.contains("--environment custom"),
        "{line}"
    );
    assert!(home.list().await.is_empty());
}

#[tokio::test]
async fn urls_without_an_environment_are_taken_as_a_custom_one_and_said_so() {
    let home = Home::new();
    let sandbox = own_sandbox().await;
    let authority = sandbox.authority("organizations").to_string();
    let graph = sandbox.graph_url().to_string();
    let connecting = home
        .start_sign_in(
            &[
                "connect",
                "--connector",
                "outlook365",
                "--authority",
                &authority,
                "--graph-url",
                &graph,
                "--no-browser",
                "--json",
            ],
            None,
            false,
            &[],
        )
        .await;
    connecting.sign_in(ADELE, true).await;
    let done = connecting.finish().await;
    assert_eq!(done.code, Some(0), "{}", done.stderr);
    assert!(
        done.stderr.contains("Using the custom environment"),
        "{}",
        done.stderr
    );
    let summary: serde_json::Value = serde_json::from_str(&done.stdout).unwrap();
    assert_eq!(summary["environment"], "custom");
}
