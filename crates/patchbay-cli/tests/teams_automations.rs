//! `patchbay automations … --on chat-message | channel-message` as processes against the sandbox's Teams: a
//! baseline of one request that fires nothing; each message once, never the person's own, never a system event,
//! an edit never again; the filters (a chat, a sender, a mention, a text); an idle round of one request; a
//! channel automation refused in words (with the admin-consent link) without the channel permission, and
//! delivering posts and replies with it.

mod common;

use common::{admin_consent, connect_teams, own_sandbox, text, Home, ADELE};
use patchbay_sandbox::{TeamsBody, TeamsEvent, TeamsPlace};
use serde_json::Value;
use std::path::{Path, PathBuf};

const MEGAN: &str = "megan@contoso.example";
const ALEX: &str = "alex@contoso.example";

fn recorder(out: &Path) -> String {
    format!(
        "sh -c 'printf \"%s\\t\" \"$PATCHBAY_ITEM_ID\" >> {0}; cat >> {0}'",
        out.display()
    )
}

fn lines(out: &Path) -> Vec<Value> {
    std::fs::read_to_string(out)
        .unwrap_or_default()
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l.split_once('\t').unwrap().1).unwrap())
        .collect()
}

async fn add(home: &Home, args: &[&str]) -> Value {
    common::add_automation(home, args).await
}

async fn run_once(home: &Home) {
    let out = home.run(&["automations", "run", "--once"]).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
}

fn post(
    sb: &patchbay_sandbox::Sandbox,
    chat: &str,
    from: &str,
    text: &str,
    mention: bool,
) -> String {
    sb.control()
        .post_chat_message(ADELE, chat, from, TeamsBody::Text(text.into()), mention)
        .unwrap()
        .id
}

