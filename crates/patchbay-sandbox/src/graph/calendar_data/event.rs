//! A calendar event as the sandbox keeps it (calendar.rs renders it as Graph's JSON), and an event made by hand.

use jiff::civil::Date;
use jiff::Timestamp;

use super::super::ids;
use super::super::mail_data::Who;
use crate::state::DemoUser;

/// When an event happens. All-day events are floating dates: midnight to midnight wherever they are seen.
#[derive(Debug, Clone, PartialEq)]
pub enum When {
    Timed {
        start: Timestamp,
        end: Timestamp,
    },
    /// `end` is exclusive (the day after the last day).
    AllDay {
        first: Date,
        end: Date,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    SingleInstance,
    Occurrence,
    Exception,
}

#[derive(Debug, Clone)]
pub struct Person {
    pub name: String,
    pub address: String,
}

impl From<Who> for Person {
    fn from(who: Who) -> Person {
        Person {
            name: who.0.into(),
            address: who.1.into(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Event {
    pub id: String,
    pub change_key: String,
    pub ical_uid: String,
    pub subject: String,
    /// Agenda text (a Teams meeting gets Teams' invitation text appended when rendered).
    pub agenda: String,
    pub when: When,
    /// `originalStartTimeZone`/`originalEndTimeZone`: the zone the organiser created it in.
    pub original_zone: String,
    pub kind: Kind,
    pub series_master_id: Option<String>,
    pub original_start: Option<Timestamp>,
    pub show_as: &'static str,
    pub importance: &'static str,
    pub cancelled: bool,
    pub organizer: Person,
    pub is_organizer: bool,
    /// Everyone invited except the organiser: (person, `required`/`optional`/`resource`, response).
    pub attendees: Vec<(Person, &'static str, &'static str)>,
    /// `None`: no location at all (Graph then sends an empty `displayName`).
    pub location: Option<String>,
    pub teams: bool,
    /// The user's own response: `organizer`, `accepted`, `tentativelyAccepted`...
    pub response: &'static str,
    pub created: Timestamp,
    pub modified: Timestamp,
}

/// An event `user` made just now in their calendar (the control endpoints' `add_event`): `key` makes its id.
pub fn made_now(
    user: &DemoUser,
    zone_name: &str,
    key: &str,
    subject: &str,
    when: When,
    now: Timestamp,
) -> Event {
    let id = &user.id;
    Event {
        id: ids::item_id(&[id, "event", key]),
        change_key: ids::change_key(&[id, "event", key, "0"]),
        ical_uid: format!(
            "040000008200E00074C5B7101A82E00800000000{}",
            ids::hex(&[id, "ical", key], 24)
        ),
        subject: subject.into(),
        agenda: String::new(),
        when,
        original_zone: zone_name.into(),
        kind: Kind::SingleInstance,
        series_master_id: None,
        original_start: None,
        show_as: "busy",
        importance: "normal",
        cancelled: false,
        organizer: Person {
            name: user.display_name.clone(),
            address: user.email.clone(),
        },
        is_organizer: true,
        attendees: Vec::new(),
        location: None,
        teams: false,
        response: "organizer",
        created: now,
        modified: now,
    }
}
