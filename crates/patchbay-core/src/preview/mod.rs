//! A connection proving itself: the sections its connector's catalogue entry names (Outlook: the inbox and the
//! agenda), fetched in ONE Graph `$batch` — each section one request, plus what a section needs besides (the
//! mailbox's settings, for its time zone and formats) — with each section failing on its own (no
//! Calendars.Read: the inbox still shows, and the agenda says what permission it needs).
//!
//! [`sections`] holds one module per kind of section; this module plans the batch from the catalogue, sends it,
//! keeps the last preview of each connection in memory, and follows "Load more" links.

mod browse;
pub mod convert;
mod drive_model;
pub mod format;
mod mailbox_zone;
pub mod model;
mod sections;
mod teams_browse;
mod teams_model;

pub use mailbox_zone::preview_zone;
pub use model::{
    AgendaEvent, ChannelItem, ChatItem, ChatLine, ChatMember, ChatPage, Crumb, DriveQuota,
    FileItem, FileList, FolderRef, InboxMessage, Library, Preview, PreviewPage, PreviewSection,
    PreviewZone, ProblemKind, SectionBody, SectionContent, SectionProblem, SiteItem, TeamItem,
};

use crate::catalogue::{is_personal_tenant, Catalogue, Connector, PreviewSpec};
use crate::clock;
use crate::connections::Connections;
use crate::error::{ErrorCode, ErrorInfo};
use crate::graph::mailbox::MailboxSettings;
use crate::graph::session;
use crate::graph::zone::{self, Zone};
use crate::graph::{Batch, BatchResponses, RawResponse, Request};
use crate::tokens::TokenManager;
use convert::Need;
use jiff::tz::TimeZone;
use jiff::Timestamp;
use sections::{Ask, Read, Source};
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::Mutex;

/// How much to show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreviewOptions {
    /// Newest messages (1–1000).
    pub top: u32,
    /// Days of agenda, today included (1–60).
    pub days: u32,
    /// The sections to fetch, by the catalogue's id; `None`: all of them. The others are [`SectionBody::Skipped`].
    pub only: Option<Vec<String>>,
}

impl Default for PreviewOptions {
    fn default() -> Self {
        Self {
            top: 25,
            days: 7,
            only: None,
        }
    }
}

impl PreviewOptions {
    /// Only the section `id`.
    pub fn only(id: &str) -> Self {
        Self {
            only: Some(vec![id.to_string()]),
            ..Self::default()
        }
    }

    fn asks_for(&self, id: &str) -> bool {
        self.only
            .as_ref()
            .is_none_or(|only| only.iter().any(|o| o == id))
    }
}

/// The batch item of the mailbox's settings (no catalogue section is called that).
const MAILBOX_SETTINGS: &str = "mailbox_settings";

/// The last preview of each connection, in memory only, so reopening shows it at once while a new one loads.
#[derive(Default)]
pub(crate) struct PreviewCache {
    last: Mutex<HashMap<String, Preview>>,
}

impl PreviewCache {
    fn get(&self, id: &str) -> Option<Preview> {
        self.last
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(id)
            .cloned()
    }

    fn put(&self, preview: &Preview) {
        self.last
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(preview.connection_id.clone(), preview.clone());
    }

    pub(crate) fn forget(&self, id: &str) {
        self.last
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(id);
    }
}

/// Previews of connections: what this process last fetched of each, and how to fetch it again.
pub struct Previews {
    tokens: Arc<TokenManager>,
    connections: Arc<Connections>,
    catalogue: Arc<Catalogue>,
    cache: PreviewCache,
}

/// One section of a preview being fetched: the catalogue's, how to fetch it, and whether it is asked for.
struct Planned<'a> {
    spec: &'a PreviewSpec,
    source: Option<&'static dyn Source>,
    asked: bool,
}

impl Previews {
    pub(crate) fn new(
        tokens: Arc<TokenManager>,
        connections: Arc<Connections>,
        catalogue: Arc<Catalogue>,
    ) -> Self {
        Self {
            tokens,
            connections,
            catalogue,
            cache: PreviewCache::default(),
        }
    }

    /// Forget what this process fetched of a connection (it was removed).
    pub(crate) fn forget(&self, id: &str) {
        self.cache.forget(id);
    }

    /// The last preview of `id` fetched by this process, if any.
    pub fn cached_preview(&self, id: &str) -> Option<Preview> {
        self.cache.get(id)
    }

