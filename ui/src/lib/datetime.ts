// Dates and times of a preview, in the MAILBOX's time zone (not this computer's): what Outlook shows its owner.
// Pure functions: the zone, the clock (12 or 24 hours), the locale and "now" are always passed in, so the same
// preview reads the same on any computer, and tests do not depend on the machine they run on.
import type { AgendaEvent, InboxMessage, PreviewZone } from "../ipc";

/** How to show times: in which zone, with which clock, in which language (undefined: this computer's). */
export interface Clock {
  /** IANA name, e.g. "Europe/Berlin". */
  timeZone: string;
  /** 12-hour clock (true), 24-hour (false), or the locale's habit (null). */
  hour12: boolean | null;
  locale?: string | undefined;
  /** The zone asked for, when this system's time-zone data does not know it and `timeZone` is a stand-in. */
  unknownZone?: string | undefined;
}

/** A calendar date, "2026-12-02": a day as the mailbox's owner sees it. */
export type DayKey = string;

/** Whether this system's time-zone data knows `timeZone` (the webview's may be older than the Rust side's). */
function knownZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone });
    return true;
  } catch {
    return false;
  }
}

/**
 * The clock for a preview's zone. A zone newer than this system's time-zone data (say "America/Ciudad_Juarez" on
 * an old ICU) would make every format throw: this computer's zone stands in, and `unknownZone` says so.
 */
export function clockOf(zone: Pick<PreviewZone, "iana" | "hour12">, locale?: string): Clock {
  if (knownZone(zone.iana)) return { timeZone: zone.iana, hour12: zone.hour12, locale };
  const local = new Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
  return { timeZone: local, hour12: zone.hour12, locale, unknownZone: zone.iana };
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** Intl formatters are costly to build: one per set of options. */
function formatter(locale: string | undefined, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = `${locale ?? ""}|${JSON.stringify(options)}`;
  let f = formatters.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat(locale, options);
    formatters.set(key, f);
  }
  return f;
}

/** Whether this clock shows 12 hours (the mailbox's choice, else the locale's habit). */
export function uses12h(clock: Clock): boolean {
  if (clock.hour12 !== null) return clock.hour12;
  const cycle = formatter(clock.locale, { hour: "numeric" }).resolvedOptions().hourCycle;
  return cycle === "h11" || cycle === "h12";
}

function timeOptions(clock: Clock): Intl.DateTimeFormatOptions {
  const h12 = uses12h(clock);
  // hourCycle, not hour12: `hour12: false` gives "24:30" for half past midnight in some locales (en-US).
  return { timeZone: clock.timeZone, hour: h12 ? "numeric" : "2-digit", minute: "2-digit", hourCycle: h12 ? "h12" : "h23" };
}

/** An RFC 3339 time as a Date, or null when missing or unreadable. */
export function parseInstant(value: string | null | undefined): Date | null {
  if (!value) return null;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? null : d;
}

