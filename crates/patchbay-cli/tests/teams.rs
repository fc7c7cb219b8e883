//! `patchbay teams` as a script runs it: the real binary against the sandbox's Teams (its demo chats, teams and
//! channels, its levers and what it records of sends), and against a strict stand-in ([`strict`]) that holds
//! Graph's rules for a chat's messages — `$top` at most 50, `$orderby` on one of two properties, `$filter` only
//! on the property ordered by, pages followed exactly as linked — and counts what a client asks.

mod common;
#[path = "teams/strict.rs"]
mod strict;

use common::*;
use serde_json::Value;
use std::process::Output;

const MEGAN: &str = "megan@contoso.example";
const ALEX: &str = "alex@contoso.example";
const MSG_KEYS: [&str; 8] = [
    "chat_id",
    "created",
    "from_address",
    "from_name",
    "id",
    "mentions_me",
    "text",
    "web_url",
];

// ---- helpers -----------------------------------------------------------------------------------------------

/// Run `patchbay` with `env` and, when given, `stdin`.
async fn run_with(
    home: &Home,
    args: &[&str],
    env: &[(&str, &str)],
    stdin: Option<&[u8]>,
) -> Output {
    use tokio::io::AsyncWriteExt;
    let mut cmd = home.command(args);
    cmd.envs(env.iter().copied());
    if stdin.is_some() {
        cmd.stdin(std::process::Stdio::piped());
    }
    let mut child = cmd.spawn().unwrap();
    if let Some(bytes) = stdin {
        let mut pipe = child.stdin.take().unwrap();
        pipe.write_all(bytes).await.unwrap();
        drop(pipe);
    }
    tokio::time::timeout(LIMIT, child.wait_with_output())
        .await
        .expect("patchbay ends")
        .unwrap()
}

fn no_token(out: &Output) {
    for stream in [&out.stdout, &out.stderr] {
        assert_eq!(token_in(&text(stream)), None, "a token was printed");
    }
}

fn ok_json(out: &Output) -> Value {
    assert!(
        out.status.success(),
        "exit {:?}: {}",
        out.status.code(),
        text(&out.stderr)
    );
    no_token(out);
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(&out.stdout)))
}

/// The command failed with exit 1 and one error line, which it returns.
fn failed(out: &Output) -> String {
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    no_token(out);
    error_line(&text(&out.stderr))
}

fn keys(v: &Value) -> Vec<String> {
    let mut k: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
    k.sort();
    k
}

fn list<'a>(v: &'a Value, key: &str) -> &'a Vec<Value> {
    v[key].as_array().unwrap_or_else(|| panic!("{key} in {v}"))
}

fn instant(v: &Value) -> jiff::Timestamp {
    v["created"].as_str().unwrap().parse().unwrap()
}

/// Each one created no later than the one before it.
fn newest_first(messages: &[Value]) {
    for pair in messages.windows(2) {
        assert!(instant(&pair[0]) >= instant(&pair[1]), "{pair:?}");
    }
}

fn assert_msg(m: &Value, chat: Option<&str>) {
    let mut want: Vec<&str> = MSG_KEYS.to_vec();
    if chat.is_none() {
        want.retain(|k| *k != "chat_id");
    }
    let got = keys(m);
    let got: Vec<&str> = got
        .iter()
        .map(String::as_str)
        .filter(|k| *k != "replies")
        .collect();
    assert_eq!(got, want, "{m}");
    if let Some(chat) = chat {
        assert_eq!(m["chat_id"], chat, "{m}");
    }
    assert!(m["created"]
        .as_str()
        .unwrap()
        .parse::<jiff::Timestamp>()
        .is_ok());
    assert!(m["mentions_me"].is_boolean());
    assert!(!m["text"].as_str().unwrap().is_empty(), "{m}");
}

// ---- the sandbox -------------------------------------------------------------------------------------------

