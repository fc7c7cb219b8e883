//! The sandbox's demo week of calendar events, generated per user: what `GET /me/calendarView` (calendar.rs)
//! serves.
//!
//! The week is laid out in the user's mailbox time zone, from the anchor's local date ("today", day 0):
//! a weekday stand-up series (one occurrence moved), all-day and multi-day events, a flight across midnight,
//! a cancelled meeting, a meeting organised from Redmond in Pacific time, and a few events before day 0 and
//! from day 7 on, so the window matters.

use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp, ToSpan};

use super::ids;
use super::mail_data::{
    Who, ADELE, ALEX, HENRIETTA, ISAIAH, JOHANNA, LEE, LIDIA, LYNNE, MEGAN, MIRIAM, NESTOR, PATTI,
    YUKI,
};
use super::zones;
use crate::state::DemoUser;

mod event;
pub use event::{made_now, Event, Kind, Person, When};

/// The subject of the demo week's long-subject event.
pub const LONG_EVENT_SUBJECT: &str =
    "Cross-functional alignment session: holiday retail campaign rollout, store \
readiness checklists, regional marketing budget reallocation and next quarter's staffing plan";

/// Whom each demo user works with most (their stand-up's organiser, the colleague of their catch-up).
struct Circle {
    peer: Who,
    standup_organizer: Who,
    team: [Who; 2],
    doctor: &'static str,
}

fn circle(user: &DemoUser) -> Circle {
    match user.email.as_str() {
        "megan@contoso.example" => Circle {
            peer: ALEX,
            standup_organizer: MIRIAM,
            team: [ALEX, LIDIA],
            doctor: "Dr. Klein Dental, 5th Avenue",
        },
        "alex@contoso.example" => Circle {
            peer: ADELE,
            standup_organizer: MIRIAM,
            team: [MEGAN, LIDIA],
            doctor: "さくら歯科クリニック",
        },
        _ => Circle {
            peer: MEGAN,
            standup_organizer: NESTOR,
            team: [LYNNE, JOHANNA],
            doctor: "Praxis Dr. Weber, Leopoldstraße 12",
        },
    }
}

fn first_name(who: Who) -> &'static str {
    who.0.split(' ').next().unwrap_or(who.0)
}

/// Lays out one user's week: local wall times on days relative to today, in the mailbox zone.
struct Layout<'a> {
    user: &'a DemoUser,
    me: Person,
    zone_name: &'a str,
    tz: TimeZone,
    today: Date,
    anchor: Timestamp,
    rng: ids::Rng,
}

