//! A Microsoft Teams connection's preview against the sandbox's Graph over real HTTP: the recent chats (with their
//! members and last message as text) and the teams joined in one round trip; a chat opened for its newest messages
//! and "Load more" through all of them; a team's channels; the chats and teams an automation's form offers; a
//! section refused on its own.

mod common;

use common::*;
use patchbay_core::catalogue::AuthType;
use patchbay_core::model::{ConnectRequest, ConnectionSummary};
use patchbay_core::preview::{
    ChatItem, ChatLine, Preview, PreviewOptions, ProblemKind, SectionBody, SectionContent,
    SectionProblem, TeamItem,
};
use std::collections::HashSet;

const CONNECTOR: &str = "teams";
/// How many messages people wrote in "Spring launch" and are still there (58, one deleted; two system events).
const SPRING_SHOWN: usize = 57;

async fn harness() -> Harness {
    Harness::new().await
}

async fn connect(h: &Harness) -> ConnectionSummary {
    let req = ConnectRequest {
        connector_id: CONNECTOR.into(),
        ..h.request(AuthType::BuiltInApp)
    };
    h.connect_as(req, ADELE).await
}

fn graph_requests(h: &Harness) -> u64 {
    h.sandbox.control().stats().graph_requests
}

fn content<'a>(p: &'a Preview, id: &str) -> &'a SectionContent {
    match &p
        .section(id)
        .unwrap_or_else(|| panic!("no section {id}"))
        .body
    {
        SectionBody::Loaded { content } => content,
        other => panic!("{id} did not load: {other:?}"),
    }
}

fn problem<'a>(p: &'a Preview, id: &str) -> &'a SectionProblem {
    match &p
        .section(id)
        .unwrap_or_else(|| panic!("no section {id}"))
        .body
    {
        SectionBody::Failed { problem } => problem,
        other => panic!("{id} did not fail: {other:?}"),
    }
}

fn chats(p: &Preview) -> &[ChatItem] {
    match content(p, "recent_chats") {
        SectionContent::Chats { items, .. } => items,
        other => panic!("recent_chats: {other:?}"),
    }
}

fn teams(p: &Preview) -> &[TeamItem] {
    match content(p, "joined_teams") {
        SectionContent::Teams { items, .. } => items,
        other => panic!("joined_teams: {other:?}"),
    }
}

fn titled<'a>(chats: &'a [ChatItem], title: &str) -> &'a ChatItem {
    chats
        .iter()
        .find(|c| c.title == title)
        .unwrap_or_else(|| panic!("no chat {title}"))
}

fn last(chat: &ChatItem) -> &ChatLine {
    chat.last_message
        .as_ref()
        .unwrap_or_else(|| panic!("{} has no last message", chat.title))
}

fn newest_first(lines: &[ChatLine]) -> bool {
    let at: Vec<jiff::Timestamp> = lines
        .iter()
        .map(|m| m.created.as_deref().unwrap().parse().unwrap())
        .collect();
    at.windows(2).all(|w| w[0] >= w[1])
}