#[tokio::test]
async fn each_command_answers_in_the_fixed_interfaces_keys() {
    let home = Home::new();
    let sb = own_sandbox().await;
    let id = connect_teams(&home, &sb, ADELE, &[]).await;

    // Chats: Adele's four, latest message first, each with its members' addresses and last message.
    let v = ok_json(&home.run(&["teams", "chats", &id, "--json"]).await);
    assert_eq!(keys(&v), ["chats"]);
    let chats = list(&v, "chats");
    assert_eq!(chats.len(), 4, "{v}");
    for c in chats {
        assert_eq!(
            keys(c),
            [
                "chat_type",
                "id",
                "last_message",
                "members",
                "topic",
                "web_url"
            ],
            "{c}"
        );
        let members: Vec<&str> = list(c, "members")
            .iter()
            .map(|m| m.as_str().unwrap())
            .collect();
        assert!(members.contains(&ADELE), "{c}");
        assert_msg(&c["last_message"], c["id"].as_str());
    }
    let last: Vec<Value> = chats.iter().map(|c| c["last_message"].clone()).collect();
    newest_first(&last);
    let topics: Vec<&str> = chats.iter().filter_map(|c| c["topic"].as_str()).collect();
    assert!(
        topics.contains(&"Spring launch") && topics.contains(&"Weekly sync"),
        "{topics:?}"
    );
    let with_megan = chats
        .iter()
        .find(|c| c["chat_type"] == "oneOnOne" && list(c, "members").iter().any(|m| m == MEGAN))
        .unwrap();
    assert!(with_megan["topic"].is_null());
    assert_eq!(with_megan["last_message"]["from_address"], MEGAN);
    assert_eq!(
        with_megan["last_message"]["text"],
        "Are we still on for 3pm?"
    );

    // The same as a table a person reads: a one-on-one chat named by who else is in it.
    let out = home.run(&["teams", "chats", &id]).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    let table = text(&out.stdout);
    assert!(table.starts_with("CHAT"), "{table}");
    assert!(
        table.contains("Spring launch") && table.contains(MEGAN),
        "{table}"
    );
    assert!(!table.contains(&format!("{ADELE}, ")), "{table}");

    // A chat's messages, newest first.
    let spring = sb.control().teams_chat_id(ADELE, "Spring launch").unwrap();
    let v = ok_json(
        &home
            .run(&[
                "teams", "messages", &id, "--chat", &spring, "--top", "5", "--json",
            ])
            .await,
    );
    assert_eq!(keys(&v), ["messages"]);
    let messages = list(&v, "messages");
    assert_eq!(messages.len(), 5);
    for m in messages {
        assert_msg(m, Some(&spring));
        assert!(
            m["web_url"].as_str().unwrap().starts_with("https://"),
            "{m}"
        );
    }
    newest_first(messages);

    // Teams and their channels.
    let v = ok_json(&home.run(&["teams", "teams", &id, "--json"]).await);
    assert_eq!(keys(&v), ["teams"]);
    let teams = list(&v, "teams");
    let names: Vec<&str> = teams.iter().map(|t| t["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["Contoso Team", "Project Apollo"]);
    for t in teams {
        assert_eq!(keys(t), ["id", "name"]);
    }
    let contoso = teams[0]["id"].as_str().unwrap();
    let v = ok_json(
        &home
            .run(&["teams", "channels", &id, "--team", contoso, "--json"])
            .await,
    );
    assert_eq!(keys(&v), ["channels"]);
    let channels: Vec<&str> = list(&v, "channels")
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(channels, ["General", "Announcements"]);
    let out = home.run(&["teams", "teams", &id]).await;
    assert!(text(&out.stdout).contains("Project Apollo"));
    sb.shutdown().await;
}

#[tokio::test]
async fn messages_page_past_fifty_as_text_without_events_or_deletions() {
    let home = Home::new();
    let sb = own_sandbox().await;
    let id = connect_teams(&home, &sb, ADELE, &[]).await;
    let spring = sb.control().teams_chat_id(ADELE, "Spring launch").unwrap();
    // Sixty in the chat: two system events and one deleted message are not listed, so more than fifty takes a
    // second page and finds the 57 people wrote.
    let v = ok_json(
        &home
            .run(&[
                "teams", "messages", &id, "--chat", &spring, "--top", "100", "--json",
            ])
            .await,
    );
    let messages = list(&v, "messages");
    assert_eq!(messages.len(), 57, "{v}");
    newest_first(messages);
    let mut ids: Vec<&str> = messages.iter().map(|m| m["id"].as_str().unwrap()).collect();
    ids.dedup();
    assert_eq!(ids.len(), 57, "no message twice");
    for m in messages {
        assert_msg(m, Some(&spring));
        assert!(
            m["from_address"]
                .as_str()
                .unwrap()
                .ends_with("@contoso.example"),
            "{m}"
        );
        assert!(!m["text"].as_str().unwrap().contains('<'), "{m}");
    }
    // Six mention Adele, by her name.
    let mine: Vec<&Value> = messages
        .iter()
        .filter(|m| m["mentions_me"] == true)
        .collect();
    assert_eq!(mine.len(), 6);
    assert!(mine
        .iter()
        .all(|m| m["text"].as_str().unwrap().starts_with("Adele Vance ")));
    // The image in words; the edit as it reads now.
    let texts: Vec<&str> = messages
        .iter()
        .map(|m| m["text"].as_str().unwrap())
        .collect();
    assert!(
        texts.contains(&"Mock-up for the end caps\n\n[image]"),
        "{texts:?}"
    );
    assert!(texts.contains(&"Budget sheet updated with the final quotes."));
    // Exactly as many as asked, across the page boundary.
    let v = ok_json(
        &home
            .run(&[
                "teams", "messages", &id, "--chat", &spring, "--top", "51", "--json",
            ])
            .await,
    );
    assert_eq!(list(&v, "messages").len(), 51);
    assert_eq!(list(&v, "messages")[..], messages[..51]);

    // A received text body with markup in it is that text.
    let megan = sb.control().teams_chat_id(ADELE, MEGAN).unwrap();
    let v = ok_json(
        &home
            .run(&["teams", "messages", &id, "--chat", &megan, "--json"])
            .await,
    );
    let texts: Vec<&str> = list(&v, "messages")
        .iter()
        .map(|m| m["text"].as_str().unwrap())
        .collect();
    assert!(
        texts.contains(&"The <b>spring</b> banner needs your sign-off."),
        "{texts:?}"
    );
    // And a transcript for a person.
    let out = home
        .run(&["teams", "messages", &id, "--chat", &megan])
        .await;
    let transcript = text(&out.stdout);
    assert!(
        transcript.contains(&format!("Megan Bowen <{MEGAN}>")),
        "{transcript}"
    );
    assert!(
        transcript.contains("  The <b>spring</b> banner"),
        "{transcript}"
    );
    sb.shutdown().await;
}

#[tokio::test]
async fn a_sent_text_arrives_as_that_text_and_to_reuses_the_one_on_one_chat() {
    let home = Home::new();
    let sb = own_sandbox().await;
    let id = connect_teams(&home, &sb, ADELE, &[]).await;
    let with_megan = sb.control().teams_chat_id(ADELE, MEGAN).unwrap();

    // To a chat, markup and entities as typed.
    let typed = "The <b>spring</b> banner & <i>more</i> &amp; 'quotes'";
    let v = ok_json(
        &home
            .run(&[
                "teams",
                "send",
                &id,
                "--chat",
                &with_megan,
                "--text",
                typed,
                "--json",
            ])
            .await,
    );
    assert_eq!(keys(&v), ["chat_id", "id", "web_url"]);
    assert_eq!(v["chat_id"], with_megan.as_str());
    assert!(
        v["web_url"]
            .as_str()
            .unwrap()
            .starts_with("https://teams.microsoft.com/"),
        "{v}"
    );
    let sent = sb.control().teams_sent(ADELE).unwrap();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].content_type, "text");
    assert_eq!(sent[0].content, typed);
    assert_eq!(sent[0].message_id, v["id"].as_str().unwrap());
    // Read back, it is the newest message, with that text.
    let back = ok_json(
        &home
            .run(&[
                "teams",
                "messages",
                &id,
                "--chat",
                &with_megan,
                "--top",
                "1",
                "--json",
            ])
            .await,
    );
    assert_eq!(list(&back, "messages")[0]["text"], typed);
    assert_eq!(list(&back, "messages")[0]["from_address"], ADELE);

    // To a person: the one-on-one chat there is, not a new one; from stdin, one final newline dropped.
    let v = ok_json(
        &run_with(
            &home,
            &[
                "teams",
                "send",
                &id,
                "--to",
                &MEGAN.to_uppercase(),
                "--text-stdin",
                "--json",
            ],
            &[],
            Some("Line one\nLine two\n".as_bytes()),
        )
        .await,
    );
    assert_eq!(v["chat_id"], with_megan.as_str());
    ok_json(
        &home
            .run(&[
                "teams", "send", &id, "--to", ALEX, "--text", "Hi Alex", "--json",
            ])
            .await,
    );
    let sent = sb.control().teams_sent(ADELE).unwrap();
    assert_eq!(sent.len(), 3);
    assert_eq!(sent[1].content, "Line one\nLine two");
    assert_eq!(
        sent[2].chat_id.as_deref(),
        Some(sb.control().teams_chat_id(ADELE, ALEX).unwrap().as_str())
    );
    let chats = ok_json(&home.run(&["teams", "chats", &id, "--json"]).await);
    assert_eq!(list(&chats, "chats").len(), 4, "no chat was started");

    // To a channel, and a reply to a post there.
    let (team, general) = sb
        .control()
        .teams_channel_ids(ADELE, "Contoso Team", "General")
        .unwrap();
    let channel = format!("{team}/{general}");
    let v = ok_json(
        &home
            .run(&[
                "teams",
                "send",
                &id,
                "--channel",
                &channel,
                "--text",
                "<h1>Big</h1>",
                "--json",
            ])
            .await,
    );
    assert_eq!(keys(&v), ["id", "web_url"], "no chat_id for a channel");
    let post = v["id"].as_str().unwrap().to_string();
    let out = home
        .run(&[
            "teams",
            "send",
            &id,
            "--channel",
            &channel,
            "--reply-to",
            &post,
            "--text",
            "Reply",
        ])
        .await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).starts_with("Sent in the channel."),
        "{}",
        text(&out.stdout)
    );
    let sent = sb.control().teams_sent(ADELE).unwrap();
    assert_eq!(
        (sent[3].kind, sent[3].content.as_str()),
        ("channel", "<h1>Big</h1>")
    );
    assert_eq!(sent[4].reply_to.as_deref(), Some(post.as_str()));
    assert!(sent.iter().all(|s| s.content_type == "text"));
    sb.shutdown().await;
}

