//! The demo Teams content: the same on every start (IDs, texts, who said what), dated back from the sandbox's
//! anchor. Only the tenant's work accounts take part (a personal account has no Teams).
//!
//! Teams (group IDs are GUIDs, channel IDs `19:…@thread.tacv2`):
//!
//! - "Contoso Team" (Adele, Megan, Alex): channels General (6 posts, 3 replies, one post a system event
//!   `channelAddedEventMessageDetail`, one with an @mention of Adele) and Announcements (3 posts, one edited);
//! - "Project Apollo" (Adele, Alex): channels General (4 posts, 2 replies), Design (3 posts, one with an image) and
//!   Launch (2 posts).
//!
//! Chats (`topic`, type, members, messages):
//!
//! - "Spring launch", group, Adele Megan Alex, 60 messages: two system events (`membersAdded`, then
//!   `chatRenamed`), six @mentions of Adele, one image (hosted content), one edited, one deleted;
//! - no topic, oneOnOne, Adele Megan, 8 messages (plain text and HTML);
//! - no topic, oneOnOne, Adele Alex, 3 messages, one with an image;
//! - no topic, oneOnOne, Megan Alex, 2 messages;
//! - "Weekly sync", meeting, Adele Megan Alex, 5 messages;
//! - "Lunch crew", group, Megan Alex, 4 messages (Adele is not in it).

use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE_NO_PAD};
use base64::Engine as _;
use jiff::{SignedDuration, Timestamp};

use super::model::{
    BodyType, Channel, Chat, ChatType, Event, Hosted, Meeting, Member, Mention, Msg, Person, Team,
    Teams,
};
use crate::graph::ids::{guid, hex};
use crate::state::DemoUser;

pub const SPRING_LAUNCH: &str = "Spring launch";
pub const WEEKLY_SYNC: &str = "Weekly sync";
pub const LUNCH_CREW: &str = "Lunch crew";
pub const CONTOSO_TEAM: &str = "Contoso Team";
pub const PROJECT_APOLLO: &str = "Project Apollo";

pub fn person(user: &DemoUser) -> Person {
    Person {
        id: user.id.clone(),
        name: user.display_name.clone(),
        email: user.email.clone(),
    }
}

/// `19:{a}_{b}@unq.gbl.spaces`: a one-on-one chat's ID, from its two members' object IDs (sorted, so a pair
/// always has the same one).
pub fn one_on_one_id(a: &str, b: &str) -> String {
    let (first, second) = if a <= b { (a, b) } else { (b, a) };
    format!("19:{first}_{second}@unq.gbl.spaces")
}

/// `19:{32 hex}@thread.v2`: a group chat's ID.
pub fn group_chat_id(seed: &str) -> String {
    format!(
        "19:{}@thread.v2",
        hex(&["teams-chat", seed], 16).to_lowercase()
    )
}

/// `19:meeting_{base64 of a GUID}@thread.v2`: a meeting chat's ID.
fn meeting_chat_id(seed: &str) -> String {
    format!(
        "19:meeting_{}@thread.v2",
        STANDARD_NO_PAD.encode(guid(&["teams-meeting", seed]))
    )
}

/// `19:{32 hex}@thread.tacv2`: a channel's thread ID.
fn channel_id(team: &str, name: &str) -> String {
    format!(
        "19:{}@thread.tacv2",
        hex(&["teams-channel", team, name], 16).to_lowercase()
    )
}

/// A conversation member's ID, opaque as Graph's (base64 of a GUID, `##` and the user's object ID).
pub fn member_id(conversation: &str, user_id: &str) -> String {
    STANDARD.encode(format!(
        "{}##{user_id}",
        guid(&["teams-member", conversation])
    ))
}

pub fn member(conversation: &str, p: &Person) -> Member {
    Member {
        id: member_id(conversation, &p.id),
        person: p.clone(),
        roles: vec!["owner".into()],
    }
}

/// A hosted content ID as Teams writes them: base64 of `id=…,type=1,url=…/views/imgo`.
pub fn hosted_id(seed: &str) -> String {
    let object = format!(
        "0-wus-d3-{}",
        hex(&["teams-hosted", seed], 16).to_lowercase()
    );
    URL_SAFE_NO_PAD.encode(format!(
        "id=x_{object},type=1,url=https://us-api.asm.skype.com/v1/objects/{object}/views/imgo"
    ))
}

