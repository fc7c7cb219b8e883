//! `GET /me/mailboxSettings`, and each demo user's regional settings — the time zone the demo week is laid
//! out in (changed by `POST /_sandbox/mailbox-timezone`).

use serde_json::{json, Value};

use super::odata::{self, Query};
use super::{access_denied, ids, Caller, GraphRequest, Reply};
use crate::state::{AppState, DemoUser};

const READ_SETTINGS: &[&str] = &["MailboxSettings.Read", "MailboxSettings.ReadWrite"];

/// The properties of `mailboxSettings`, for `$select`.
const PROPERTIES: &[&str] = &[
    "archiveFolder",
    "timeZone",
    "automaticRepliesSetting",
    "dateFormat",
    "timeFormat",
    "delegateMeetingMessageDeliveryOptions",
    "userPurpose",
    "language",
    "workingHours",
];

/// A user's regional settings as Outlook keeps them.
pub struct Regional {
    pub time_zone: &'static str,
    pub date_format: &'static str,
    pub time_format: &'static str,
    pub locale: &'static str,
    pub language: &'static str,
    pub work_start: &'static str,
    pub work_end: &'static str,
}

/// The defaults per demo user. Adele's and Alex's zones are Windows names, as Exchange usually reports;
/// Megan's is IANA, as Graph reports a zone chosen in Outlook on the web.
pub fn regional(user: &DemoUser) -> Regional {
    match user.email.as_str() {
        "adele@contoso.example" => Regional {
            time_zone: "W. Europe Standard Time",
            date_format: "dd.MM.yyyy",
            time_format: "HH:mm",
            locale: "de-DE",
            language: "German (Germany)",
            work_start: "08:00:00.0000000",
            work_end: "17:00:00.0000000",
        },
        "megan@contoso.example" => Regional {
            time_zone: "America/New_York",
            date_format: "M/d/yyyy",
            time_format: "h:mm tt",
            locale: "en-US",
            language: "English (United States)",
            work_start: "09:00:00.0000000",
            work_end: "17:30:00.0000000",
        },
        "alex@contoso.example" => Regional {
            time_zone: "Tokyo Standard Time",
            date_format: "yyyy/MM/dd",
            time_format: "H:mm",
            locale: "ja-JP",
            language: "Japanese (Japan)",
            work_start: "09:00:00.0000000",
            work_end: "18:00:00.0000000",
        },
        _ => Regional {
            time_zone: "UTC",
            date_format: "yyyy-MM-dd",
            time_format: "HH:mm",
            locale: "en-US",
            language: "English (United States)",
            work_start: "08:00:00.0000000",
            work_end: "17:00:00.0000000",
        },
    }
}

/// The user's default mailbox time zone.
pub fn default_time_zone(user: &DemoUser) -> &'static str {
    regional(user).time_zone
}

/// The mailbox time zone now: the control's override, else the default.
pub fn time_zone(st: &AppState, user: &DemoUser) -> String {
    st.lock()
        .mailbox_time_zones
        .get(&user.id)
        .cloned()
        .unwrap_or_else(|| default_time_zone(user).to_string())
}

pub fn settings(st: &AppState, caller: &Caller, req: &GraphRequest) -> Reply {
    if !caller.has_any(READ_SETTINGS) {
        return access_denied();
    }
    let q = Query::parse(req.query);
    let selection =
        match odata::selection(&q, PROPERTIES, "Microsoft.OutlookServices.MailboxSettings") {
            Ok(s) => s,
            Err(reply) => return reply,
        };
    let user = &caller.user;
    let r = regional(user);
    let zone = time_zone(st, user);
    let entity = json!({
        "archiveFolder": ids::folder_id(&[&user.id, "archive"]),
        "timeZone": zone,
        "automaticRepliesSetting": {
            "status": "disabled",
            "externalAudience": "all",
            "internalReplyMessage": "",
            "externalReplyMessage": "",
            "scheduledStartDateTime": {"dateTime": "2020-01-01T08:00:00.0000000", "timeZone": "UTC"},
            "scheduledEndDateTime": {"dateTime": "2020-01-02T08:00:00.0000000", "timeZone": "UTC"},
        },
        "dateFormat": r.date_format,
        "timeFormat": r.time_format,
        "delegateMeetingMessageDeliveryOptions": "sendToDelegateOnly",
        "userPurpose": "user",
        "language": {"locale": r.locale, "displayName": r.language},
        "workingHours": {
            "daysOfWeek": ["monday", "tuesday", "wednesday", "thursday", "friday"],
            "startTime": r.work_start,
            "endTime": r.work_end,
            "timeZone": {"name": zone},
        },
    });
    let mut body = odata::project(entity, selection.as_deref(), &[]);
    let context = odata::context(
        &st.base,
        &format!("users('{}')/mailboxSettings", user.id),
        selection.as_deref(),
    );
    if let Value::Object(map) = &mut body {
        map.insert("@odata.context".into(), Value::String(context));
    }
    Reply::ok(body)
}