#[tokio::test]
async fn what_cannot_be_sent_is_refused_before_anything_is_sent() {
    let home = Home::new();
    let sb = own_sandbox().await;
    let id = connect_teams(&home, &sb, ADELE, &[]).await;
    let chat = sb.control().teams_chat_id(ADELE, MEGAN).unwrap();
    let before = sb.control().stats().graph_requests;

    // Over 28 KB, as an argument or on stdin.
    let long = "x".repeat(28 * 1024 + 1);
    let line = failed(
        &home
            .run(&["teams", "send", &id, "--chat", &chat, "--text", &long])
            .await,
    );
    assert!(
        line.contains("more than Teams takes in one message (28 KB)"),
        "{line}"
    );
    assert!(line.contains("nothing was sent"), "{line}");
    let line = failed(
        &run_with(
            &home,
            &["teams", "send", &id, "--to", MEGAN, "--text-stdin"],
            &[],
            Some("€".repeat(10_000).as_bytes()),
        )
        .await,
    );
    assert!(line.contains("30 KB"), "{line}");
    // Not UTF-8, empty, or not an address.
    let line = failed(
        &run_with(
            &home,
            &["teams", "send", &id, "--chat", &chat, "--text-stdin"],
            &[],
            Some(&[0xff, 0xfe, b'a']),
        )
        .await,
    );
    assert!(line.contains("not UTF-8"), "{line}");
    let line = failed(
        &home
            .run(&["teams", "send", &id, "--chat", &chat, "--text", "  "])
            .await,
    );
    assert!(line.contains("The text is empty"), "{line}");
    let line = failed(
        &home
            .run(&["teams", "send", &id, "--to", "megan", "--text", "hi"])
            .await,
    );
    assert!(line.contains("is not a person's address"), "{line}");
    assert_eq!(
        sb.control().stats().graph_requests,
        before,
        "Graph was never asked"
    );
    assert!(sb.control().teams_sent(ADELE).unwrap().is_empty());

    // Two places, or none: clap's usage error.
    let usage = home
        .run(&[
            "teams", "send", &id, "--chat", &chat, "--to", MEGAN, "--text", "x",
        ])
        .await;
    assert_eq!(usage.status.code(), Some(2));
    let usage = home.run(&["teams", "send", &id, "--text", "x"]).await;
    assert_eq!(usage.status.code(), Some(2));
    // A chat this account is not in.
    let lunch = sb.control().teams_chat_id(MEGAN, "Lunch crew").unwrap();
    let line = failed(
        &home
            .run(&["teams", "send", &id, "--chat", &lunch, "--text", "hi"])
            .await,
    );
    assert!(line.contains("not a member of the chat"), "{line}");
    // A person who is not in the organisation.
    let line = failed(
        &home
            .run(&[
                "teams",
                "send",
                &id,
                "--to",
                "nobody@contoso.example",
                "--text",
                "hi",
            ])
            .await,
    );
    assert!(
        line.contains("There is no nobody@contoso.example in your organisation's Teams"),
        "{line}"
    );
    assert!(sb.control().teams_sent(ADELE).unwrap().is_empty());
    sb.shutdown().await;
}