/// A small PNG (a 24×24 swatch in the seed's colour).
pub fn image(seed: &str) -> Vec<u8> {
    let h = crate::graph::ids::digest(&["teams-image", seed]);
    crate::graph::drive::formats::png(24, 24, |x, y| {
        if (x / 6 + y / 6) % 2 == 0 {
            [h[0], h[1], h[2]]
        } else {
            [255, 255, 255]
        }
    })
}

/// Where a hosted content is fetched: `{graph}/v1.0/{conversation path}/messages/{id}/hostedContents/{hid}/$value`
/// (the conversation path `chats/{id}` or `teams/{id}/channels/{id}`, written unencoded, as Graph does).
pub fn hosted_url(base: &str, conversation: &str, message: &str, hosted: &str) -> String {
    format!("{base}/graph/v1.0/{conversation}/messages/{message}/hostedContents/{hosted}/$value")
}

pub fn image_html(url: &str) -> String {
    format!(
        "<p><img src=\"{url}\" width=\"24\" height=\"24\" alt=\"image\" style=\"vertical-align:bottom; width:24px; \
         height:24px\"></p>"
    )
}

fn at(anchor: Timestamp, minutes_ago: i64, jitter_ms: i64) -> Timestamp {
    anchor - SignedDuration::from_mins(minutes_ago) + SignedDuration::from_millis(jitter_ms)
}

/// What builds one conversation's messages.
struct Writer<'a> {
    teams: &'a mut Teams,
    base: &'a str,
    /// `chats/{id}` or `teams/{id}/channels/{id}` (for hosted content URLs).
    path: String,
    messages: Vec<Msg>,
}

impl Writer<'_> {
    #[allow(clippy::too_many_arguments)]
    fn push(
        &mut self,
        when: Timestamp,
        from: Option<&Person>,
        body_type: BodyType,
        content: String,
        mentions: Vec<Mention>,
        event: Option<Event>,
        reply_to: Option<&str>,
    ) -> String {
        let (id, created) = self.teams.message_id(when);
        let seq = self.teams.next_seq();
        self.messages.push(Msg {
            id: id.clone(),
            created,
            modified: created,
            edited: None,
            deleted: None,
            from: from.cloned(),
            event,
            body_type,
            content,
            subject: None,
            importance: "normal",
            mentions,
            hosted: Vec::new(),
            reply_to: reply_to.map(str::to_string),
            seq,
        });
        if let Some(post) = reply_to {
            // A reply changes its post's chain (what a channel's delta reports), not the post itself.
            if let Some(p) = self.messages.iter_mut().find(|m| m.id == post) {
                p.seq = seq;
            }
        }
        id
    }

    fn html(&mut self, when: Timestamp, from: &Person, text: &str) -> String {
        self.push(
            when,
            Some(from),
            BodyType::Html,
            format!("<p>{}</p>", crate::util::escape_html(text)),
            Vec::new(),
            None,
            None,
        )
    }

    fn text(&mut self, when: Timestamp, from: &Person, text: &str) -> String {
        self.push(
            when,
            Some(from),
            BodyType::Text,
            text.to_string(),
            Vec::new(),
            None,
            None,
        )
    }

    fn mention(&mut self, when: Timestamp, from: &Person, who: &Person, text: &str) -> String {
        let content = format!(
            "<p><at id=\"0\">{}</at> {}</p>",
            crate::util::escape_html(&who.name),
            crate::util::escape_html(text)
        );
        let mentions = vec![Mention {
            id: 0,
            text: who.name.clone(),
            user: who.clone(),
        }];
        self.push(
            when,
            Some(from),
            BodyType::Html,
            content,
            mentions,
            None,
            None,
        )
    }

    fn reply(&mut self, when: Timestamp, from: &Person, post: &str, text: &str) -> String {
        self.push(
            when,
            Some(from),
            BodyType::Html,
            format!("<p>{}</p>", crate::util::escape_html(text)),
            Vec::new(),
            None,
            Some(post),
        )
    }

    fn with_image(&mut self, when: Timestamp, from: &Person, text: &str, seed: &str) -> String {
        let (id, created) = self.teams.message_id(when);
        let hosted = Hosted {
            id: hosted_id(seed),
            content_type: "image/png".into(),
            bytes: image(seed),
        };
        let url = hosted_url(self.base, &self.path, &id, &hosted.id);
        let content = format!(
            "<p>{}</p>{}",
            crate::util::escape_html(text),
            image_html(&url)
        );
        let seq = self.teams.next_seq();
        self.messages.push(Msg {
            id: id.clone(),
            created,
            modified: created,
            edited: None,
            deleted: None,
            from: Some(from.clone()),
            event: None,
            body_type: BodyType::Html,
            content,
            subject: None,
            importance: "normal",
            mentions: Vec::new(),
            hosted: vec![hosted],
            reply_to: None,
            seq,
        });
        id
    }

    fn event(&mut self, when: Timestamp, event: Event) -> String {
        self.push(
            when,
            None,
            BodyType::Html,
            "<systemEventMessage/>".into(),
            Vec::new(),
            Some(event),
            None,
        )
    }

    /// Edit message `id` at `when` (new content).
    fn edit(&mut self, id: &str, when: Timestamp, text: &str) {
        let seq = self.teams.next_seq();
        if let Some(m) = self.messages.iter_mut().find(|m| m.id == id) {
            m.content = format!("<p>{}</p>", crate::util::escape_html(text));
            m.body_type = BodyType::Html;
            m.edited = Some(when);
            m.modified = when;
            m.seq = seq;
        }
    }

    /// Delete message `id` at `when`: Graph keeps it with `deletedDateTime` and an empty body.
    fn delete(&mut self, id: &str, when: Timestamp) {
        let seq = self.teams.next_seq();
        if let Some(m) = self.messages.iter_mut().find(|m| m.id == id) {
            delete_in_place(m, when, seq);
        }
    }
}