#[tokio::test]
async fn the_teams_preview_is_one_round_trip_of_the_chats_and_the_teams() {
    let h = harness().await;
    let c = connect(&h).await;
    let before = graph_requests(&h);
    let p = h
        .core
        .preview(&c.id, PreviewOptions::default())
        .await
        .unwrap();
    assert_eq!(graph_requests(&h) - before, 1, "one $batch");
    let ids: Vec<&str> = p.sections.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(ids, ["recent_chats", "joined_teams"]);
    assert_eq!(p.section("recent_chats").unwrap().title, "Recent chats");
    assert_eq!(
        p.section("joined_teams").unwrap().title,
        "Teams and channels"
    );
    // No mailbox: this computer's zone, and nothing wrong with that.
    assert!(!p.time_zone.from_mailbox && p.time_zone.problem.is_none());

    // Adele's chats, the latest message first; a one-on-one named after the other person; not Megan and Alex's.
    let chats = chats(&p);
    let titles: Vec<&str> = chats.iter().map(|c| c.title.as_str()).collect();
    assert_eq!(
        titles,
        ["Megan Bowen", "Spring launch", "Alex Wilber", "Weekly sync"]
    );
    let megan = titled(chats, "Megan Bowen");
    assert_eq!(megan.topic, None);
    assert_eq!(megan.chat_type.as_deref(), Some("oneOnOne"));
    let members: Vec<(Option<&str>, Option<&str>)> = megan
        .members
        .iter()
        .map(|m| (m.name.as_deref(), m.address.as_deref()))
        .collect();
    assert_eq!(
        members,
        [(Some("Megan Bowen"), Some("megan@contoso.example"))]
    );
    let line = last(megan);
    assert_eq!(line.text, "Are we still on for 3pm?");
    assert_eq!(line.from_name.as_deref(), Some("Megan Bowen"));
    assert_eq!(line.from_address.as_deref(), Some("megan@contoso.example"));
    assert!(!line.from_me);
    assert!(line.created.is_some());
    assert!(megan.web_url.as_deref().unwrap().starts_with("https://"));

    let spring = titled(chats, "Spring launch");
    assert_eq!(spring.chat_type.as_deref(), Some("group"));
    let names: Vec<&str> = spring
        .members
        .iter()
        .filter_map(|m| m.name.as_deref())
        .collect();
    assert_eq!(names, ["Megan Bowen", "Alex Wilber"], "Adele is not listed");
    let line = last(spring);
    assert_eq!(line.text, "Training deck is uploaded.");
    assert!(line.from_me, "Adele wrote it");
    assert_eq!(
        titled(chats, "Weekly sync").chat_type.as_deref(),
        Some("meeting")
    );
    for chat in chats {
        let text = &last(chat).text;
        assert!(!text.contains("<p>") && !text.contains("</"), "{text}");
    }
    let times: Vec<jiff::Timestamp> = chats
        .iter()
        .map(|c| last(c).created.as_deref().unwrap().parse().unwrap())
        .collect();
    assert!(times.windows(2).all(|w| w[0] >= w[1]), "latest first");

    let names: Vec<Option<&str>> = teams(&p).iter().map(|t| t.name.as_deref()).collect();
    assert_eq!(names, [Some("Contoso Team"), Some("Project Apollo")]);
    assert_eq!(h.core.cached_preview(&c.id), Some(p));
}

#[tokio::test]
async fn a_chat_opens_at_its_newest_messages_and_load_more_reads_each_message_once() {
    let h = harness().await;
    let c = connect(&h).await;
    let p = h
        .core
        .preview(&c.id, PreviewOptions::default())
        .await
        .unwrap();
    let spring = titled(chats(&p), "Spring launch").id.clone();

    let before = graph_requests(&h);
    let first = h.core.open_chat(&c.id, &spring).await.unwrap();
    assert_eq!(
        graph_requests(&h) - before,
        1,
        "the chat and its messages in one $batch"
    );
    assert_eq!(first.chat_id, spring);
    // A page of 20, less the one deleted among them.
    assert_eq!(first.items.len(), 19);
    assert_eq!(first.items[0].text, "Training deck is uploaded.");
    assert!(first.items[0].from_me);
    assert!(newest_first(&first.items));

    let mut all = first.items.clone();
    let mut next = first.next_link.clone();
    while let Some(link) = next {
        let page = h.core.more_chat(&c.id, &spring, &link).await.unwrap();
        assert_eq!(page.chat_id, spring);
        all.extend(page.items);
        next = page.next_link;
    }
    assert_eq!(
        all.len(),
        SPRING_SHOWN,
        "people's messages, none deleted, no system event"
    );
    assert_eq!(
        all.iter().map(|m| &m.id).collect::<HashSet<_>>().len(),
        SPRING_SHOWN,
        "each message once"
    );
    assert!(newest_first(&all));
    // Senders' addresses come from the chat's members, on every page.
    for m in &all {
        assert!(
            m.from_address
                .as_deref()
                .unwrap()
                .ends_with("@contoso.example"),
            "{m:?}"
        );
        assert!(
            m.web_url.as_deref().unwrap().starts_with("https://"),
            "{m:?}"
        );
    }
    // Mentions of Adele read as her name and say so; the image is said in words; the edit shows its new text.
    let mentions: Vec<&ChatLine> = all.iter().filter(|m| m.mentions_me).collect();
    assert!(!mentions.is_empty());
    for m in mentions {
        assert!(m.text.starts_with("Adele Vance "), "{}", m.text);
    }
    assert!(all
        .iter()
        .any(|m| m.text == "Mock-up for the end caps\n\n[image]"));
    assert!(all
        .iter()
        .any(|m| m.text == "Budget sheet updated with the final quotes."));

    // A text body stays that text: its <b> is three characters, not bold.
    let megan = titled(chats(&p), "Megan Bowen").id.clone();
    let page = h.core.open_chat(&c.id, &megan).await.unwrap();
    assert!(page
        .items
        .iter()
        .any(|m| m.text == "The <b>spring</b> banner needs your sign-off."));
    assert_eq!(page.items.len(), 8);
    assert!(page.next_link.is_none());

    // A chat Adele is not in is refused in words.
    let e = h
        .core
        .open_chat(&c.id, "19:nowhere@thread.v2")
        .await
        .unwrap_err();
    assert!(!e.title.is_empty() && !e.message.is_empty(), "{e:?}");
}