#[tokio::test]
async fn channel_messages_need_the_permission_an_administrator_approves() {
    let home = Home::new();
    let sb = own_sandbox().await;
    let id = connect_teams(&home, &sb, ADELE, &[]).await;
    let (team, general) = sb
        .control()
        .teams_channel_ids(ADELE, "Contoso Team", "General")
        .unwrap();
    let channel = format!("{team}/{general}");
    let line = failed(
        &home
            .run(&["teams", "messages", &id, "--channel", &channel])
            .await,
    );
    assert!(line.contains("ChannelMessage.Read.All"), "{line}");
    assert!(
        line.contains("only an administrator can approve it"),
        "{line}"
    );
    assert!(line.contains("Read channel messages"), "{line}");

    // Once an administrator approved it, a connection made with it reads the posts and their replies.
    admin_consent(&sb).await;
    let reader = connect_teams_at(
        &home,
        &sb,
        sb.graph_url().as_str(),
        ADELE,
        &["--features", "read_channel_messages", "--name", "Channels"],
    )
    .await;
    let v = ok_json(
        &home
            .run(&[
                "teams",
                "messages",
                &reader,
                "--channel",
                &channel,
                "--json",
            ])
            .await,
    );
    let posts = list(&v, "messages");
    assert_eq!(posts.len(), 5, "six demo posts, one a system event: {v}");
    for p in posts {
        assert_msg(p, None);
        assert!(p["web_url"]
            .as_str()
            .unwrap()
            .starts_with("https://teams.microsoft.com/l/message/"));
        for r in list(p, "replies") {
            assert_msg(r, None);
        }
    }
    let welcome = posts
        .iter()
        .find(|p| p["text"] == "Welcome to the Contoso Team channel!")
        .unwrap();
    let replies: Vec<&str> = list(welcome, "replies")
        .iter()
        .map(|r| r["text"].as_str().unwrap())
        .collect();
    assert_eq!(
        replies,
        ["Hello everyone!", "Glad to be here."],
        "newest first"
    );
    let standup = posts
        .iter()
        .find(|p| p["mentions_me"] == true)
        .expect("the post that mentions Adele");
    assert!(standup["text"]
        .as_str()
        .unwrap()
        .starts_with("Adele Vance can you confirm"));
    assert_eq!(standup["from_name"], "Alex Wilber");
    // The transcript puts the replies under their post.
    let out = home
        .run(&["teams", "messages", &reader, "--channel", &channel])
        .await;
    assert!(
        text(&out.stdout).contains("\n      Glad to be here."),
        "{}",
        text(&out.stdout)
    );
    sb.shutdown().await;
}