    /// Fetch `id`'s preview: one `$batch` (one more only for a throttled or refused part).
    pub async fn preview(&self, id: &str, options: PreviewOptions) -> Result<Preview, ErrorInfo> {
        let info = self.connections.record(id)?.info;
        let requested = info.scopes_requested.clone();
        let connector = self.connector_of(&info.connector_id)?;
        let personal = is_personal_tenant(&info.account.tid) || is_personal_tenant(&info.tenant);
        let plan: Vec<Planned<'_>> = connector
            .capabilities
            .preview
            .iter()
            // A section only work or school accounts have (SharePoint sites) is no part of a personal account's
            // preview: not a failure, there is nothing to show.
            .filter(|spec| !(personal && work_only(connector, spec)))
            .map(|spec| Planned {
                spec,
                // What the catalogue says a section shows is what the window lays out: a source of another
                // kind cannot stand in for it.
                source: sections::source(&spec.id).filter(|s| s.kind() == spec.kind),
                asked: options.asks_for(&spec.id),
            })
            .collect();
        let in_mailbox_zone = plan
            .iter()
            .any(|p| p.asked && p.source.is_some_and(|s| s.in_mailbox_zone()));

        let connection = self.tokens.graph(id).await?;
        let now = Timestamp::now();
        // The zone to ask for times in: the mailbox's as last seen, or this computer's. Either way the answer is
        // moved into the mailbox's zone below.
        let asked_name = self
            .cached_preview(id)
            .and_then(|p| p.time_zone.reported)
            .unwrap_or_else(|| zone::local().iana);
        let asked = zone::resolve(&asked_name)
            .map(|z| z.tz)
            .unwrap_or(TimeZone::UTC);
        let ask = Ask {
            graph: connection.graph(),
            options: &options,
            now,
            asked_zone: &asked_name,
        };
        let mut batch = Batch::new();
        if in_mailbox_zone {
            batch = batch.add(
                MAILBOX_SETTINGS,
                connection.graph().mailbox_settings().request(),
            );
        }
        for p in plan.iter().filter(|p| p.asked) {
            if let Some(source) = p.source {
                batch = batch.add(p.spec.id.clone(), source.request(&ask));
            }
        }
        let mut answers = if batch.is_empty() {
            BatchResponses::default()
        } else {
            connection
                .batch(&batch)
                .await
                .map_err(|e| e.to_error_info())?
        };
        let fetched_at = clock::now_rfc3339();

        let time_zone = if in_mailbox_zone {
            mailbox_zone::preview_zone_for(
                answers
                    .take(MAILBOX_SETTINGS)
                    .and_then(|r| r.json::<MailboxSettings>()),
                &requested,
                Some(connector),
            )
        } else {
            mailbox_zone::this_computers()
        };
        let zone = zone::resolve(&time_zone.iana).unwrap_or_else(zone::local);
        let read = Read {
            zone: &zone,
            asked: &asked,
            options: &options,
            now,
            first: true,
            me: &info.account.oid,
        };
        let sections = plan
            .into_iter()
            .map(|p| PreviewSection {
                id: p.spec.id.clone(),
                title: p.spec.title.clone(),
                body: match (p.asked, p.source) {
                    (false, _) => SectionBody::Skipped,
                    (true, None) => SectionBody::Failed {
                        problem: unknown_section(&p.spec.title),
                    },
                    (true, Some(source)) => {
                        let answer = answers.take(&p.spec.id);
                        match answer.and_then(|r| source.read(r, &read)) {
                            Ok(content) => SectionBody::Loaded { content },
                            Err(e) => SectionBody::Failed {
                                problem: section_problem(&e, source, p.spec, connector, &requested),
                            },
                        }
                    }
                },
            })
            .collect();

        let preview = Preview {
            connection_id: id.to_string(),
            fetched_at,
            time_zone,
            sections,
        };
        self.cache.put(&preview);
        Ok(preview)
    }