/** The calendar date of an instant in a zone. */
export function dayKeyOf(instant: Date, timeZone: string): DayKey {
  const parts = formatter("en-US", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" }).formatToParts(instant);
  const get = (type: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === type)?.value ?? "";
  return `${get("year")}-${get("month")}-${get("day")}`;
}

/** The date an all-day time names ("2026-12-01T00:00:00+01:00" → "2026-12-01"): a date, not an instant. */
function civilDay(value: string | null, timeZone: string): DayKey | null {
  if (!value) return null;
  const m = /^(\d{4}-\d{2}-\d{2})/.exec(value);
  if (m?.[1]) return m[1];
  const d = parseInstant(value);
  return d ? dayKeyOf(d, timeZone) : null;
}

/** A day key as midnight UTC: for arithmetic on dates and for formatting them with timeZone "UTC". */
function utcDate(key: DayKey): Date {
  const [y = 1970, m = 1, d = 1] = key.split("-").map(Number);
  return new Date(Date.UTC(y, m - 1, d));
}

export function addDays(key: DayKey, days: number): DayKey {
  const d = utcDate(key);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

/** Whole days from `a` to `b` (negative when `b` is earlier). */
export function daysBetween(a: DayKey, b: DayKey): number {
  return Math.round((utcDate(b).getTime() - utcDate(a).getTime()) / 86_400_000);
}

/** "09:30" or "9:30 AM". */
export function formatTime(instant: Date, clock: Clock): string {
  return formatter(clock.locale, timeOptions(clock)).format(instant);
}

/** The whole date and time, for a tooltip: "Wednesday 2 December 2026, 09:30". */
export function formatFullDateTime(value: string | null, clock: Clock): string {
  const d = parseInstant(value);
  if (!d) return "";
  return formatter(clock.locale, {
    ...timeOptions(clock),
    weekday: "long",
    day: "numeric",
    month: "long",
    year: "numeric",
  }).format(d);
}

/**
 * When a message arrived, as an inbox shows it: today → the time; the past six days → weekday and time;
 * earlier this year → day and month; before → with the year.
 */
export function formatMessageTime(value: string | null, clock: Clock, now: Date | number): string {
  const d = parseInstant(value);
  if (!d) return "";
  const today = dayKeyOf(new Date(now), clock.timeZone);
  const day = dayKeyOf(d, clock.timeZone);
  const age = daysBetween(day, today);
  if (age === 0) return formatTime(d, clock);
  if (age > 0 && age < 7) {
    return formatter(clock.locale, { ...timeOptions(clock), weekday: "short" }).format(d);
  }
  const sameYear = day.slice(0, 4) === today.slice(0, 4);
  return formatter(clock.locale, {
    timeZone: clock.timeZone,
    day: "numeric",
    month: "short",
    ...(sameYear ? {} : { year: "numeric" }),
  }).format(d);
}

/** "Wednesday 2 December" (the locale's order). */
export function formatDayDate(key: DayKey, clock: Pick<Clock, "locale">): string {
  return formatter(clock.locale, { timeZone: "UTC", weekday: "long", day: "numeric", month: "long" }).format(utcDate(key));
}

/** "Thu 3 Dec". */
export function formatShortDay(key: DayKey, clock: Pick<Clock, "locale">): string {
  return formatter(clock.locale, { timeZone: "UTC", weekday: "short", day: "numeric", month: "short" }).format(utcDate(key));
}

/** "Tue". */
export function formatWeekday(key: DayKey, clock: Pick<Clock, "locale">): string {
  return formatter(clock.locale, { timeZone: "UTC", weekday: "short" }).format(utcDate(key));
}

/** A day heading: "Today", "Tomorrow", else the date. */
export function dayLabel(key: DayKey, today: DayKey, clock: Pick<Clock, "locale">): string {
  const offset = daysBetween(today, key);
  if (offset === 0) return "Today";
  if (offset === 1) return "Tomorrow";
  if (offset === -1) return "Yesterday";
  return formatDayDate(key, clock);
}

/** The last day an all-day event covers (its end is exclusive: midnight after the last day). */
function allDaySpan(start: string | null, end: string | null, timeZone: string): { first: DayKey; days: number } | null {
  const first = civilDay(start, timeZone);
  if (!first) return null;
  const after = civilDay(end, timeZone);
  const days = after ? Math.max(1, daysBetween(first, after)) : 1;
  return { first, days };
}

/** The days a timed event covers: from its start's day to the day of the instant before its end. */
function timedSpan(start: Date, end: Date | null, timeZone: string): { first: DayKey; days: number } {
  const first = dayKeyOf(start, timeZone);
  if (!end || end.getTime() <= start.getTime()) return { first, days: 1 };
  const last = dayKeyOf(new Date(end.getTime() - 1), timeZone);
  return { first, days: Math.max(1, daysBetween(first, last) + 1) };
}

/** "All day", or for several days "All day · until Thu 3 Dec" (the last day, the end being exclusive). */
export function formatAllDay(start: string | null, end: string | null, clock: Clock): string {
  const span = allDaySpan(start, end, clock.timeZone);
  if (!span || span.days === 1) return "All day";
  return `All day · until ${formatShortDay(addDays(span.first, span.days - 1), clock)}`;
}

/**
 * A timed event's times: "09:30–09:45" or "9:30 – 9:45 AM"; across midnight "22:00 – 06:00 next day"; longer,
 * with the days: "Mon 30 Nov 09:00 – Wed 2 Dec 17:00".
 */
export function formatTimeRange(start: string | null, end: string | null, clock: Clock): string {
  const s = parseInstant(start);
  if (!s) return "Time not given";
  const e = parseInstant(end);
  if (!e || e.getTime() <= s.getTime()) return formatTime(s, clock);
  const startDay = dayKeyOf(s, clock.timeZone);
  const endDay = dayKeyOf(e, clock.timeZone);
  if (startDay === endDay) return formatter(clock.locale, timeOptions(clock)).formatRange(s, e);
  const span = timedSpan(s, e, clock.timeZone);
  // Ends at midnight: still one day ("22:00 – 00:00").
  if (span.days === 1) return `${formatTime(s, clock)} – ${formatTime(e, clock)}`;
  if (span.days === 2 && e.getTime() - s.getTime() < 86_400_000) {
    return `${formatTime(s, clock)} – ${formatTime(e, clock)} next day`;
  }
  return `${formatShortDay(startDay, clock)} ${formatTime(s, clock)} – ${formatShortDay(endDay, clock)} ${formatTime(e, clock)}`;
}

/** How long ago the preview was fetched: "just now", "12 s ago", "3 min ago", "2 h ago", "3 days ago". */
export function updatedAgo(value: string | null, now: Date | number): string {
  const d = parseInstant(value);
  if (!d) return "never";
  const seconds = Math.max(0, Math.floor((new Date(now).getTime() - d.getTime()) / 1000));
  if (seconds < 5) return "just now";
  if (seconds < 60) return `${seconds} s ago`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ago`;
  if (seconds < 86_400) return `${Math.floor(seconds / 3600)} h ago`;
  const days = Math.floor(seconds / 86_400);
  return `${days} day${days === 1 ? "" : "s"} ago`;
}

// ---- The agenda, day by day ----

/** One event as shown under one day (an event covering three days is shown under each). */
export interface AgendaEntry {
  /** Unique within the agenda: the event's id and the day. */
  key: string;
  event: AgendaEvent;
  /** The time column: "09:30–09:45", "All day", "22:00 – 06:00 next day", "until 06:00", "from 09:00". */
  time: string;
  /** Where the day stands in a longer event: "Day 2 of 3 · until Thu 3 Dec", "Started Tue 22:10". */
  note: string | null;
  /** Shown in the all-day band (an all-day event, or a whole middle day of a longer one). */
  allDay: boolean;
  /** Which of the event's days this is (1-based) and how many it covers. */
  day: number;
  days: number;
}

export interface AgendaDay {
  /** The date, or "unknown" for events whose times Graph did not give. */
  key: DayKey | "unknown";
  /** "Today", "Tomorrow", "Wednesday 2 December", "Date not given". */
  label: string;
  /** The date beside "Today" and "Tomorrow"; null when the label is the date. */
  date: string | null;
  entries: AgendaEntry[];
}

interface Placed {
  day: DayKey;
  entry: AgendaEntry;
  /** Order within the day: all-day first, then by the time it starts that day. */
  order: number;
}

/** The indexes (0-based) of an event's days that fall within the agenda's days `from` … `to`. */
function shownDays(first: DayKey, days: number, from: DayKey, to: DayKey): number[] {
  const lo = Math.max(0, daysBetween(first, from));
  const hi = Math.min(days - 1, daysBetween(first, to));
  const shown: number[] = [];
  // Bounded by the window (a week), however long the event: a leave of 90 days, or an end in 9999.
  for (let i = lo; i <= hi; i++) shown.push(i);
  return shown;
}

function place(event: AgendaEvent, clock: Clock, from: DayKey, to: DayKey): Placed[] | null {
  const tz = clock.timeZone;
  if (event.all_day) {
    const span = allDaySpan(event.start, event.end, tz);
    if (!span) return null;
    const until = formatShortDay(addDays(span.first, span.days - 1), clock);
    return shownDays(span.first, span.days, from, to).map((i) => ({
      day: addDays(span.first, i),
      order: -1,
      entry: {
        key: `${event.id}@${addDays(span.first, i)}`,
        event,
        time: "All day",
        note: span.days > 1 ? `Day ${i + 1} of ${span.days} · until ${until}` : null,
        allDay: true,
        day: i + 1,
        days: span.days,
      },
    }));
  }
  const s = parseInstant(event.start);
  if (!s) return null;
  const e = parseInstant(event.end);
  const span = timedSpan(s, e, tz);
  if (span.days === 1) {
    if (daysBetween(from, span.first) < 0 || daysBetween(span.first, to) < 0) return [];
    return [
      {
        day: span.first,
        order: s.getTime(),
        entry: { key: `${event.id}@${span.first}`, event, time: formatTimeRange(event.start, event.end, clock), note: null, allDay: false, day: 1, days: 1 },
      },
    ];
  }
  const end = e ?? s;
  const overnight = span.days === 2 && end.getTime() - s.getTime() < 86_400_000;
  const startsAt = formatTime(s, clock);
  const endsAt = formatTime(end, clock);
  const lastDay = addDays(span.first, span.days - 1);
  return shownDays(span.first, span.days, from, to).map((i) => {
    const day = addDays(span.first, i);
    const first = i === 0;
    const last = i === span.days - 1;
    let time: string;
    let note: string | null;
    if (overnight) {
      time = first ? `${startsAt} – ${endsAt} next day` : `until ${endsAt}`;
      note = first ? null : `Started ${formatWeekday(span.first, clock)} ${startsAt}`;
    } else {
      time = first ? `from ${startsAt}` : last ? `until ${endsAt}` : "All day";
      note = `Day ${i + 1} of ${span.days}${last ? "" : ` · until ${formatShortDay(lastDay, clock)} ${endsAt}`}`;
    }
    const allDay = !first && !last;
    return {
      day,
      order: first ? s.getTime() : allDay ? -1 : 0,
      entry: { key: `${event.id}@${day}`, event, time, note, allDay, day: i + 1, days: span.days },
    };
  });
}

/**
 * The agenda's events grouped under each day they cover within the `days` from today, in the clock's zone (a
 * conference shows under each of its days; a flight that left yesterday shows under today; a leave of 90 days
 * only under this week's). Days without events are left out. Events whose times Graph did not give come last,
 * under "Date not given": better shown than dropped.
 */
export function groupAgenda(events: readonly AgendaEvent[], clock: Clock, now: Date | number, days = 7): AgendaDay[] {
  const today = dayKeyOf(new Date(now), clock.timeZone);
  const lastDay = addDays(today, Math.max(1, days) - 1);
  const byDay = new Map<DayKey, Placed[]>();
  const unknown: AgendaEntry[] = [];
  const seen = new Set<string>();
  for (const event of events) {
    if (seen.has(event.id)) continue;
    seen.add(event.id);
    const placed = place(event, clock, today, lastDay);
    if (!placed) {
      unknown.push({ key: `${event.id}@unknown`, event, time: "Time not given", note: null, allDay: false, day: 1, days: 1 });
      continue;
    }
    for (const p of placed) {
      const list = byDay.get(p.day) ?? [];
      list.push(p);
      byDay.set(p.day, list);
    }
  }
  const grouped: AgendaDay[] = [...byDay.keys()].sort().map((key) => {
    const label = dayLabel(key, today, clock);
    const placed = byDay.get(key) ?? [];
    // Stable: events starting together keep Graph's order.
    const entries = placed
      .map((p, i) => ({ p, i }))
      .sort((a, b) => a.p.order - b.p.order || a.i - b.i)
      .map(({ p }) => p.entry);
    return { key, label, date: label === "Today" || label === "Tomorrow" ? formatDayDate(key, clock) : null, entries };
  });
  if (unknown.length > 0) grouped.push({ key: "unknown", label: "Date not given", date: null, entries: unknown });
  return grouped;
}

// ---- What Graph left out ----

/** The sender as a person reads it: the name, else the address, else "Unknown sender". */
export function senderLabel(message: Pick<InboxMessage, "from_name" | "from_address">): string {
  return message.from_name?.trim() || message.from_address?.trim() || "Unknown sender";
}

export function subjectLabel(subject: string | null): string {
  return subject?.trim() || "(no subject)";
}

/** A body preview on one line: newlines and runs of spaces become one space. */
export function oneLine(text: string | null): string {
  return (text ?? "").replace(/\s+/g, " ").trim();
}