#[tokio::test]
async fn throttling_is_waited_out_not_failed() {
    let home = Home::new();
    let sb = own_sandbox().await;
    let id = connect_teams(&home, &sb, ADELE, &[]).await;
    let spring = sb.control().teams_chat_id(ADELE, "Spring launch").unwrap();
    // One read of messages a second: the second page is answered 429 with Retry-After, and waited for.
    sb.control().set_teams_rate_limit(true, Some(1), Some(1));
    let out = run_with(
        &home,
        &[
            "teams", "messages", &id, "--chat", &spring, "--top", "100", "--json",
        ],
        &[("PATCHBAY_LOG", "patchbay_core::graph::session=debug")],
        None,
    )
    .await;
    let v = ok_json(&out);
    assert_eq!(list(&v, "messages").len(), 57);
    let log = text(&out.stderr);
    assert!(
        log.lines()
            .any(|l| l.contains("Graph asked to wait") && l.contains("429")),
        "{log}"
    );
    sb.control().set_teams_rate_limit(false, None, None);
    sb.shutdown().await;
}

#[tokio::test]
async fn other_connections_and_personal_accounts_are_refused_in_words() {
    let home = Home::new();
    let sb = own_sandbox().await;
    let mail = connect_to(&home, &sb, ADELE).await;
    for args in [
        vec!["teams", "chats", mail.as_str()],
        vec![
            "teams",
            "send",
            mail.as_str(),
            "--to",
            MEGAN,
            "--text",
            "hi",
        ],
    ] {
        let line = failed(&home.run(&args).await);
        assert!(
            line.contains("is a Microsoft Outlook 365 connection"),
            "{line}"
        );
        assert!(
            line.contains("`patchbay teams` works with Microsoft Teams connections"),
            "{line}"
        );
    }
    let line = failed(&home.run(&["teams", "chats", "no such connection"]).await);
    assert!(line.contains("There is no connection"), "{line}");

    // Teams is for work or school accounts: a personal account is refused before any sign-in.
    let authority = sb.authority("consumers").to_string();
    let graph = sb.graph_url().to_string();
    let before = sb.control().stats().authorize_requests;
    let out = run_with(
        &home,
        &[
            "connect",
            "--connector",
            "teams",
            "--environment",
            "custom",
            "--authority",
            &authority,
            "--graph-url",
            &graph,
            "--tenant",
            "consumers",
            "--no-browser",
        ],
        &[],
        None,
    )
    .await;
    let line = failed(&out);
    assert!(
        line.contains("Microsoft Teams is not for personal Microsoft accounts"),
        "{line}"
    );
    assert!(line.contains("work or school account"), "{line}");
    assert!(
        text(&out.stdout).is_empty(),
        "no sign-in URL: {}",
        text(&out.stdout)
    );
    assert_eq!(sb.control().stats().authorize_requests, before);
    assert_eq!(home.list().await.len(), 1);
    sb.shutdown().await;
}