    /// The next page of section `section` (the catalogue's id), from Graph's `@odata.nextLink` as given: the
    /// section's content with that page's items. `days` is the agenda's (its days cut the page).
    pub async fn more(
        &self,
        id: &str,
        section: &str,
        next_link: &str,
        days: u32,
    ) -> Result<SectionContent, ErrorInfo> {
        let source = sections::source(section).ok_or_else(|| {
            ErrorInfo::new(
                ErrorCode::InvalidInput,
                format!("A preview has no section \"{section}\"."),
                "Refresh the preview and try again.",
            )
        })?;
        let me = self.connections.record(id)?.info.account.oid;
        let zone = self.preview_zone_of(id);
        let asked_name = self
            .cached_preview(id)
            .and_then(|p| p.time_zone.reported)
            .unwrap_or_else(|| zone.iana.clone());
        let asked = zone::resolve(&asked_name)
            .map(|z| z.tz)
            .unwrap_or(TimeZone::UTC);
        let answer = self
            .follow(id, next_link, &source.next_page_like(&asked_name))
            .await?;
        let options = PreviewOptions {
            days,
            ..PreviewOptions::default()
        };
        let read = Read {
            zone: &zone,
            asked: &asked,
            options: &options,
            now: Timestamp::now(),
            first: false,
            me: &me,
        };
        source
            .read(answer, &read)
            .map_err(|e| session::graph_error_info(&e))
    }

    /// The next page of the inbox, from Graph's `@odata.nextLink` as given.
    pub async fn more_inbox(
        &self,
        id: &str,
        next_link: &str,
    ) -> Result<PreviewPage<InboxMessage>, ErrorInfo> {
        match self
            .more(id, "inbox", next_link, PreviewOptions::default().days)
            .await?
        {
            SectionContent::Messages { items, next_link } => Ok(PreviewPage { items, next_link }),
            _ => Err(not_of_kind("messages")),
        }
    }

    /// The next page of the agenda, from Graph's `@odata.nextLink` as given (it carries the window).
    pub async fn more_agenda(
        &self,
        id: &str,
        next_link: &str,
        days: u32,
    ) -> Result<PreviewPage<AgendaEvent>, ErrorInfo> {
        match self.more(id, "agenda", next_link, days).await? {
            SectionContent::Events { items, next_link } => Ok(PreviewPage { items, next_link }),
            _ => Err(not_of_kind("events")),
        }
    }

    fn connector_of(&self, connector_id: &str) -> Result<&Connector, ErrorInfo> {
        self.catalogue.get(connector_id).map_err(|e| {
            ErrorInfo::new(
                ErrorCode::InvalidInput,
                "This connection's service is not one this Patchbay knows.",
                "Update Patchbay, or remove the connection.",
            )
            .with_detail(e.to_string())
        })
    }

    fn preview_zone_of(&self, id: &str) -> Zone {
        self.cached_preview(id)
            .and_then(|p| zone::resolve(&p.time_zone.iana))
            .unwrap_or_else(zone::local)
    }

    async fn follow(&self, id: &str, link: &str, like: &Request) -> Result<RawResponse, ErrorInfo> {
        self.tokens
            .graph(id)
            .await?
            .follow(link, like)
            .await
            .map_err(|e| e.to_error_info())
    }
}

/// Whether a section needs a permission only work or school accounts have (the catalogue marks it).
fn work_only(connector: &Connector, spec: &PreviewSpec) -> bool {
    spec.needs.as_ref().is_some_and(|need| {
        connector
            .permissions
            .iter()
            .any(|p| p.work_only && p.scope.eq_ignore_ascii_case(&need.scope))
    })
}

/// A section's failure in words: what it needs, as the catalogue says, and whether the connection asked for it.
fn section_problem(
    e: &crate::graph::GraphError,
    source: &dyn Source,
    spec: &PreviewSpec,
    connector: &Connector,
    requested: &[String],
) -> SectionProblem {
    let need = spec.needs.as_ref().map(|n| Need::of(n, connector));
    convert::problem(e, source.subject(), need.as_ref(), requested)
}

/// A section the catalogue names that this Patchbay cannot fetch (a newer catalogue).
fn unknown_section(title: &str) -> SectionProblem {
    SectionProblem {
        kind: ProblemKind::Other,
        title: format!("{title} cannot be shown by this version of Patchbay."),
        message: "Update Patchbay to see it here.".to_string(),
        permission: None,
        detail: None,
        request_id: None,
    }
}

/// A page of another kind than asked for (its content is never put in words: it is the person's data).
fn not_of_kind(wanted: &str) -> ErrorInfo {
    ErrorInfo::new(
        ErrorCode::Internal,
        "Patchbay could not read that page.",
        "Refresh the preview and try again.",
    )
    .with_detail(format!("the page is not one of {wanted}"))
}
