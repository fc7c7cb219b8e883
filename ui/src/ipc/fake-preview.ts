// Preview sample data for the fake backend (fake-backend.ts): a realistic inbox and week, relative to "now", in
// the mailbox's zone, and the problems a preview can show.
import type { AgendaEvent } from "./bindings/AgendaEvent";
import type { ErrorInfo } from "./bindings/ErrorInfo";
import type { InboxMessage } from "./bindings/InboxMessage";
import type { Preview } from "./bindings/Preview";
import type { PreviewSection } from "./bindings/PreviewSection";
import type { PreviewZone } from "./bindings/PreviewZone";
import type { SectionContent } from "./bindings/SectionContent";
import type { SectionProblem } from "./bindings/SectionProblem";
import type { Scenario } from "./fake-backend";

export const SAMPLE_ZONE: PreviewZone = {
  iana: "Europe/Berlin",
  reported: "W. Europe Standard Time",
  from_mailbox: true,
  hour12: false,
  date_format: "dd.MM.yyyy",
  time_format: "HH:mm",
  problem: null,
};

export const SAMPLE_INBOX_NEXT_LINK =
  "https://graph.microsoft.com/v1.0/me/mailFolders/inbox/messages?%24top=25&%24skip=25";

const pad = (n: number) => String(n).padStart(2, "0");

/** The zone's offset from UTC at instant `t`, in minutes. */
function offsetMinutes(timeZone: string, t: number): number {
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone,
    hourCycle: "h23",
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
  }).formatToParts(new Date(t));
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  const asUtc = Date.UTC(get("year"), get("month") - 1, get("day"), get("hour") % 24, get("minute"), get("second"));
  return Math.round((asUtc - Math.floor(t / 1000) * 1000) / 60_000);
}

/** Instant `t` as RFC 3339 with the zone's offset, as Rust sends it: "2026-12-02T09:30:00+01:00". */
function isoIn(timeZone: string, t: number): string {
  const offset = offsetMinutes(timeZone, t);
  const local = new Date(t + offset * 60_000);
  const sign = offset < 0 ? "-" : "+";
  const abs = Math.abs(offset);
  return (
    `${local.getUTCFullYear()}-${pad(local.getUTCMonth() + 1)}-${pad(local.getUTCDate())}` +
    `T${pad(local.getUTCHours())}:${pad(local.getUTCMinutes())}:${pad(local.getUTCSeconds())}${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`
  );
}

/** Wall-clock `hh:mm` on the day `days` after today (in the zone), as RFC 3339 with that moment's offset. */
function wallClock(timeZone: string, now: number, days: number, hh: number, mm: number): string {
  const today = isoIn(timeZone, now).slice(0, 10).split("-").map(Number);
  const guess = Date.UTC(today[0] ?? 1970, (today[1] ?? 1) - 1, (today[2] ?? 1) + days, hh, mm);
  const first = offsetMinutes(timeZone, guess);
  const t = guess - offsetMinutes(timeZone, guess - first * 60_000) * 60_000;
  return isoIn(timeZone, t);
}

function message(m: Partial<InboxMessage> & Pick<InboxMessage, "id">): InboxMessage {
  return {
    subject: null,
    from_name: null,
    from_address: null,
    received: null,
    is_read: true,
    has_attachments: false,
    preview: null,
    web_link: `https://outlook.office365.com/owa/?ItemID=${encodeURIComponent(m.id)}&exvsurl=1&viewmodel=ReadMessageItem`,
    importance: "normal",
    ...m,
  };
}

function agendaEvent(e: Partial<AgendaEvent> & Pick<AgendaEvent, "id">): AgendaEvent {
  return {
    subject: null,
    start: null,
    end: null,
    all_day: false,
    location: null,
    organizer: null,
    organizer_address: null,
    join_url: null,
    cancelled: false,
    web_link: `https://outlook.office365.com/owa/?itemid=${encodeURIComponent(e.id)}&exvsurl=1&path=/calendar/item`,
    show_as: "busy",
    ...e,
  };
}