// ---- Graph's rules, held by a strict stand-in ---------------------------------------------------------------

#[tokio::test]
async fn pages_and_filters_follow_graphs_rules() {
    let home = Home::new();
    let sb = own_sandbox().await;
    let adele = sb.control().users()[0].id.clone();
    let stand_in = strict::Strict::start(sb.base_url().as_str(), &adele).await;
    let id = connect_teams_at(&home, &sb, &stand_in.graph_url(), ADELE, &[]).await;

    // 130 messages: 120 take three pages (50, 50, then 50 of which 20 are kept), each link followed as given.
    let v = ok_json(
        &home
            .run(&[
                "teams",
                "messages",
                &id,
                "--chat",
                strict::CHAT,
                "--top",
                "120",
                "--json",
            ])
            .await,
    );
    let messages = list(&v, "messages");
    assert_eq!(messages.len(), 120);
    newest_first(messages);
    assert_eq!(messages[0]["id"], "m130");
    assert_eq!(messages[119]["id"], "m11");
    assert_eq!(stand_in.pages(), 3);
    // A sender who left the chat: her address from the directory.
    let left = messages.iter().find(|m| m["id"] == "m125").unwrap();
    assert_eq!(left["from_address"], strict::LEFT_ADDRESS, "{left}");
    assert_eq!(
        stand_in.directory_lookups(),
        1,
        "looked up once, in one batch"
    );

    // Changed since a time: ordered and filtered on lastModifiedDateTime, every page.
    let v = ok_json(
        &home
            .run(&[
                "teams",
                "messages",
                &id,
                "--chat",
                strict::CHAT,
                "--since",
                strict::SINCE,
                "--top",
                "1000",
                "--json",
            ])
            .await,
    );
    let ids: Vec<&str> = list(&v, "messages")
        .iter()
        .map(|m| m["id"].as_str().unwrap())
        .collect();
    let mut want: Vec<String> = (101..=130).rev().map(|i| format!("m{i}")).collect();
    want.push("m3".into());
    assert_eq!(
        ids, want,
        "the newer ones and the old one edited since, newest first"
    );
    assert!(
        stand_in.violations().is_empty(),
        "{:?}",
        stand_in.violations()
    );
    sb.shutdown().await;
}

