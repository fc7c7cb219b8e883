//! Writing a conversation's demo messages: [`Writer`] (plain text, HTML, @mentions, replies, images, system
//! events, edits and deletes), dated back from the anchor by [`at`].

use jiff::{SignedDuration, Timestamp};

use super::hosted::{hosted_id, hosted_url, image, image_html};
use super::BASE;
use crate::graph::teams::model::{BodyType, Event, Hosted, Mention, Msg, Person, Teams};

pub(super) fn at(anchor: Timestamp, minutes_ago: i64, jitter_ms: i64) -> Timestamp {
    anchor - SignedDuration::from_mins(minutes_ago) + SignedDuration::from_millis(jitter_ms)
}

/// What builds one conversation's messages.
pub(super) struct Writer<'a> {
    teams: &'a mut Teams,
    base: &'a str,
    /// `chats/{id}` or `teams/{id}/channels/{id}` (for hosted content URLs).
    pub(super) path: String,
    pub(super) messages: Vec<Msg>,
}

impl<'a> Writer<'a> {
    /// A writer for the conversation at `path` (`chats/{id}` or `teams/{id}/channels/{id}`).
    pub(super) fn new(teams: &'a mut Teams, path: String) -> Self {
        Writer {
            teams,
            base: BASE,
            path,
            messages: Vec::new(),
        }
    }

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

    pub(super) fn html(&mut self, when: Timestamp, from: &Person, text: &str) -> String {
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

    pub(super) fn text(&mut self, when: Timestamp, from: &Person, text: &str) -> String {
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

    pub(super) fn mention(
        &mut self,
        when: Timestamp,
        from: &Person,
        who: &Person,
        text: &str,
    ) -> String {
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

    pub(super) fn reply(
        &mut self,
        when: Timestamp,
        from: &Person,
        post: &str,
        text: &str,
    ) -> String {
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

    pub(super) fn with_image(
        &mut self,
        when: Timestamp,
        from: &Person,
        text: &str,
        seed: &str,
    ) -> String {
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

    pub(super) fn event(&mut self, when: Timestamp, event: Event) -> String {
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
    pub(super) fn edit(&mut self, id: &str, when: Timestamp, text: &str) {
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
    pub(super) fn delete(&mut self, id: &str, when: Timestamp) {
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