/** The sample inbox's first page (a dozen messages, newest first) and its second. */
export function sampleInbox(now = Date.now(), timeZone = SAMPLE_ZONE.iana): { first: InboxMessage[]; second: InboxMessage[] } {
  const ago = (minutes: number) => isoIn(timeZone, now - minutes * 60_000);
  const day = 24 * 60;
  const first: InboxMessage[] = [
    message({
      id: "AAMkAGI2-msg-01",
      subject: "Q4 budget review: numbers due Friday",
      from_name: "Grace Hopper",
      from_address: "grace@contoso.com",
      received: ago(12),
      is_read: false,
      has_attachments: true,
      importance: "high",
      preview: "Hi Ada,\r\n\r\nattached is the draft. Could you check the cloud line items before Friday? The totals changed after the last call.",
    }),
    message({
      id: "AAMkAGI2-msg-02",
      subject: "[patchbay] Preview screen for connections (#42)",
      from_name: "GitHub",
      from_address: "notifications@github.com",
      received: ago(47),
      is_read: false,
      preview: "@ada requested your review on this pull request. 12 files changed, 840 additions.",
    }),
    message({
      id: "AAMkAGI2-msg-03",
      subject: "来週の打ち合わせについて",
      from_name: "山田 太郎",
      from_address: "taro.yamada@contoso.co.jp",
      received: ago(3 * 60 + 5),
      preview: "お疲れ様です。来週の打ち合わせの日程を調整させてください。火曜日の午後はいかがでしょうか。",
    }),
    message({
      id: "AAMkAGI2-msg-04",
      subject: "Your invoice INV-2026-1183",
      from_name: null,
      from_address: "billing@fabrikam.com",
      received: ago(day + 40),
      has_attachments: true,
      preview: "Your invoice for November is attached. Amount due: €1,240.00.",
    }),
    message({
      id: "AAMkAGI2-msg-05",
      subject: null,
      from_name: "Alan Turing",
      from_address: "alan@contoso.com",
      received: ago(day + 180),
      is_read: false,
      preview: "Quick question about tomorrow: is the room booked until noon?",
    }),
    message({
      id: "AAMkAGI2-msg-06",
      subject:
        "Re: Re: Fwd: Offsite planning: travel, hotel, the agenda for the three days in Lisbon, and who is bringing the projector this time",
      from_name: "Katherine Johnson",
      from_address: "katherine@contoso.com",
      received: ago(2 * day + 15),
      preview: "Flights are booked for everyone except Alan. Hotel is two streets from the venue.",
    }),
    message({
      id: "AAMkAGI2-msg-07",
      subject: "تحديث المشروع",
      from_name: "ليلى حداد",
      from_address: "layla@contoso.com",
      received: ago(2 * day + 200),
      preview: "مرحبا، هذا ملخص التقدم لهذا الأسبوع.",
    }),
    message({
      id: "AAMkAGI2-msg-08",
      subject: "You have 3 new messages in Design team",
      from_name: "Microsoft Teams",
      from_address: "noreply@email.teams.microsoft.com",
      received: ago(3 * day + 60),
      preview: "Grace: can we move the review to 11? Katherine: works for me.",
    }),
    message({
      id: "AAMkAGI2-msg-09",
      subject: "Weekly digest: what changed in your tenant",
      from_name: "Microsoft 365 Message center",
      from_address: "o365mc@microsoft.com",
      received: ago(5 * day + 30),
      importance: "low",
      preview: "3 new features, 2 retirements and 1 planned maintenance for your organisation.",
    }),
    message({
      id: "AAMkAGI2-msg-10",
      subject: "Signed contract",
      from_name: "Fabrikam Legal",
      from_address: "legal@fabrikam.com",
      received: ago(9 * day),
      has_attachments: true,
      preview: "Please find the countersigned contract attached.",
    }),
    message({
      id: "AAMkAGI2-msg-11",
      subject: "Delivery Status Notification (Failure)",
      from_name: null,
      from_address: null,
      received: ago(14 * day),
      preview: "Delivery to the following recipients failed permanently: old-list@contoso.com",
    }),
    message({
      id: "AAMkAGI2-msg-12",
      subject: "Überprüfung der Änderungen am Dienstplan",
      from_name: "Jürgen Groß",
      from_address: "juergen.gross@contoso.de",
      received: ago(21 * day),
      preview: "Hallo Ada, anbei die Änderungen für Dezember.",
    }),
  ];
  const second: InboxMessage[] = [
    message({
      id: "AAMkAGI2-msg-13",
      subject: "Welcome to Contoso",
      from_name: "Contoso IT",
      from_address: "it@contoso.com",
      received: ago(40 * day),
      preview: "Your account is ready. Here is how to set up multi-factor authentication.",
    }),
    message({
      id: "AAMkAGI2-msg-14",
      subject: "Parking permit",
      from_name: "Facilities",
      from_address: "facilities@contoso.com",
      received: ago(41 * day),
      has_attachments: true,
      preview: "Your parking permit for level -2 is attached.",
    }),
  ];
  return { first, second };
}