#[tokio::test]
async fn to_finds_the_chat_on_a_later_page_or_starts_one() {
    let home = Home::new();
    let sb = own_sandbox().await;
    let adele = sb.control().users()[0].id.clone();
    let stand_in = strict::Strict::start(sb.base_url().as_str(), &adele).await;
    let id = connect_teams_at(&home, &sb, &stand_in.graph_url(), ADELE, &[]).await;

    // The one-on-one chats take two pages; the one with person 57 is on the second.
    let v = ok_json(
        &home
            .run(&[
                "teams",
                "send",
                &id,
                "--to",
                &strict::person(57),
                "--text",
                "Hi",
                "--json",
            ])
            .await,
    );
    assert_eq!(v["chat_id"], strict::one_on_one(57));
    assert_eq!(stand_in.created(), 0, "the existing chat is used");

    // Someone with no chat yet: one is started, then used.
    let new = "newcomer@contoso.example";
    let v = ok_json(
        &home
            .run(&[
                "teams",
                "send",
                &id,
                "--to",
                new,
                "--text",
                "Welcome <b>aboard</b>",
                "--json",
            ])
            .await,
    );
    let started = v["chat_id"].as_str().unwrap().to_string();
    assert_eq!(stand_in.created(), 1);
    let v = ok_json(
        &home
            .run(&[
                "teams", "send", &id, "--to", new, "--text", "Again", "--json",
            ])
            .await,
    );
    assert_eq!(v["chat_id"], started.as_str());
    assert_eq!(stand_in.created(), 1, "found the second time");
    assert_eq!(
        stand_in.sent(),
        [
            (strict::one_on_one(57), "Hi".to_string()),
            (started.clone(), "Welcome <b>aboard</b>".to_string()),
            (started, "Again".to_string())
        ]
    );
    assert!(
        stand_in.violations().is_empty(),
        "{:?}",
        stand_in.violations()
    );
    sb.shutdown().await;
}
