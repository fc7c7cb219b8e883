//! The demo chats: "Spring launch", three one-on-ones, the "Weekly sync" meeting chat and "Lunch crew".

use jiff::Timestamp;

use super::ids::{group_chat_id, meeting_chat_id, one_on_one_id};
use super::people::member;
use super::writer::{at, Writer};
use super::{LUNCH_CREW, SPRING_LAUNCH, WEEKLY_SYNC};
use crate::graph::teams::model::{Chat, ChatType, Event, Meeting, Member, Msg, Person, Teams};

const SPRING_LINES: &[&str] = &[
    "Morning! Draft timeline is in the tracker.",
    "Can we move the review to Thursday?",
    "Thursday works for me.",
    "Signage proofs came back from the printer.",
    "Please check the store list before Friday.",
    "Budget sheet updated with the new quotes.",
    "Who owns the window displays?",
    "I'll take the window displays.",
    "Shared the photos from the pilot store.",
    "Loyalty cards arrive next week.",
    "The pilot numbers look good so far.",
    "Reminder: training deck due Monday.",
    "Training deck is uploaded.",
    "Does the launch email need legal review?",
    "Yes, legal wants to see it first.",
];

/// Lay out the demo chats, in the order Teams lists them by creation. Hosted content URLs are stored relative
/// to [`BASE`](super::BASE): the base URL is filled in when a body is rendered.
pub(super) fn build(
    t: &mut Teams,
    anchor: Timestamp,
    adele: &Person,
    megan: &Person,
    alex: &Person,
) {
    // "Spring launch": 60 messages over the last three weeks.
    let spring = group_chat_id(SPRING_LAUNCH);
    let mut w = Writer::new(t, format!("chats/{spring}"));
    let start = 21 * 24 * 60;
    w.event(
        at(anchor, start, 120),
        Event::MembersAdded {
            initiator: adele.clone(),
            members: vec![megan.clone(), alex.clone()],
        },
    );
    w.event(
        at(anchor, start - 2, 317),
        Event::ChatRenamed {
            initiator: adele.clone(),
            topic: SPRING_LAUNCH.into(),
        },
    );
    let people = [adele, megan, alex];
    let mut edited = String::new();
    let mut deleted = String::new();
    for i in 0..58i64 {
        let when = at(anchor, start - 60 - i * 510, (i * 137) % 1000);
        let from = people[(i % 3) as usize];
        let line = SPRING_LINES[(i as usize) % SPRING_LINES.len()];
        let id = if i % 9 == 4 && from.id != adele.id {
            w.mention(when, from, adele, line)
        } else if i % 9 == 4 {
            w.mention(when, from, megan, line)
        } else if i == 20 {
            w.with_image(when, megan, "Mock-up for the end caps", "spring-mockup")
        } else {
            w.html(when, from, line)
        };
        if i == 30 {
            edited = id;
        } else if i == 41 {
            deleted = id;
        }
    }
    w.edit(
        &edited,
        at(anchor, start - 60 - 30 * 510 - 5, 0),
        "Budget sheet updated with the final quotes.",
    );
    w.delete(&deleted, at(anchor, start - 60 - 41 * 510 - 3, 0));
    let messages = std::mem::take(&mut w.messages);
    let members = [adele, megan, alex]
        .iter()
        .map(|p| member(&spring, p))
        .collect();
    push_chat(
        t,
        spring,
        ChatType::Group,
        Some(SPRING_LAUNCH),
        at(anchor, start, 0),
        members,
        None,
        messages,
    );

    // Adele and Megan, one-on-one.
    one_on_one(t, adele, megan, at(anchor, 3 * 24 * 60 - 31, 0), |w| {
        let lines: [(&Person, &str, bool); 8] = [
            (megan, "Hi Adele, got a minute?", false),
            (adele, "Sure, what's up?", false),
            (
                megan,
                "The <b>spring</b> banner needs your sign-off.",
                false,
            ),
            (adele, "Looks great, approved.", true),
            (megan, "Thanks! Sending it to print.", false),
            (adele, "Can you also order the shelf talkers?", false),
            (megan, "Ordered, they ship Tuesday.", true),
            (megan, "Are we still on for 3pm?", false),
        ];
        for (i, (from, text, html)) in lines.iter().enumerate() {
            let when = at(
                anchor,
                3 * 24 * 60 - (i as i64) * 500 - 30,
                (i as i64 * 211) % 1000,
            );
            if *html {
                w.html(when, from, text);
            } else {
                w.text(when, from, text);
            }
        }
    });

    // Adele and Alex, one-on-one, with an image.
    one_on_one(t, adele, alex, at(anchor, 2 * 24 * 60 - 1, 0), |w| {
        w.text(
            at(anchor, 2 * 24 * 60, 44),
            alex,
            "Here is the shelf photo.",
        );
        w.with_image(
            at(anchor, 2 * 24 * 60 - 1, 402),
            alex,
            "Aisle 4 after the reset",
            "aisle-4",
        );
        w.html(
            at(anchor, 2 * 24 * 60 - 20, 918),
            adele,
            "Perfect, thank you!",
        );
    });

    // Megan and Alex, one-on-one.
    one_on_one(t, megan, alex, at(anchor, 26 * 60, 0), |w| {
        w.text(at(anchor, 26 * 60, 5), alex, "Coffee later?");
        w.text(at(anchor, 26 * 60 - 4, 77), megan, "Yes, 4pm.");
    });

    // "Weekly sync": a meeting's chat.
    let sync = meeting_chat_id(WEEKLY_SYNC);
    let mut w = Writer::new(t, format!("chats/{sync}"));
    let notes = [
        (adele, "Agenda: launch status, staffing, open questions."),
        (megan, "Staffing plan is in the Planner board."),
        (alex, "I'll be five minutes late."),
        (adele, "Notes are in OneNote, thanks all."),
        (megan, "Action items sent by mail."),
    ];
    for (i, (from, text)) in notes.iter().enumerate() {
        w.html(
            at(anchor, 4 * 24 * 60 - (i as i64) * 7, (i as i64 * 97) % 1000),
            from,
            text,
        );
    }
    let messages = std::mem::take(&mut w.messages);
    let meeting = Meeting {
        calendar_event_id: crate::graph::ids::item_id(&["teams-meeting-event", WEEKLY_SYNC]),
        join_url: format!(
            "https://teams.microsoft.com/l/meetup-join/{}/0?context=%7b%22Tid%22%3a%22{}%22%2c%22Oid%22%3a%22{}%22%7d",
            crate::graph::odata::percent_encode(&sync),
            crate::DEMO_TENANT_ID,
            adele.id
        ),
        organizer: adele.clone(),
    };
    let members = [adele, megan, alex]
        .iter()
        .map(|p| member(&sync, p))
        .collect();
    push_chat(
        t,
        sync,
        ChatType::Meeting,
        Some(WEEKLY_SYNC),
        at(anchor, 4 * 24 * 60 + 10, 0),
        members,
        Some(meeting),
        messages,
    );

    // "Lunch crew": Megan and Alex only.
    let lunch = group_chat_id(LUNCH_CREW);
    let mut w = Writer::new(t, format!("chats/{lunch}"));
    w.html(at(anchor, 5 * 60, 10), megan, "Tacos today?");
    w.html(at(anchor, 5 * 60 - 2, 620), alex, "Always.");
    w.html(
        at(anchor, 5 * 60 - 3, 14),
        megan,
        "Meet at the lobby at noon.",
    );
    w.html(at(anchor, 5 * 60 - 9, 555), alex, "On my way.");
    let messages = std::mem::take(&mut w.messages);
    let members = vec![member(&lunch, megan), member(&lunch, alex)];
    push_chat(
        t,
        lunch,
        ChatType::Group,
        Some(LUNCH_CREW),
        at(anchor, 5 * 60 + 1, 0),
        members,
        None,
        messages,
    );
}

/// A one-on-one chat of `a` and `b` (members in that order), created at `created`, its messages written by
/// `write`.
fn one_on_one(
    t: &mut Teams,
    a: &Person,
    b: &Person,
    created: Timestamp,
    write: impl FnOnce(&mut Writer<'_>),
) {
    let id = one_on_one_id(&a.id, &b.id);
    let mut w = Writer::new(t, format!("chats/{id}"));
    write(&mut w);
    let messages = std::mem::take(&mut w.messages);
    let members = vec![member(&id, a), member(&id, b)];
    push_chat(
        t,
        id,
        ChatType::OneOnOne,
        None,
        created,
        members,
        None,
        messages,
    );
}

#[allow(clippy::too_many_arguments)]
fn push_chat(
    t: &mut Teams,
    id: String,
    chat_type: ChatType,
    topic: Option<&str>,
    created: Timestamp,
    members: Vec<Member>,
    meeting: Option<Meeting>,
    messages: Vec<Msg>,
) {
    let updated = messages.iter().map(|m| m.modified).max().unwrap_or(created);
    t.chats.push(Chat {
        id,
        chat_type,
        topic: topic.map(str::to_string),
        created,
        updated,
        members,
        meeting,
        messages,
    });
}
