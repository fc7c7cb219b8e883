//! The demo teams and their channels: "Contoso Team" (General, Announcements) and "Project Apollo" (General,
//! Design, Launch).

use jiff::Timestamp;

use super::ids::channel_id;
use super::writer::{at, Writer};
use super::{CONTOSO_TEAM, PROJECT_APOLLO};
use crate::graph::ids::{guid, hex};
use crate::graph::teams::model::{Channel, Event, Person, Team, Teams};

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

pub(super) fn build_contoso(
    t: &mut Teams,
    anchor: Timestamp,
    adele: &Person,
    megan: &Person,
    alex: &Person,
) {
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
    let mut w = Writer::new(t, path);
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

pub(super) fn build_apollo(t: &mut Teams, anchor: Timestamp, adele: &Person, alex: &Person) {
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
    let mut w = Writer::new(t, format!("teams/{}/channels/{}", team.id, general.id));
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