/** The sample week: all-day, a 3-day offsite, a night crossing midnight, a cancelled 1:1, online meetings. */
export function sampleAgenda(now = Date.now(), timeZone = SAMPLE_ZONE.iana): AgendaEvent[] {
  const at = (days: number, hh: number, mm = 0) => wallClock(timeZone, now, days, hh, mm);
  const teams = (id: string) => `https://teams.microsoft.com/l/meetup-join/19%3ameeting_${id}%40thread.v2/0`;
  return [
    agendaEvent({
      id: "AAMkAGI2-evt-01",
      subject: "Night train Berlin → Vienna",
      start: at(-1, 22, 10),
      end: at(0, 7, 45),
      location: "Berlin Hbf, platform 12",
      organizer: "Ada Lovelace",
      organizer_address: "ada@contoso.com",
      show_as: "oof",
    }),
    agendaEvent({
      id: "AAMkAGI2-evt-02",
      subject: "Alan's birthday",
      start: at(0, 0),
      end: at(1, 0),
      all_day: true,
      show_as: "free",
    }),
    agendaEvent({
      id: "AAMkAGI2-evt-03",
      subject: "Daily stand-up",
      start: at(0, 9, 30),
      end: at(0, 9, 45),
      location: "Microsoft Teams Meeting",
      organizer: "Grace Hopper",
      organizer_address: "grace@contoso.com",
      join_url: teams("standup"),
    }),
    agendaEvent({
      id: "AAMkAGI2-evt-04",
      subject: "Design review: connection preview screen",
      start: at(0, 11),
      end: at(0, 12),
      location: "Room 4.12 (Ada Lovelace) and Microsoft Teams",
      organizer: "Katherine Johnson",
      organizer_address: "katherine@contoso.com",
      join_url: teams("designreview"),
    }),
    agendaEvent({
      id: "AAMkAGI2-evt-05",
      subject: "1:1 Ada / Grace",
      start: at(0, 14),
      end: at(0, 14, 30),
      location: "Grace's office",
      organizer: "Grace Hopper",
      organizer_address: "grace@contoso.com",
      cancelled: true,
      show_as: "free",
    }),
    agendaEvent({
      id: "AAMkAGI2-evt-06",
      subject: "Offsite in Lisbon",
      start: at(1, 0),
      end: at(4, 0),
      all_day: true,
      location: "LX Factory, Lisbon",
      organizer: "Katherine Johnson",
      organizer_address: "katherine@contoso.com",
      show_as: "oof",
    }),
    agendaEvent({
      id: "AAMkAGI2-evt-07",
      subject: "Server migration (maintenance window)",
      start: at(1, 22),
      end: at(2, 6),
      location: null,
      organizer: "ops@contoso.com",
      organizer_address: "ops@contoso.com",
      show_as: "tentative",
    }),
    agendaEvent({
      id: "AAMkAGI2-evt-08",
      subject: "Team breakfast",
      start: at(2, 8),
      end: at(2, 9),
      location: "Café A Brasileira",
      organizer: "Alan Turing",
      organizer_address: "alan@contoso.com",
      show_as: "tentative",
    }),
    agendaEvent({
      id: "AAMkAGI2-evt-09",
      subject: "四半期レビュー (Quarterly review, Tokyo office)",
      start: at(3, 13),
      end: at(3, 14, 30),
      location: "東京オフィス 会議室 A",
      organizer: "山田 太郎",
      organizer_address: "taro.yamada@contoso.co.jp",
      join_url: teams("quarterly"),
    }),
    agendaEvent({
      id: "AAMkAGI2-evt-10",
      subject: "Dentist",
      start: at(5, 10),
      end: at(5, 11),
      location: "Dr. Müller, Friedrichstraße 12",
      organizer: "Ada Lovelace",
      organizer_address: "ada@contoso.com",
      show_as: "oof",
    }),
    agendaEvent({
      id: "AAMkAGI2-evt-11",
      subject: "Workshop: Microsoft Graph for beginners",
      start: at(6, 9),
      end: at(6, 17),
      location: "Contoso Campus, Building 3",
      organizer: "Contoso Learning",
      organizer_address: "learning@contoso.com",
      show_as: "workingElsewhere",
    }),
  ];
}