#[tokio::test]
async fn teams_open_for_their_channels_and_the_form_has_chats_and_teams_to_pick() {
    let h = harness().await;
    let c = connect(&h).await;
    let teams = h.core.team_choices(&c.id).await.unwrap();
    let names: Vec<Option<&str>> = teams.iter().map(|t| t.name.as_deref()).collect();
    assert_eq!(names, [Some("Contoso Team"), Some("Project Apollo")]);
    let channels = |i: usize| {
        let core = h.core.clone();
        let (id, team) = (c.id.clone(), teams[i].id.clone());
        async move { core.team_channels(&id, &team).await.unwrap() }
    };
    let contoso: Vec<Option<String>> = channels(0).await.into_iter().map(|c| c.name).collect();
    assert_eq!(
        contoso,
        [
            Some("General".to_string()),
            Some("Announcements".to_string())
        ]
    );
    let apollo = channels(1).await;
    let names: Vec<&str> = apollo.iter().filter_map(|c| c.name.as_deref()).collect();
    assert_eq!(names, ["General", "Design", "Launch"]);
    assert!(apollo.iter().all(|c| c.id.ends_with("@thread.tacv2")));

    let picked = h.core.chat_choices(&c.id).await.unwrap();
    let titles: Vec<&str> = picked.iter().map(|c| c.title.as_str()).collect();
    assert_eq!(
        titles,
        ["Megan Bowen", "Spring launch", "Alex Wilber", "Weekly sync"]
    );

    let e = h
        .core
        .team_channels(&c.id, "00000000-0000-0000-0000-000000000000")
        .await
        .unwrap_err();
    assert!(!e.title.is_empty(), "{e:?}");
}

#[tokio::test]
async fn teams_refused_leave_the_chats_and_name_the_permission() {
    let h = harness().await;
    h.sandbox
        .control()
        .deny_scopes(
            &h.core.builtin_app().client_id,
            vec!["Team.ReadBasic.All".into()],
        )
        .unwrap();
    let c = connect(&h).await;
    let before = graph_requests(&h);
    let p = h
        .core
        .preview(&c.id, PreviewOptions::default())
        .await
        .unwrap();
    assert_eq!(chats(&p).len(), 4);
    let problem = problem(&p, "joined_teams");
    assert_eq!(problem.kind, ProblemKind::MissingPermission);
    assert_eq!(problem.permission.as_deref(), Some("Team.ReadBasic.All"));
    assert_eq!(
        problem.title,
        "The list of your teams needs permission Team.ReadBasic.All."
    );
    assert!(problem.detail.is_some());
    // One $batch: a permission refused is the section's own answer, not sent again.
    assert_eq!(graph_requests(&h) - before, 1);
}

#[tokio::test]
async fn chats_refused_leave_the_teams_and_name_the_permission() {
    let h = harness().await;
    h.sandbox
        .control()
        .deny_scopes(
            &h.core.builtin_app().client_id,
            vec!["Chat.ReadWrite".into()],
        )
        .unwrap();
    let c = connect(&h).await;
    let p = h
        .core
        .preview(&c.id, PreviewOptions::default())
        .await
        .unwrap();
    assert_eq!(teams(&p).len(), 2);
    let problem = problem(&p, "recent_chats");
    assert_eq!(problem.kind, ProblemKind::MissingPermission);
    assert_eq!(problem.permission.as_deref(), Some("Chat.Read"));
    assert_eq!(
        problem.title,
        "The list of your chats needs permission Chat.Read."
    );
}
