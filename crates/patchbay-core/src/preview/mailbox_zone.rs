//! The zone (and formats) a preview shows times in: the mailbox's, read in the preview's `$batch` when one of its
//! sections shows the mailbox's times; this computer's otherwise, or when the mailbox's cannot be had.

use super::convert::{self, mailbox_settings_need, MAILBOX_ZONE};
use super::model::{PreviewZone, ProblemKind, SectionProblem};
use crate::catalogue::Connector;
use crate::graph::mailbox::MailboxSettings;
use crate::graph::zone;
use crate::graph::GraphError;

/// The zone (and formats) to show times in, from the mailbox settings' answer.
pub fn preview_zone(
    settings: Result<MailboxSettings, GraphError>,
    requested: &[String],
) -> PreviewZone {
    preview_zone_for(settings, requested, None)
}

/// As [`preview_zone`], with the words of `connector`'s wizard when the permission is missing.
pub fn preview_zone_for(
    settings: Result<MailboxSettings, GraphError>,
    requested: &[String],
    connector: Option<&Connector>,
) -> PreviewZone {
    let local = zone::local();
    match settings {
        Ok(s) => {
            let hour12 = s.time_format.as_deref().and_then(convert::hour12);
            match s.time_zone.as_deref().and_then(zone::resolve) {
                Some(z) => PreviewZone {
                    iana: z.iana,
                    reported: s.time_zone,
                    from_mailbox: true,
                    hour12,
                    date_format: s.date_format,
                    time_format: s.time_format,
                    problem: None,
                },
                None => PreviewZone {
                    iana: local.iana,
                    reported: None,
                    from_mailbox: false,
                    hour12,
                    date_format: s.date_format,
                    time_format: s.time_format,
                    problem: Some(SectionProblem {
                        kind: ProblemKind::Other,
                        title: match &s.time_zone {
                            Some(name) => format!("The mailbox's time zone \"{name}\" is not one Patchbay knows."),
                            None => "The mailbox has no time zone set.".to_string(),
                        },
                        message: "Times are shown in this computer's time zone. Set the mailbox's time zone in \
                                  Outlook's settings to see them in it."
                            .to_string(),
                        permission: None,
                        detail: None,
                        request_id: None,
                    }),
                },
            }
        }
        Err(e) => PreviewZone {
            problem: Some(convert::problem(
                &e,
                MAILBOX_ZONE,
                Some(&mailbox_settings_need(connector)),
                requested,
            )),
            ..this_computers()
        },
    }
}

/// This computer's zone, for a preview none of whose sections shows the mailbox's times.
pub fn this_computers() -> PreviewZone {
    PreviewZone {
        iana: zone::local().iana,
        reported: None,
        from_mailbox: false,
        hour12: None,
        date_format: None,
        time_format: None,
        problem: None,
    }
}