export const NO_CALENDAR_PROBLEM: SectionProblem = {
  kind: "missing_permission",
  title: "The calendar needs permission Calendars.Read.",
  message:
    "This connection was not granted Calendars.Read. Use Fix to sign in again and grant it; if your organisation requires it, ask an administrator to consent.",
  permission: "Calendars.Read",
  detail: "ErrorAccessDenied: Access is denied. Check credentials and try again.",
  request_id: "5d3f2b1a-8c4e-4f6a-9b7d-0e1c2a3b4c5d",
};

export const PREVIEW_ERROR: ErrorInfo = {
  code: "refresh_token_revoked",
  title: "This connection needs you to sign in again.",
  message: "Microsoft revoked this connection's sign-in (a password change or an administrator). Use Fix to sign in again as the same account.",
  detail: "invalid_grant: AADSTS50173: The provided grant has expired due to it being revoked.",
};

/** A preview of connection `id` as Rust answers it, fetched at `now`. */
export function samplePreview(id: string, now = Date.now(), scenario: Scenario = "ok"): Preview {
  const localZone = new Intl.DateTimeFormat().resolvedOptions().timeZone;
  const time_zone: PreviewZone =
    scenario === "no_mailbox_settings"
      ? {
          iana: localZone,
          reported: null,
          from_mailbox: false,
          hour12: null,
          date_format: null,
          time_format: null,
          problem: {
            kind: "missing_permission",
            title: "The mailbox's time zone needs permission MailboxSettings.Read.",
            message:
              "This connection was not granted MailboxSettings.Read. Use Fix to sign in again and grant it; if your organisation requires it, ask an administrator to consent.",
            permission: "MailboxSettings.Read",
            detail: "ErrorAccessDenied: Access is denied. Check credentials and try again.",
            request_id: "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d",
          },
        }
      : { ...SAMPLE_ZONE };
  const empty = scenario === "empty_mailbox";
  const inbox: PreviewSection = empty
    ? { id: "inbox", title: "Inbox", state: "loaded", content: { kind: "messages", items: [], next_link: null } }
    : {
        id: "inbox",
        title: "Inbox",
        state: "loaded",
        content: { kind: "messages", items: sampleInbox(now, time_zone.iana).first, next_link: SAMPLE_INBOX_NEXT_LINK },
      };
  const agenda: PreviewSection =
    scenario === "no_calendar"
      ? { id: "agenda", title: "Agenda", state: "failed", problem: { ...NO_CALENDAR_PROBLEM } }
      : {
          id: "agenda",
          title: "Agenda",
          state: "loaded",
          content: { kind: "events", items: empty ? [] : sampleAgenda(now, time_zone.iana), next_link: null },
        };
  return { connection_id: id, fetched_at: isoIn(time_zone.iana, now), time_zone, sections: [inbox, agenda] };
}

/** Section `id`'s content of kind `kind` (tests change a sample through it); throws when it is not that. */
export function contentOf<K extends SectionContent["kind"]>(preview: Preview, id: string, kind: K): Extract<SectionContent, { kind: K }> {
  const section = preview.sections.find((s) => s.id === id);
  if (section?.state !== "loaded" || section.content.kind !== kind) throw new Error(`section ${id} is not loaded ${kind}`);
  return section.content as Extract<SectionContent, { kind: K }>;
}