#[tokio::test]
async fn each_chat_message_fires_once_and_never_the_persons_own_a_system_event_or_an_edit() {
    let home = Home::new();
    let sb = own_sandbox().await;
    let id = connect_teams(&home, &sb, ADELE, &[]).await;
    let out = home.data.path().join("chat.txt");
    let before = sb.control().stats().graph_requests;
    add(
        &home,
        &[
            "--connection",
            &id,
            "--on",
            "chat-message",
            "--run",
            &recorder(&out),
        ],
    )
    .await;
    assert_eq!(
        sb.control().stats().graph_requests - before,
        1,
        "the baseline is one request"
    );
    run_once(&home).await;
    assert!(lines(&out).is_empty(), "what was there never fires");

    // An idle round: one request.
    let before = sb.control().stats().graph_requests;
    run_once(&home).await;
    assert_eq!(
        sb.control().stats().graph_requests - before,
        1,
        "an idle round is one request"
    );

    let launch = sb.control().teams_chat_id(ADELE, "Spring launch").unwrap();
    let with_megan = sb.control().teams_chat_id(ADELE, MEGAN).unwrap();
    let a = post(&sb, &launch, MEGAN, "Adele, the <b>quotes</b> are in", true);
    let b = post(&sb, &with_megan, MEGAN, "Lunch?", false);
    post(&sb, &with_megan, ADELE, "my own words", false);
    sb.control()
        .post_teams_system_event(
            ADELE,
            &launch,
            TeamsEvent::TopicChanged {
                by: MEGAN.into(),
                topic: "Spring launch 2".into(),
            },
        )
        .unwrap();
    run_once(&home).await;
    let got = lines(&out);
    let ids: Vec<&str> = got
        .iter()
        .map(|v| v["item"]["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [a.as_str(), b.as_str()], "{got:?}");
    let first = &got[0];
    assert_eq!(first["trigger"], "chat_message");
    assert_eq!(first["item"]["chat_id"], launch.as_str());
    assert_eq!(first["item"]["mentions_me"], true);
    assert_eq!(first["item"]["from_address"], MEGAN);
    // The mention reads as the name it shows; what was typed stays text.
    assert_eq!(
        first["item"]["text"],
        "Adele Vance Adele, the <b>quotes</b> are in"
    );
    assert!(first["item"]["chat_topic"].is_string());

    // An edit of a delivered message, and a replay: nothing.
    sb.control()
        .edit_teams_message(
            ADELE,
            &TeamsPlace::Chat(launch.clone()),
            &a,
            TeamsBody::Text("edited".into()),
        )
        .unwrap();
    run_once(&home).await;
    run_once(&home).await;
    assert_eq!(lines(&out).len(), 2, "{:?}", lines(&out));
    sb.shutdown().await;
}

#[tokio::test]
async fn chat_filters_choose_what_fires() {
    let home = Home::new();
    let sb = own_sandbox().await;
    let id = connect_teams(&home, &sb, ADELE, &[]).await;
    let launch = sb.control().teams_chat_id(ADELE, "Spring launch").unwrap();
    let mentions = home.data.path().join("mentions.txt");
    let from_alex = home.data.path().join("alex.txt");
    let words = home.data.path().join("words.txt");
    add(
        &home,
        &[
            "--connection",
            &id,
            "--on",
            "chat-message",
            "--mentions-me",
            "--run",
            &recorder(&mentions),
        ],
    )
    .await;
    add(
        &home,
        &[
            "--connection",
            &id,
            "--on",
            "chat-message",
            "--from",
            ALEX,
            "--chat",
            &launch,
            "--run",
            &recorder(&from_alex),
        ],
    )
    .await;
    add(
        &home,
        &[
            "--connection",
            &id,
            "--on",
            "chat-message",
            "--contains",
            "INVOICE",
            "--run",
            &recorder(&words),
        ],
    )
    .await;
    post(&sb, &launch, MEGAN, "see @Adele", true);
    post(&sb, &launch, ALEX, "the invoice is late", false);
    post(
        &sb,
        &sb.control().teams_chat_id(ADELE, ALEX).unwrap(),
        ALEX,
        "elsewhere",
        false,
    );
    run_once(&home).await;
    assert_eq!(lines(&mentions).len(), 1);
    assert_eq!(lines(&from_alex).len(), 1);
    assert_eq!(lines(&from_alex)[0]["item"]["text"], "the invoice is late");
    assert_eq!(lines(&words).len(), 1);
    // Flags of other kinds are refused in words.
    let out = home
        .run(&[
            "automations",
            "add",
            "--connection",
            &id,
            "--on",
            "chat-message",
            "--days",
            "3",
            "--run",
            "true",
        ])
        .await;
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("--days is for --on event-changed"),
        "{}",
        text(&out.stderr)
    );
    sb.shutdown().await;
}

#[tokio::test]
async fn a_channel_needs_its_permission_then_posts_and_replies_fire_once() {
    let home = Home::new();
    let sb = own_sandbox().await;
    let plain = connect_teams(&home, &sb, ADELE, &[]).await;
    let (team, channel) = sb
        .control()
        .teams_channel_ids(ADELE, "Contoso Team", "General")
        .unwrap();
    let refused = home
        .run(&[
            "automations",
            "add",
            "--connection",
            &plain,
            "--on",
            "channel-message",
            "--team",
            &team,
            "--channel",
            &channel,
            "--run",
            "true",
        ])
        .await;
    assert_eq!(refused.status.code(), Some(1));
    let err = text(&refused.stderr);
    assert!(
        err.contains("ChannelMessage.Read.All") && err.contains("administrator"),
        "{err}"
    );
    assert!(
        err.contains("adminconsent"),
        "the admin-consent link: {err}"
    );

    admin_consent(&sb).await;
    let id = connect_teams(
        &home,
        &sb,
        ADELE,
        &["--features", "read_channel_messages", "--name", "Channels"],
    )
    .await;
    let out: PathBuf = home.data.path().join("channel.txt");
    add(
        &home,
        &[
            "--connection",
            &id,
            "--on",
            "channel-message",
            "--team",
            &team,
            "--channel",
            &channel,
            "--run",
            &recorder(&out),
        ],
    )
    .await;
    run_once(&home).await;
    assert!(lines(&out).is_empty(), "what was there never fires");
    let posted = sb
        .control()
        .post_channel_message(
            ADELE,
            &team,
            &channel,
            MEGAN,
            TeamsBody::Text("Kick-off at 10".into()),
            false,
            None,
        )
        .unwrap();
    run_once(&home).await;
    sb.control()
        .post_channel_message(
            ADELE,
            &team,
            &channel,
            ALEX,
            TeamsBody::Text("I'll be there".into()),
            false,
            Some(&posted.id),
        )
        .unwrap();
    sb.control()
        .post_channel_message(
            ADELE,
            &team,
            &channel,
            ADELE,
            TeamsBody::Text("me too".into()),
            false,
            Some(&posted.id),
        )
        .unwrap();
    run_once(&home).await;
    run_once(&home).await;
    let got = lines(&out);
    let texts: Vec<&str> = got
        .iter()
        .map(|v| v["item"]["text"].as_str().unwrap())
        .collect();
    assert_eq!(texts, ["Kick-off at 10", "I'll be there"], "{got:?}");
    assert_eq!(got[0]["trigger"], "channel_message");
    assert_eq!(got[1]["item"]["reply_to"], posted.id.as_str());
    sb.shutdown().await;
}
