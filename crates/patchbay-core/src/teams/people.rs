//! Who sent a message. Teams names a sender by user id and display name, never by address; the address comes
//! from the chat's members (Teams lists them with theirs), and for anyone else — a channel's poster, someone who
//! left a chat — from the organisation's directory (`GET /users/{id}`, twenty to a `$batch`, one batch after
//! another), which takes User.ReadBasic.All. Without that permission (or for an app, a guest the directory does
//! not show) the address stays unknown: `from_address` is none, never a guess.

use super::Teams;
use crate::graph::batch::MAX_ITEMS;
use crate::graph::teams::{DirectoryUser, Member};
use crate::graph::Batch;
use std::collections::{HashMap, HashSet};

/// A person as far as they are known.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Person {
    pub name: Option<String>,
    pub address: Option<String>,
}

/// The people met so far, by user id (ids compared without regard to case).
#[derive(Debug, Default)]
pub struct People {
    known: HashMap<String, Person>,
    /// Ids already looked up in the directory, found or not: never asked twice.
    asked: HashSet<String>,
}

fn key(id: &str) -> String {
    id.trim().to_ascii_lowercase()
}

fn present(text: &Option<String>) -> Option<String> {
    text.clone().filter(|t| !t.trim().is_empty())
}

impl People {
    /// Learn a chat's members.
    pub fn learn(&mut self, members: &[Member]) {
        for m in members {
            let Some(id) = m.user_id.as_deref() else {
                continue;
            };
            let person = Person {
                name: present(&m.display_name),
                address: present(&m.email),
            };
            if person.address.is_some() || !self.known.contains_key(&key(id)) {
                self.known.insert(key(id), person);
            }
        }
    }

    fn learn_user(&mut self, user: &DirectoryUser) {
        let person = Person {
            name: present(&user.display_name),
            address: present(&user.mail).or_else(|| present(&user.user_principal_name)),
        };
        self.known.insert(key(&user.id), person);
    }

    pub fn get(&self, id: &str) -> Option<&Person> {
        self.known.get(&key(id))
    }

    /// The address of user `id`, when known.
    pub fn address(&self, id: &str) -> Option<String> {
        self.get(id).and_then(|p| p.address.clone())
    }

    /// Of `ids`, those whose address is unknown and who were never looked up (each once).
    fn to_ask<'b>(&self, ids: impl IntoIterator<Item = &'b str>) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for id in ids {
            let k = key(id);
            if k.is_empty() || self.address(&k).is_some() || self.asked.contains(&k) {
                continue;
            }
            if !out.contains(&k) {
                out.push(k);
            }
        }
        out
    }
}

impl Teams<'_> {
    /// Learn a chat's members.
    pub(crate) fn learn(&self, members: &[Member]) {
        self.people().learn(members);
    }

    pub(crate) fn people(&self) -> std::sync::MutexGuard<'_, People> {
        // A panic while the lock was held left a map of people, still whole.
        self.people.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Look up in the directory the people of `ids` whose address is not known yet, twenty to a `$batch`, one
    /// batch after another. What the directory does not answer (no User.ReadBasic.All, an app, a guest) stays
    /// unknown; a batch that gets no answer at all is given up quietly, as the addresses are a courtesy.
    pub(crate) async fn look_up(&self, ids: &[&str]) {
        let wanted = self.people().to_ask(ids.iter().copied());
        let requests = self.graph.graph().teams();
        for group in wanted.chunks(MAX_ITEMS) {
            let mut batch = Batch::new();
            for (i, id) in group.iter().enumerate() {
                batch = batch.add(i.to_string(), requests.user(id));
            }
            let answers = match self.graph.batch(&batch).await {
                Ok(answers) => answers,
                Err(e) => {
                    tracing::debug!("people not looked up: {e}");
                    return;
                }
            };
            let mut answers = answers;
            let mut people = self.people();
            for (i, id) in group.iter().enumerate() {
                people.asked.insert(id.clone());
                let user = answers
                    .take(&i.to_string())
                    .ok()
                    .and_then(|r| r.json::<DirectoryUser>().ok());
                if let Some(user) = user {
                    people.learn_user(&user);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn member(id: &str, name: &str, email: Option<&str>) -> Member {
        Member {
            display_name: Some(name.into()),
            user_id: Some(id.into()),
            email: email.map(str::to_string),
        }
    }

    #[test]
    fn members_give_addresses_and_only_the_unknown_are_asked_once() {
        let mut p = People::default();
        p.learn(&[
            member("U1", "Adele", Some("adele@contoso.example")),
            member("u2", "Megan", None),
        ]);
        assert_eq!(p.address("u1").as_deref(), Some("adele@contoso.example"));
        assert_eq!(p.get("U2").unwrap().name.as_deref(), Some("Megan"));
        assert_eq!(p.to_ask(["u1", "U2", "u3", "u3", ""]), ["u2", "u3"]);
        p.asked.insert("u3".into());
        assert_eq!(p.to_ask(["u3"]), Vec::<String>::new());
        // A member listed again without an address does not forget the one known.
        p.learn(&[member("u1", "Adele V", None)]);
        assert_eq!(p.address("u1").as_deref(), Some("adele@contoso.example"));
        p.learn_user(&DirectoryUser {
            id: "U2".into(),
            display_name: Some("Megan Bowen".into()),
            mail: None,
            user_principal_name: Some("megan@contoso.example".into()),
        });
        assert_eq!(p.address("u2").as_deref(), Some("megan@contoso.example"));
    }
}