impl Layout<'_> {
    fn day(&self, offset: i64) -> Result<Date, jiff::Error> {
        self.today.checked_add(offset.days())
    }

    fn at(&self, offset: i64, hour: i8, minute: i8) -> Result<Timestamp, jiff::Error> {
        self.tz
            .to_timestamp(self.day(offset)?.at(hour, minute, 0, 0))
    }

    fn timed(&self, offset: i64, hour: i8, minute: i8, minutes: i64) -> Result<When, jiff::Error> {
        let start = self.at(offset, hour, minute)?;
        Ok(When::Timed {
            start,
            end: start + SignedDuration::from_mins(minutes),
        })
    }

    fn all_day(&self, offset: i64, days: i64) -> Result<When, jiff::Error> {
        Ok(When::AllDay {
            first: self.day(offset)?,
            end: self.day(offset + days)?,
        })
    }

    /// An event organised by someone else, which the user accepted; adjust fields after.
    fn event(&mut self, key: &str, subject: &str, when: When, organizer: Who) -> Event {
        self.organised_by(key, subject, when, organizer.into())
    }

    /// An event the user organised.
    fn own(&mut self, key: &str, subject: &str, when: When) -> Event {
        let me = self.me.clone();
        self.organised_by(key, subject, when, me)
    }

    fn organised_by(&mut self, key: &str, subject: &str, when: When, organizer: Person) -> Event {
        let id = &self.user.id;
        let created =
            self.anchor - SignedDuration::from_hours(24 * 3 + self.rng.below(24 * 17) as i64);
        let modified =
            (created + SignedDuration::from_mins(self.rng.below(600) as i64)).min(self.anchor);
        let is_organizer = organizer.address.eq_ignore_ascii_case(&self.user.email);
        Event {
            id: ids::item_id(&[id, "event", key]),
            change_key: ids::change_key(&[id, "event", key]),
            ical_uid: format!(
                "040000008200E00074C5B7101A82E00800000000{}",
                ids::hex(&[id, "ical", key], 24)
            ),
            subject: subject.into(),
            agenda: String::new(),
            when,
            original_zone: self.zone_name.into(),
            kind: Kind::SingleInstance,
            series_master_id: None,
            original_start: None,
            show_as: "busy",
            importance: "normal",
            cancelled: false,
            organizer,
            is_organizer,
            attendees: Vec::new(),
            location: None,
            teams: false,
            response: if is_organizer {
                "organizer"
            } else {
                "accepted"
            },
            created,
            modified,
        }
    }

    /// Invite the user (with their own response) and others (mostly accepted).
    fn invite(&self, e: &mut Event, others: &[Who]) {
        let me = self.me.clone();
        if !e.is_organizer {
            let kind = if e.response == "tentativelyAccepted" {
                "optional"
            } else {
                "required"
            };
            e.attendees.push((me, kind, e.response));
        }
        for (i, who) in others.iter().enumerate() {
            if who.1.eq_ignore_ascii_case(&self.user.email)
                || who.1.eq_ignore_ascii_case(&e.organizer.address)
            {
                continue;
            }
            let response = match i % 4 {
                3 => "none",
                2 if others.len() > 3 => "declined",
                _ => "accepted",
            };
            e.attendees.push(((*who).into(), "required", response));
        }
    }
}

