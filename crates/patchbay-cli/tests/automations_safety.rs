//! What keeps automations in a person's hands (the third security review): Remove and Pause stop a backlog in
//! flight between two items and nothing of a removed automation comes back; a queue is bounded and says so; one
//! damaged state file shows that automation as damaged while the others list.

mod common;

use common::{connect_to, own_sandbox, text, Home, ADELE};
use serde_json::Value;

async fn add(home: &Home, args: &[&str]) -> Value {
    let mut all = vec!["automations", "add"];
    all.extend_from_slice(args);
    all.push("--json");
    let out = home.run(&all).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

async fn list(home: &Home) -> Vec<Value> {
    let out = home.run(&["automations", "list", "--json"]).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    serde_json::from_slice::<Value>(&out.stdout)
        .unwrap()
        .as_array()
        .unwrap()
        .clone()
}

fn count_lines(path: &std::path::Path) -> usize {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .count()
}

#[tokio::test]
async fn remove_and_pause_stop_a_backlog_between_two_items() {
    let sandbox = own_sandbox().await;
    let home = Home::new();
    let connection = connect_to(&home, &sandbox, ADELE).await;
    let out = home.data.path().join("ran.txt");
    // Each item takes a quarter of a second.
    let run = format!("sh -c 'sleep 0.25; echo x >> {}'", out.display());
    for (verb, name) in [("remove", "Removed"), ("pause", "Paused")] {
        let added = add(
            &home,
            &[
                "--connection",
                &connection,
                "--on",
                "new-mail",
                "--run",
                &run,
                "--name",
                name,
            ],
        )
        .await;
        let id = added["id"].as_str().unwrap().to_string();
        for i in 0..20 {
            sandbox
                .control()
                .deliver_mail(
                    ADELE,
                    ("Bench", "b@contoso.example"),
                    &format!("{verb} {i}"),
                    "",
                    false,
                )
                .unwrap();
        }
        let before = count_lines(&out);
        let mut engine = home.command(&["automations", "run", "--once"]);
        let mut engine = engine.spawn().unwrap();
        // A few delivered, then the person acts.
        let deadline = std::time::Instant::now() + common::LIMIT;
        while count_lines(&out) < before + 2 {
            assert!(std::time::Instant::now() < deadline, "nothing delivered");
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        let acted = home.run(&["automations", verb, &id]).await;
        assert!(acted.status.success(), "{}", text(&acted.stderr));
        tokio::time::timeout(common::LIMIT, engine.wait())
            .await
            .unwrap()
            .unwrap();
        let ran = count_lines(&out) - before;
        assert!(
            ran < 20,
            "{verb}: the backlog went on after it: {ran} of 20"
        );
        let folder = home.data.path().join("automations").join(&id);
        if verb == "remove" {
            assert!(!folder.exists(), "a removed automation's folder came back");
            assert!(list(&home).await.iter().all(|a| a["id"] != id.as_str()));
        } else {
            let v = list(&home).await;
            let me = v.iter().find(|a| a["id"] == id.as_str()).unwrap();
            assert_eq!(me["state"], "paused");
            assert!(
                me["queued"].as_u64().unwrap() > 0,
                "the rest waits for resume: {me}"
            );
        }
    }
    sandbox.shutdown().await;
}

#[tokio::test]
async fn a_full_queue_stops_reading_in_words_and_a_damaged_state_lists_as_damaged() {
    let sandbox = own_sandbox().await;
    let home = Home::new();
    let connection = connect_to(&home, &sandbox, ADELE).await;
    let full = add(
        &home,
        &[
            "--connection",
            &connection,
            "--on",
            "new-mail",
            "--run",
            "true",
            "--name",
            "Full",
        ],
    )
    .await;
    let broken = add(
        &home,
        &[
            "--connection",
            &connection,
            "--on",
            "new-mail",
            "--run",
            "true",
            "--name",
            "Broken",
        ],
    )
    .await;
    let dir = home.data.path().join("automations");

    // Ten thousand items waiting (failed, waiting for Retry): the next round reads nothing more, and says why.
    let state_path = dir.join(full["id"].as_str().unwrap()).join("state.json");
    let mut state: Value = serde_json::from_slice(&std::fs::read(&state_path).unwrap()).unwrap();
    let item = serde_json::json!({"item_id": "x", "key": "", "subject": null, "payload": {}, "attempts": 5,
                                  "next_at": 0, "failed": true});
    state["queue"] = Value::Array(
        (0..10_000)
            .map(|i| {
                let mut it = item.clone();
                it["item_id"] = format!("x{i}").into();
                it
            })
            .collect(),
    );
    let cursor = state["cursor"].clone();
    std::fs::write(&state_path, serde_json::to_vec(&state).unwrap()).unwrap();
    sandbox
        .control()
        .deliver_mail(ADELE, ("A", "a@contoso.example"), "while full", "", false)
        .unwrap();
    // And the other's state damaged.
    std::fs::write(
        dir.join(broken["id"].as_str().unwrap()).join("state.json"),
        b"{ not json",
    )
    .unwrap();

    let once = home.run(&["automations", "run", "--once"]).await;
    let stderr = text(&once.stderr);
    let after: Value = serde_json::from_slice(&std::fs::read(&state_path).unwrap()).unwrap();
    assert_eq!(after["cursor"], cursor, "the cursor stays: nothing is lost");
    assert_eq!(after["queue"].as_array().unwrap().len(), 10_000);
    assert!(stderr.contains("the most an automation keeps"), "{stderr}");

    let all = list(&home).await;
    assert_eq!(all.len(), 2, "both listed");
    let b = all.iter().find(|a| a["id"] == broken["id"]).unwrap();
    assert_eq!(b["state"], "damaged");
    assert!(
        b["state_words"].as_str().unwrap().starts_with("damaged:"),
        "{b}"
    );
    let f = all.iter().find(|a| a["id"] == full["id"]).unwrap();
    assert!(
        f["last_error"]
            .as_str()
            .unwrap()
            .contains("wait for delivery"),
        "{f}"
    );
    sandbox.shutdown().await;
}