/// What deleting does to a message, as Graph shows it afterwards.
pub fn delete_in_place(m: &mut Msg, when: Timestamp, seq: u64) {
    m.deleted = Some(when);
    m.modified = when;
    m.content = String::new();
    m.body_type = BodyType::Html;
    m.mentions.clear();
    m.hosted.clear();
    m.seq = seq;
}

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

/// Lay out the demo teams and chats.
pub fn build(t: &mut Teams, users: &[DemoUser], anchor: Timestamp) {
    let find = |prefix: &str| {
        users
            .iter()
            .find(|u| !u.personal && u.email.starts_with(prefix))
            .map(person)
    };
    let (Some(adele), Some(megan), Some(alex)) = (find("adele@"), find("megan@"), find("alex@"))
    else {
        return;
    };
    // The base URL is filled in when a body is rendered: hosted content URLs are stored relative to `BASE`.
    let base = BASE;

    // "Spring launch": 60 messages over the last three weeks.
    let spring = group_chat_id(SPRING_LAUNCH);
    let mut w = Writer {
        teams: t,
        base,
        path: format!("chats/{spring}"),
        messages: Vec::new(),
    };
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
    let people = [&adele, &megan, &alex];
    let mut edited = String::new();
    let mut deleted = String::new();
    for i in 0..58i64 {
        let when = at(anchor, start - 60 - i * 510, (i * 137) % 1000);
        let from = people[(i % 3) as usize];
        let line = SPRING_LINES[(i as usize) % SPRING_LINES.len()];
        let id = if i % 9 == 4 && from.id != adele.id {
            w.mention(when, from, &adele, line)
        } else if i % 9 == 4 {
            w.mention(when, from, &megan, line)
        } else if i == 20 {
            w.with_image(when, &megan, "Mock-up for the end caps", "spring-mockup")
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
    let members = [&adele, &megan, &alex]
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
    let am = one_on_one_id(&adele.id, &megan.id);
    let mut w = Writer {
        teams: t,
        base,
        path: format!("chats/{am}"),
        messages: Vec::new(),
    };
    let lines: [(&Person, &str, bool); 8] = [
        (&megan, "Hi Adele, got a minute?", false),
        (&adele, "Sure, what's up?", false),
        (
            &megan,
            "The <b>spring</b> banner needs your sign-off.",
            false,
        ),
        (&adele, "Looks great, approved.", true),
        (&megan, "Thanks! Sending it to print.", false),
        (&adele, "Can you also order the shelf talkers?", false),
        (&megan, "Ordered, they ship Tuesday.", true),
        (&megan, "Are we still on for 3pm?", false),
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
    let messages = std::mem::take(&mut w.messages);
    let members = vec![member(&am, &adele), member(&am, &megan)];
    push_chat(
        t,
        am,
        ChatType::OneOnOne,
        None,
        at(anchor, 3 * 24 * 60 - 31, 0),
        members,
        None,
        messages,
    );

    // Adele and Alex, one-on-one, with an image.
    let ax = one_on_one_id(&adele.id, &alex.id);
    let mut w = Writer {
        teams: t,
        base,
        path: format!("chats/{ax}"),
        messages: Vec::new(),
    };
    w.text(
        at(anchor, 2 * 24 * 60, 44),
        &alex,
        "Here is the shelf photo.",
    );
    w.with_image(
        at(anchor, 2 * 24 * 60 - 1, 402),
        &alex,
        "Aisle 4 after the reset",
        "aisle-4",
    );
    w.html(
        at(anchor, 2 * 24 * 60 - 20, 918),
        &adele,
        "Perfect, thank you!",
    );
    let messages = std::mem::take(&mut w.messages);
    let members = vec![member(&ax, &adele), member(&ax, &alex)];
    push_chat(
        t,
        ax,
        ChatType::OneOnOne,
        None,
        at(anchor, 2 * 24 * 60 - 1, 0),
        members,
        None,
        messages,
    );

    // Megan and Alex, one-on-one.
    let mx = one_on_one_id(&megan.id, &alex.id);
    let mut w = Writer {
        teams: t,
        base,
        path: format!("chats/{mx}"),
        messages: Vec::new(),
    };
    w.text(at(anchor, 26 * 60, 5), &alex, "Coffee later?");
    w.text(at(anchor, 26 * 60 - 4, 77), &megan, "Yes, 4pm.");
    let messages = std::mem::take(&mut w.messages);
    let members = vec![member(&mx, &megan), member(&mx, &alex)];
    push_chat(
        t,
        mx,
        ChatType::OneOnOne,
        None,
        at(anchor, 26 * 60, 0),
        members,
        None,
        messages,
    );

    // "Weekly sync": a meeting's chat.
    let sync = meeting_chat_id(WEEKLY_SYNC);
    let mut w = Writer {
        teams: t,
        base,
        path: format!("chats/{sync}"),
        messages: Vec::new(),
    };
    let notes = [
        (&adele, "Agenda: launch status, staffing, open questions."),
        (&megan, "Staffing plan is in the Planner board."),
        (&alex, "I'll be five minutes late."),
        (&adele, "Notes are in OneNote, thanks all."),
        (&megan, "Action items sent by mail."),
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
    let members = [&adele, &megan, &alex]
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
    let mut w = Writer {
        teams: t,
        base,
        path: format!("chats/{lunch}"),
        messages: Vec::new(),
    };
    w.html(at(anchor, 5 * 60, 10), &megan, "Tacos today?");
    w.html(at(anchor, 5 * 60 - 2, 620), &alex, "Always.");
    w.html(
        at(anchor, 5 * 60 - 3, 14),
        &megan,
        "Meet at the lobby at noon.",
    );
    w.html(at(anchor, 5 * 60 - 9, 555), &alex, "On my way.");
    let messages = std::mem::take(&mut w.messages);
    let members = vec![member(&lunch, &megan), member(&lunch, &alex)];
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

    // Teams and channels.
    build_contoso(t, anchor, &adele, &megan, &alex);
    build_apollo(t, anchor, &adele, &alex);
}

/// The placeholder a stored hosted content URL starts with (the running sandbox's base replaces it).
pub const BASE: &str = "{graph-base}";

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

fn new_team(name: &str, description: &str, created: Timestamp, members: Vec<Person>) -> Team {
    let id = guid(&["teams-team", name]);
    let general = channel_id(&id, "General");
    Team {
        internal_id: general,
        id,
        name: name.into(),
        description: description.into(),
        created,
        visibility: "private",
        members,
        channels: Vec::new(),
    }
}

fn channel(team: &Team, name: &str, description: Option<&str>, created: Timestamp) -> Channel {
    let id = channel_id(&team.id, name);
    let mail = hex(&["teams-channel-mail", &id], 4).to_lowercase();
    Channel {
        email: format!(
            "{}.{mail}@contoso.example",
            name.to_ascii_lowercase().replace(' ', "")
        ),
        id,
        name: name.into(),
        description: description.map(str::to_string),
        created,
        messages: Vec::new(),
        floor: 0,
    }
}

fn build_contoso(t: &mut Teams, anchor: Timestamp, adele: &Person, megan: &Person, alex: &Person) {
    let created = at(anchor, 90 * 24 * 60, 0);
    let mut team = new_team(
        CONTOSO_TEAM,
        "Where the Contoso team works together.",
        created,
        vec![adele.clone(), megan.clone(), alex.clone()],
    );
    let mut general = channel(&team, "General", Some("Everything Contoso."), created);
    let mut announcements = channel(
        &team,
        "Announcements",
        Some("News for the whole team."),
        at(anchor, 60 * 24 * 60, 0),
    );
    let path = format!("teams/{}/channels/{}", team.id, general.id);
    let mut w = Writer {
        teams: t,
        base: BASE,
        path,
        messages: Vec::new(),
    };
    w.event(
        at(anchor, 60 * 24 * 60, 250),
        Event::ChannelAdded {
            initiator: adele.clone(),
            channel_id: announcements.id.clone(),
            channel_name: announcements.name.clone(),
        },
    );
    let welcome = w.html(
        at(anchor, 10 * 24 * 60, 101),
        adele,
        "Welcome to the Contoso Team channel!",
    );
    w.reply(
        at(anchor, 10 * 24 * 60 - 15, 202),
        megan,
        &welcome,
        "Glad to be here.",
    );
    w.reply(
        at(anchor, 10 * 24 * 60 - 40, 303),
        alex,
        &welcome,
        "Hello everyone!",
    );
    w.html(
        at(anchor, 6 * 24 * 60, 404),
        megan,
        "Quarterly numbers are posted in Files.",
    );
    let standup = w.mention(
        at(anchor, 3 * 24 * 60, 505),
        alex,
        adele,
        "can you confirm the stand-up moves to 9:30?",
    );
    w.reply(
        at(anchor, 3 * 24 * 60 - 12, 606),
        adele,
        &standup,
        "Confirmed, 9:30 from Monday.",
    );
    w.html(
        at(anchor, 30 * 60, 707),
        alex,
        "Parking lot is closed tomorrow.",
    );
    w.html(at(anchor, 10 * 60, 808), megan, "Cake in the kitchen!");
    general.messages = std::mem::take(&mut w.messages);

    w.path = format!("teams/{}/channels/{}", team.id, announcements.id);
    w.html(
        at(anchor, 14 * 24 * 60, 11),
        adele,
        "Office closed on the public holiday.",
    );
    let policy = w.html(
        at(anchor, 7 * 24 * 60, 22),
        adele,
        "New travel policy is live.",
    );
    w.html(
        at(anchor, 2 * 24 * 60, 33),
        megan,
        "Spring campaign launches next month.",
    );
    w.edit(
        &policy,
        at(anchor, 7 * 24 * 60 - 90, 0),
        "New travel policy is live: see the Policies library.",
    );
    announcements.messages = std::mem::take(&mut w.messages);
    team.channels = vec![general, announcements];
    t.teams.push(team);
}

fn build_apollo(t: &mut Teams, anchor: Timestamp, adele: &Person, alex: &Person) {
    let created = at(anchor, 45 * 24 * 60, 0);
    let mut team = new_team(
        PROJECT_APOLLO,
        "The Apollo loyalty programme.",
        created,
        vec![adele.clone(), alex.clone()],
    );
    let mut general = channel(&team, "General", None, created);
    let mut design = channel(&team, "Design", Some("Mock-ups and reviews."), created);
    let mut launch = channel(&team, "Launch", Some("Launch plan."), created);
    let mut w = Writer {
        teams: t,
        base: BASE,
        path: format!("teams/{}/channels/{}", team.id, general.id),
        messages: Vec::new(),
    };
    let kickoff = w.html(
        at(anchor, 20 * 24 * 60, 1),
        adele,
        "Apollo kickoff notes are in the wiki.",
    );
    w.reply(
        at(anchor, 20 * 24 * 60 - 5, 2),
        alex,
        &kickoff,
        "Thanks, reading now.",
    );
    w.html(
        at(anchor, 12 * 24 * 60, 3),
        alex,
        "Vendor shortlist attached to the spec.",
    );
    let q = w.html(
        at(anchor, 5 * 24 * 60, 4),
        adele,
        "Any blockers for the beta?",
    );
    w.reply(
        at(anchor, 5 * 24 * 60 - 30, 5),
        alex,
        &q,
        "None on my side.",
    );
    w.html(at(anchor, 24 * 60, 6), alex, "Beta invites go out Friday.");
    general.messages = std::mem::take(&mut w.messages);

    w.path = format!("teams/{}/channels/{}", team.id, design.id);
    w.html(at(anchor, 9 * 24 * 60, 7), alex, "First card design below.");
    w.with_image(
        at(anchor, 9 * 24 * 60 - 1, 8),
        alex,
        "Card, front",
        "apollo-card",
    );
    w.html(at(anchor, 8 * 24 * 60, 9), adele, "Love the colours.");
    design.messages = std::mem::take(&mut w.messages);

    w.path = format!("teams/{}/channels/{}", team.id, launch.id);
    w.html(
        at(anchor, 4 * 24 * 60, 10),
        adele,
        "Launch checklist drafted.",
    );
    w.html(
        at(anchor, 3 * 24 * 60, 12),
        alex,
        "Press kit ready for review.",
    );
    launch.messages = std::mem::take(&mut w.messages);
    team.channels = vec![general, design, launch];
    t.teams.push(team);
}