/// The user's demo week in `zone_name` (their mailbox zone; UTC if it does not resolve).
pub fn events(
    user: &DemoUser,
    zone_name: &str,
    anchor: Timestamp,
) -> Result<Vec<Event>, jiff::Error> {
    let tz = zones::resolve(zone_name).unwrap_or(TimeZone::UTC);
    let today = tz.to_datetime(anchor).date();
    let c = circle(user);
    let mut l = Layout {
        user,
        me: Person {
            name: user.display_name.clone(),
            address: user.email.clone(),
        },
        zone_name,
        tz: tz.clone(),
        today,
        anchor,
        rng: ids::Rng::new(&[&user.id, "calendar"]),
    };
    let mut out = Vec::new();

    // The weekday stand-up, 09:15–09:30, from three days ago to day 9; the first one from day 2 on is moved
    // to 09:45 (an "exception" of the series, as Graph calls a changed occurrence).
    let master_id = ids::item_id(&[&user.id, "event", "standup"]);
    let mut moved = false;
    for offset in -3..=9 {
        let date = l.day(offset)?;
        if matches!(
            date.weekday(),
            jiff::civil::Weekday::Saturday | jiff::civil::Weekday::Sunday
        ) {
            continue;
        }
        let original = l.at(offset, 9, 15)?;
        let exception = offset >= 2 && !moved;
        moved |= exception;
        let start = if exception {
            original + SignedDuration::from_mins(30)
        } else {
            original
        };
        let key = format!("standup/{date}");
        let mut e = l.event(
            &key,
            "Daily stand-up",
            When::Timed {
                start,
                end: start + SignedDuration::from_mins(15),
            },
            c.standup_organizer,
        );
        e.kind = if exception {
            Kind::Exception
        } else {
            Kind::Occurrence
        };
        e.series_master_id = Some(master_id.clone());
        e.original_start = Some(original);
        e.ical_uid = format!(
            "040000008200E00074C5B7101A82E00800000000{}",
            ids::hex(&[&user.id, "ical", "standup"], 24)
        );
        e.teams = true;
        e.agenda = if exception {
            "Moved by half an hour today: the store walk-through runs late.".into()
        } else {
            "Yesterday, today, blockers. Fifteen minutes, cameras optional.".into()
        };
        l.invite(&mut e, &[c.standup_organizer, c.peer, c.team[0], c.team[1]]);
        out.push(e);
    }

    // Today, a little after the anchor (so a demo always has something coming up).
    let now = tz.to_datetime(anchor);
    let minutes_now = i64::from(now.hour()) * 60 + i64::from(now.minute());
    let mut start_minute = (minutes_now + 15 + 14) / 15 * 15;
    if start_minute > 23 * 60 + 30 {
        start_minute = minutes_now + (24 * 60 - minutes_now) / 2;
    }
    let when = l.timed(0, (start_minute / 60) as i8, (start_minute % 60) as i8, 30)?;
    let mut e = l.own(
        "catch-up",
        &format!("Catch-up with {}", first_name(c.peer)),
        when,
    );
    e.teams = true;
    e.agenda = "Quick sync before the planning meeting.".into();
    l.invite(&mut e, &[c.peer]);
    out.push(e);

    // Day 1, 14:00–15:30: Lee's quarterly planning, in a room and on Teams, for all three demo users.
    let when = l.timed(1, 14, 0, 90)?;
    let mut e = l.event("quarterly-planning", "Quarterly planning", when, LEE);
    e.importance = "high";
    e.location = Some("Conference Room Rainier".into());
    e.teams = true;
    e.agenda = "Agenda: results of the quarter, priorities for the next one, staffing risks. Pre-read attached to my \
                email."
        .into();
    l.invite(&mut e, &[ADELE, MEGAN, ALEX]);
    e.attendees.push((
        Person {
            name: "Conference Room Rainier".into(),
            address: "rainier@contoso.example".into(),
        },
        "resource",
        "accepted",
    ));
    out.push(e);

    // Day 1, 16:00: a non-Latin subject.
    let when = l.timed(1, 16, 0, 30)?;
    let mut e = l.event("tokyo-review", "週次レビュー（東京チーム）", when, YUKI);
    e.teams = true;
    e.agenda = "今週の進捗と来週の予定を確認します。".into();
    l.invite(&mut e, &[YUKI, ALEX]);
    out.push(e);

    // Day 2: an all-day event on one day.
    let when = l.all_day(2, 1)?;
    let mut e = l.own(
        "birthday",
        &format!("{}'s birthday 🎂", first_name(c.peer)),
        when,
    );
    e.show_as = "free";
    out.push(e);

    // Day 2, 08:00 Pacific: organised from Redmond, in the organiser's zone.
    let pacific = zones::resolve("Pacific Standard Time").unwrap_or(TimeZone::UTC);
    let start = pacific.to_timestamp(l.day(2)?.at(8, 0, 0, 0))?;
    let when = When::Timed {
        start,
        end: start + SignedDuration::from_hours(1),
    };
    let mut e = l.event("roadmap", "Product roadmap review (Redmond)", when, LIDIA);
    e.original_zone = "Pacific Standard Time".into();
    e.teams = true;
    e.agenda = "Early for Redmond, late for Europe — thanks for joining. We'll go through the roadmap for the next \
                two quarters."
        .into();
    l.invite(&mut e, &[LIDIA, LEE, c.peer]);
    out.push(e);

    // Day 2, 11:00: cancelled by the organiser (Outlook prefixes the subject).
    let when = l.timed(2, 11, 0, 30)?;
    let mut e = l.event(
        "vendor-sync",
        "Canceled: Vendor sync with Fabrikam",
        when,
        ("Ravi Patel", "ravi.patel@fabrikam.example"),
    );
    e.cancelled = true;
    e.show_as = "free";
    e.teams = true;
    e.modified = anchor - SignedDuration::from_hours(2);
    e.agenda = "Sorry, I have to cancel — let's find a new slot next week.".into();
    l.invite(&mut e, &[ISAIAH]);
    out.push(e);

    // Day 2, 13:00: tentatively accepted.
    let when = l.timed(2, 13, 0, 60)?;
    let mut e = l.event(
        "lunch-and-learn",
        "Lunch & learn: Power BI tips",
        when,
        HENRIETTA,
    );
    e.show_as = "tentative";
    e.response = "tentativelyAccepted";
    e.location = Some("Cafeteria, 2nd floor".into());
    e.agenda = "Bring your lunch; we bring the dashboards. Ten tips in forty-five minutes.".into();
    l.invite(&mut e, &[c.peer, c.team[0], c.team[1], JOHANNA]);
    out.push(e);

    // Day 2, 15:00: a customer call on Teams.
    let when = l.timed(2, 15, 0, 60)?;
    let mut e = l.event(
        "customer-call",
        "Customer call: Northwind Traders",
        when,
        ISAIAH,
    );
    e.teams = true;
    e.agenda = "Northwind wants to discuss the spring order volumes and delivery dates.".into();
    l.invite(&mut e, &[ISAIAH, ("Dana Wu", "dana.wu@northwind.example")]);
    out.push(e);

    // Day 3, 10:00: no location, no attendees.
    let when = l.timed(3, 10, 0, 120)?;
    let mut e = l.own("focus", "Focus time: budget review", when);
    e.agenda = "Blocked to prepare the budget review. No meetings, please.".into();
    out.push(e);

    // Day 3, 16:00: out of office.
    let when = l.timed(3, 16, 0, 90)?;
    let mut e = l.own("dentist", "Dentist appointment", when);
    e.show_as = "oof";
    e.location = Some(c.doctor.into());
    out.push(e);

    // Day 3, 22:00 to day 4, 06:00: across midnight.
    let when = When::Timed {
        start: l.at(3, 22, 0)?,
        end: l.at(4, 6, 0)?,
    };
    let mut e = l.own("flight", "Overnight flight CT 481 to Seattle", when);
    e.location = Some("Gate B12".into());
    e.agenda = "Booking reference: KX7Q2P. Seat 14A.".into();
    out.push(e);

    // Days 4–6: a three-day all-day event.
    let when = l.all_day(4, 3)?;
    let mut e = l.event(
        "partner-summit",
        "Contoso Partner Summit (Seattle)",
        when,
        ("Contoso Partner Summit", "summit@contoso.example"),
    );
    e.show_as = "workingElsewhere";
    e.location = Some("Seattle Convention Center".into());
    e.agenda = "Three days of sessions with our partners. Badge and agenda in your inbox.".into();
    out.push(e);

    // Day 5, 10:00: a long subject.
    let when = l.timed(5, 10, 0, 60)?;
    let mut e = l.event("alignment", LONG_EVENT_SUBJECT, when, MIRIAM);
    e.teams = true;
    e.agenda = "One meeting instead of four. Please read the checklist before we meet.".into();
    l.invite(&mut e, &[MIRIAM, NESTOR, c.peer, PATTI, LYNNE]);
    out.push(e);

    // Outside the seven days from today: before day 0 and from day 7 on.
    let when = l.all_day(-2, 1)?;
    let mut e = l.event("team-day", "Team building day", when, LYNNE);
    e.show_as = "free";
    e.location = Some("Boathouse on the lake".into());
    out.push(e);

    let when = l.timed(-1, 15, 0, 60)?;
    let mut e = l.event("retro", "Campaign retrospective", when, LIDIA);
    e.teams = true;
    e.agenda = "What went well, what didn't, what we try next time.".into();
    l.invite(&mut e, &[LIDIA, c.peer, c.team[0]]);
    out.push(e);

    let when = l.timed(7, 9, 0, 60)?;
    let mut e = l.event("all-hands", "Monthly all-hands", when, PATTI);
    e.teams = true;
    e.agenda = "Company news, results and twenty minutes of Q&A.".into();
    l.invite(&mut e, &[PATTI]);
    out.push(e);

    let when = l.timed(8, 10, 0, 90)?;
    let mut e = l.event("board-prep", "Board meeting prep", when, PATTI);
    e.location = Some("Patti's office".into());
    l.invite(&mut e, &[PATTI, LEE]);
    out.push(e);

    let when = l.all_day(9, 2)?;
    let mut e = l.own("vacation", "Out of office", when);
    e.show_as = "oof";
    out.push(e);

    Ok(out)
}

/// What the calendar tests here and in calendar.rs share: a fixed "now", and an event found by subject.
#[cfg(test)]
pub(super) mod testing {
    use super::Event;
    use jiff::Timestamp;

    pub fn anchor() -> Timestamp {
        "2026-11-29T08:15:00Z"
            .parse()
            .unwrap_or(Timestamp::UNIX_EPOCH)
    }

    pub fn by_subject<'a>(events: &'a [Event], subject: &str) -> Option<&'a Event> {
        events.iter().find(|e| e.subject == subject)
    }
}

#[cfg(test)]
mod tests {
    use super::testing::{anchor, by_subject};
    use super::*;
    use crate::state::demo_users;

    #[test]
    fn the_week_is_laid_out_in_the_mailbox_zone() -> Result<(), jiff::Error> {
        let users = demo_users();
        let adele = &users[0];
        let events = events(adele, "W. Europe Standard Time", anchor())?;
        let berlin = TimeZone::get("Europe/Berlin")?;
        let planning = by_subject(&events, "Quarterly planning").map(|e| e.when.clone());
        let expected = berlin.to_timestamp("2026-11-30T14:00".parse()?)?;
        assert_eq!(
            planning,
            Some(When::Timed {
                start: expected,
                end: expected + SignedDuration::from_mins(90)
            })
        );
        // 08:00 in Redmond.
        let roadmap =
            by_subject(&events, "Product roadmap review (Redmond)").map(|e| e.when.clone());
        let redmond =
            TimeZone::get("America/Los_Angeles")?.to_timestamp("2026-12-01T08:00".parse()?)?;
        assert!(matches!(roadmap, Some(When::Timed { start, .. }) if start == redmond));
        // One moved stand-up among the occurrences, all of one series.
        let standups: Vec<&Event> = events
            .iter()
            .filter(|e| e.subject == "Daily stand-up")
            .collect();
        assert!(standups.len() >= 8);
        assert_eq!(
            standups
                .iter()
                .filter(|e| e.kind == Kind::Exception)
                .count(),
            1
        );
        assert!(standups
            .iter()
            .all(|e| e.series_master_id == standups[0].series_master_id
                && e.series_master_id.is_some()));
        // The catch-up is today, after the anchor.
        let catch_up = events
            .iter()
            .find(|e| e.subject.starts_with("Catch-up with"));
        assert!(matches!(
            catch_up.map(|e| &e.when),
            Some(When::Timed { start, .. }) if *start > anchor()
                && berlin.to_datetime(*start).date() == berlin.to_datetime(anchor()).date()
        ));
        Ok(())
    }

    #[test]
    fn catch_up_late_in_the_day_stays_today() -> Result<(), jiff::Error> {
        let users = demo_users();
        // The second is past 23:30: the catch-up goes halfway to midnight.
        for late in ["2026-11-29T22:40:00Z", "2026-11-29T23:50:00Z"] {
            let late: Timestamp = late.parse()?;
            let events = events(&users[0], "UTC", late)?;
            let catch_up = events
                .iter()
                .find(|e| e.subject.starts_with("Catch-up with"));
            assert!(matches!(
                catch_up.map(|e| &e.when),
                Some(When::Timed { start, .. }) if *start > late
                    && TimeZone::UTC.to_datetime(*start).date() == TimeZone::UTC.to_datetime(late).date()
            ));
        }
        Ok(())
    }
}
