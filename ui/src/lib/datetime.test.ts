import { describe, expect, it } from "vitest";
import type { AgendaEvent } from "../ipc";
import {
  addDays,
  clockOf,
  dayKeyOf,
  dayLabel,
  daysBetween,
  formatAllDay,
  formatFullDateTime,
  formatMessageTime,
  formatTime,
  formatTimeRange,
  groupAgenda,
  oneLine,
  senderLabel,
  subjectLabel,
  updatedAgo,
  type Clock,
} from "./datetime";

// Every test names its zone, clock, locale and "now": nothing depends on the machine's own zone or language.
const berlin: Clock = { timeZone: "Europe/Berlin", hour12: false, locale: "en-GB" };
const newYork: Clock = { timeZone: "America/New_York", hour12: false, locale: "en-GB" };
const berlin12: Clock = { timeZone: "Europe/Berlin", hour12: true, locale: "en-US" };

/** ICU puts thin and narrow no-break spaces around "–" and before "AM"; compare with plain spaces. */
const plain = (s: string) => s.replace(/[\u00a0\u2009\u202f]/g, " ");

function event(overrides: Partial<AgendaEvent> & Pick<AgendaEvent, "id">): AgendaEvent {
  return {
    subject: "Meeting",
    start: null,
    end: null,
    all_day: false,
    location: null,
    organizer: null,
    organizer_address: null,
    join_url: null,
    cancelled: false,
    web_link: null,
    show_as: "busy",
    ...overrides,
  };
}

describe("time zones", () => {
  it("shows the same instant in each mailbox's own zone", () => {
    const instant = new Date("2026-12-02T08:30:00Z");
    expect(formatTime(instant, berlin)).toBe("09:30");
    expect(formatTime(instant, newYork)).toBe("03:30");
    expect(dayKeyOf(new Date("2026-12-02T03:30:00Z"), "Europe/Berlin")).toBe("2026-12-02");
    expect(dayKeyOf(new Date("2026-12-02T03:30:00Z"), "America/New_York")).toBe("2026-12-01");
  });

  it("takes the zone and clock from the preview", () => {
    const clock = clockOf({ iana: "Asia/Tokyo", hour12: true }, "en-US");
    expect(clock).toEqual({ timeZone: "Asia/Tokyo", hour12: true, locale: "en-US" });
    expect(plain(formatTime(new Date("2026-12-02T08:30:00Z"), clock))).toBe("5:30 PM");
  });

  it("puts an event under the mailbox's day: the same event is today in Berlin and tomorrow in New York", () => {
    // 05:30 on 2 December in Berlin is still 23:30 on 1 December in New York.
    const now = new Date("2026-12-02T04:30:00Z");
    const lunch = event({ id: "e1", start: "2026-12-02T12:00:00Z", end: "2026-12-02T13:00:00Z" });
    const [inBerlin] = groupAgenda([lunch], berlin, now);
    const [inNewYork] = groupAgenda([lunch], newYork, now);
    expect(inBerlin?.key).toBe("2026-12-02");
    expect(inBerlin?.label).toBe("Today");
    expect(inBerlin?.entries[0]?.time).toBe("13:00–14:00");
    expect(inNewYork?.key).toBe("2026-12-02");
    expect(inNewYork?.label).toBe("Tomorrow");
    expect(inNewYork?.entries[0]?.time).toBe("07:00–08:00");
  });

  it("flips the day heading at the zone's midnight, not the computer's", () => {
    const late = new Date("2026-12-02T22:59:00Z"); // 23:59 in Berlin
    const past = new Date("2026-12-02T23:01:00Z"); // 00:01 on the 3rd in Berlin, 18:01 on the 2nd in New York
    expect(dayLabel("2026-12-03", dayKeyOf(late, berlin.timeZone), berlin)).toBe("Tomorrow");
    expect(dayLabel("2026-12-03", dayKeyOf(past, berlin.timeZone), berlin)).toBe("Today");
    expect(dayLabel("2026-12-03", dayKeyOf(past, newYork.timeZone), newYork)).toBe("Tomorrow");
  });

  it("names later days by weekday and date", () => {
    expect(dayLabel("2026-12-04", "2026-12-02", berlin)).toMatch(/^Friday,? 4 December$/);
    expect(dayLabel("2026-12-04", "2026-12-02", { locale: "en-US" })).toMatch(/^Friday, December 4$/);
  });

  it("shows a message's time by how old it is, in the mailbox's zone", () => {
    const now = new Date("2026-12-02T10:00:00Z"); // Wednesday
    expect(formatMessageTime("2026-12-02T08:30:00+01:00", berlin, now)).toBe("08:30");
    expect(formatMessageTime("2026-11-29T18:05:00+01:00", berlin, now)).toMatch(/^Sun,? 18:05$/);
    expect(formatMessageTime("2026-11-12T09:00:00+01:00", berlin, now)).toBe("12 Nov");
    expect(formatMessageTime("2025-11-12T09:00:00+01:00", berlin, now)).toBe("12 Nov 2025");
    // 00:30 on the 2nd in Berlin (today) is 18:30 on Tuesday the 1st in New York (yesterday).
    expect(formatMessageTime("2026-12-01T23:30:00Z", berlin, now)).toBe("00:30");
    expect(formatMessageTime("2026-12-01T23:30:00Z", newYork, now)).toMatch(/^Tue,? 18:30$/);
    expect(formatMessageTime(null, berlin, now)).toBe("");
  });

  it("counts days across a change of clocks", () => {
    // Clocks go forward in Berlin on 29 March 2026: that day has 23 hours.
    expect(dayKeyOf(new Date("2026-03-29T22:30:00Z"), "Europe/Berlin")).toBe("2026-03-30");
    expect(daysBetween("2026-03-28", "2026-03-31")).toBe(3);
    expect(addDays("2026-12-30", 3)).toBe("2027-01-02");
  });
});

describe("the clock", () => {
  it("uses a 12-hour clock when the mailbox does", () => {
    const start = "2026-12-02T09:30:00+01:00";
    const end = "2026-12-02T09:45:00+01:00";
    expect(plain(formatTimeRange(start, end, berlin12))).toBe("9:30 – 9:45 AM");
    expect(plain(formatTimeRange("2026-12-02T11:30:00+01:00", "2026-12-02T13:00:00+01:00", berlin12))).toBe("11:30 AM – 1:00 PM");
    expect(plain(formatTime(new Date(start), { ...berlin, hour12: true }))).toMatch(/^9:30 am$/i);
  });

  it("uses a 24-hour clock when the mailbox does, whatever the language's habit", () => {
    const start = "2026-12-02T21:30:00+01:00";
    const end = "2026-12-02T21:45:00+01:00";
    expect(plain(formatTimeRange(start, end, berlin))).toBe("21:30–21:45");
    const american24: Clock = { timeZone: "Europe/Berlin", hour12: false, locale: "en-US" };
    expect(plain(formatTimeRange(start, end, american24))).not.toMatch(/PM/);
    expect(plain(formatTimeRange(start, end, american24))).toMatch(/^21:30\s?–\s?21:45$/);
  });

  it("shows half past midnight as 00:30 on a 24-hour clock, in any language", () => {
    const halfPastMidnight = new Date("2026-12-01T23:30:00Z");
    for (const locale of ["en-US", "en-GB", "de-DE", "ja-JP"]) {
      expect(formatTime(halfPastMidnight, { timeZone: "Europe/Berlin", hour12: false, locale })).toBe("00:30");
    }
    expect(plain(formatTime(halfPastMidnight, { timeZone: "Europe/Berlin", hour12: true, locale: "en-US" }))).toBe("12:30 AM");
  });

  it("follows the language's habit when the mailbox's clock is unknown", () => {
    const t = new Date("2026-12-02T20:05:00Z");
    expect(plain(formatTime(t, { timeZone: "Europe/Berlin", hour12: null, locale: "en-US" }))).toBe("9:05 PM");
    expect(formatTime(t, { timeZone: "Europe/Berlin", hour12: null, locale: "de-DE" })).toBe("21:05");
  });

  it("gives the full date and time for a tooltip", () => {
    expect(formatFullDateTime("2026-12-02T09:30:00+01:00", berlin)).toMatch(/Wednesday,? 2 December 2026.*09:30/);
    expect(formatFullDateTime(null, berlin)).toBe("");
  });
});

describe("all-day and longer events", () => {
  it("shows one all-day event as All day", () => {
    expect(formatAllDay("2026-12-02T00:00:00+01:00", "2026-12-03T00:00:00+01:00", berlin)).toBe("All day");
  });

  it("shows the last day of a multi-day all-day event, its end being exclusive", () => {
    expect(formatAllDay("2026-12-01T00:00:00+01:00", "2026-12-04T00:00:00+01:00", berlin)).toBe("All day · until Thu 3 Dec");
  });

  it("keeps an all-day event on its date in any zone (a date, not an instant)", () => {
    const holiday = event({ id: "h", all_day: true, start: "2026-12-03T00:00:00+09:00", end: "2026-12-04T00:00:00+09:00" });
    const now = new Date("2026-12-02T12:00:00Z");
    for (const clock of [berlin, newYork, { ...berlin, timeZone: "Asia/Tokyo" }]) {
      const days = groupAgenda([holiday], clock, now);
      expect(days.map((d) => d.key)).toEqual(["2026-12-03"]);
      expect(days[0]?.label).toBe("Tomorrow");
      expect(days[0]?.entries[0]).toMatchObject({ time: "All day", note: null, allDay: true });
    }
  });

  it("lists a three-day conference under each of its days", () => {
    const offsite = event({ id: "o", all_day: true, start: "2026-12-03T00:00:00+01:00", end: "2026-12-06T00:00:00+01:00" });
    const days = groupAgenda([offsite], berlin, new Date("2026-12-02T08:00:00Z"));
    expect(days.map((d) => d.key)).toEqual(["2026-12-03", "2026-12-04", "2026-12-05"]);
    expect(days.map((d) => d.entries[0]?.note)).toEqual([
      "Day 1 of 3 · until Sat 5 Dec",
      "Day 2 of 3 · until Sat 5 Dec",
      "Day 3 of 3 · until Sat 5 Dec",
    ]);
    expect(days.every((d) => d.entries[0]?.time === "All day")).toBe(true);
  });

  it("shows a conference that began before today from today on, with its day number", () => {
    const offsite = event({ id: "o", all_day: true, start: "2026-11-30T00:00:00+01:00", end: "2026-12-03T00:00:00+01:00" });
    const days = groupAgenda([offsite], berlin, new Date("2026-12-02T08:00:00Z"));
    expect(days).toHaveLength(1);
    expect(days[0]).toMatchObject({ key: "2026-12-02", label: "Today" });
    expect(days[0]?.entries[0]?.note).toBe("Day 3 of 3 · until Wed 2 Dec");
  });

  it("stands in this computer's zone for one this system's time-zone data does not know", () => {
    const clock = clockOf({ iana: "Mars/Olympus_Mons", hour12: false });
    expect(clock.unknownZone).toBe("Mars/Olympus_Mons");
    expect(() => formatTime(new Date("2026-12-02T08:00:00Z"), clock)).not.toThrow();
    expect(clockOf({ iana: "Europe/Berlin", hour12: false }).unknownZone).toBeUndefined();
  });

  it("shows a long leave only under the agenda's days, however far away it ends", () => {
    const leave = event({ id: "l", all_day: true, start: "2026-11-20T00:00:00+01:00", end: "2027-03-01T00:00:00+01:00" });
    const days = groupAgenda([leave], berlin, new Date("2026-12-02T08:00:00Z"));
    expect(days.map((d) => d.key)).toEqual(["2026-12-02", "2026-12-03", "2026-12-04", "2026-12-05", "2026-12-06", "2026-12-07", "2026-12-08"]);
    expect(days[0]?.entries[0]?.note).toBe("Day 13 of 101 · until Sun 28 Feb");
    // A hostile end in 9999 (millions of days) costs no more than a week.
    const forever = event({ id: "x", start: "2026-12-01T09:00:00Z", end: "9999-12-31T00:00:00Z" });
    expect(groupAgenda([forever], berlin, new Date("2026-12-02T08:00:00Z"), 3)).toHaveLength(3);
    // An event after the window is not shown.
    const later = event({ id: "y", start: "2026-12-20T09:00:00Z", end: "2026-12-20T10:00:00Z" });
    expect(groupAgenda([later], berlin, new Date("2026-12-02T08:00:00Z"))).toEqual([]);
  });

  it("shows a flight crossing midnight under both days", () => {
    const flight = event({ id: "f", start: "2026-12-01T22:00:00+01:00", end: "2026-12-02T06:00:00+01:00" });
    expect(formatTimeRange(flight.start, flight.end, berlin)).toBe("22:00 – 06:00 next day");
    // It left yesterday: today shows how it ends.
    const days = groupAgenda([flight], berlin, new Date("2026-12-02T08:00:00Z"));
    expect(days.map((d) => d.key)).toEqual(["2026-12-02"]);
    expect(days[0]?.entries[0]).toMatchObject({ time: "until 06:00", note: "Started Tue 22:00", day: 2, days: 2 });
    // Seen the day before, it shows under both.
    const before = groupAgenda([flight], berlin, new Date("2026-12-01T08:00:00Z"));
    expect(before.map((d) => [d.label, d.entries[0]?.time])).toEqual([
      ["Today", "22:00 – 06:00 next day"],
      ["Tomorrow", "until 06:00"],
    ]);
  });

  it("keeps an event that ends at midnight on one day", () => {
    const late = event({ id: "l", start: "2026-12-02T22:00:00+01:00", end: "2026-12-03T00:00:00+01:00" });
    expect(formatTimeRange(late.start, late.end, berlin)).toBe("22:00 – 00:00");
    expect(groupAgenda([late], berlin, new Date("2026-12-02T08:00:00Z")).map((d) => d.key)).toEqual(["2026-12-02"]);
  });

  it("shows a timed event over several days with its start, its whole days and its end", () => {
    const trip = event({ id: "t", start: "2026-12-02T09:00:00+01:00", end: "2026-12-04T17:00:00+01:00" });
    expect(formatTimeRange(trip.start, trip.end, berlin)).toBe("Wed 2 Dec 09:00 – Fri 4 Dec 17:00");
    const days = groupAgenda([trip], berlin, new Date("2026-12-02T08:00:00Z"));
    expect(days.map((d) => d.entries[0] && [d.entries[0].time, d.entries[0].note, d.entries[0].allDay])).toEqual([
      ["from 09:00", "Day 1 of 3 · until Fri 4 Dec 17:00", false],
      ["All day", "Day 2 of 3 · until Fri 4 Dec 17:00", true],
      ["until 17:00", "Day 3 of 3", false],
    ]);
  });
});

describe("the agenda's days", () => {
  const now = new Date("2026-12-02T07:00:00Z"); // 08:00 in Berlin

  it("puts all-day events first, then by time, and drops days before today", () => {
    const days = groupAgenda(
      [
        event({ id: "yesterday", start: "2026-12-01T09:00:00+01:00", end: "2026-12-01T10:00:00+01:00" }),
        event({ id: "late", start: "2026-12-02T16:00:00+01:00", end: "2026-12-02T17:00:00+01:00" }),
        event({ id: "early", start: "2026-12-02T09:30:00+01:00", end: "2026-12-02T09:45:00+01:00" }),
        event({ id: "birthday", all_day: true, start: "2026-12-02T00:00:00+01:00", end: "2026-12-03T00:00:00+01:00" }),
        event({ id: "friday", start: "2026-12-04T10:00:00+01:00", end: "2026-12-04T11:00:00+01:00" }),
      ],
      berlin,
      now,
    );
    expect(days.map((d) => d.label)).toEqual(["Today", expect.stringMatching(/^Friday,? 4 December$/)]);
    expect(days[0]?.date).toMatch(/^Wednesday,? 2 December$/);
    expect(days[1]?.date).toBeNull();
    expect(days[0]?.entries.map((e) => e.event.id)).toEqual(["birthday", "early", "late"]);
  });

  it("keeps an event without times, under Date not given, and shows each event once", () => {
    const odd = event({ id: "odd", start: null, end: null });
    const twice = event({ id: "twice", start: "2026-12-02T10:00:00+01:00", end: "2026-12-02T11:00:00+01:00" });
    const days = groupAgenda([twice, odd, twice], berlin, now);
    expect(days.map((d) => [d.label, d.entries.length])).toEqual([
      ["Today", 1],
      ["Date not given", 1],
    ]);
    expect(days[1]?.entries[0]?.time).toBe("Time not given");
  });

  it("is empty without events", () => {
    expect(groupAgenda([], berlin, now)).toEqual([]);
  });
});

describe("what Graph left out", () => {
  it("falls back from the sender's name to the address to Unknown sender", () => {
    expect(senderLabel({ from_name: "Grace Hopper", from_address: "grace@contoso.com" })).toBe("Grace Hopper");
    expect(senderLabel({ from_name: null, from_address: "noreply@fabrikam.com" })).toBe("noreply@fabrikam.com");
    expect(senderLabel({ from_name: "  ", from_address: null })).toBe("Unknown sender");
    expect(senderLabel({ from_name: null, from_address: null })).toBe("Unknown sender");
  });

  it("says (no subject) for a message without one, and keeps any script", () => {
    expect(subjectLabel(null)).toBe("(no subject)");
    expect(subjectLabel("   ")).toBe("(no subject)");
    expect(subjectLabel("来週の打ち合わせについて")).toBe("来週の打ち合わせについて");
  });

  it("puts a body preview on one line", () => {
    expect(oneLine("Hi Ada,\r\n\r\nthe numbers\tare in.")).toBe("Hi Ada, the numbers are in.");
    expect(oneLine(null)).toBe("");
  });
});

describe("updated ago", () => {
  const fetched = "2026-12-02T09:00:00+01:00";
  const at = (seconds: number) => new Date(Date.parse(fetched) + seconds * 1000);

  it("counts seconds, then minutes, hours and days", () => {
    expect(updatedAgo(fetched, at(2))).toBe("just now");
    expect(updatedAgo(fetched, at(12))).toBe("12 s ago");
    expect(updatedAgo(fetched, at(59))).toBe("59 s ago");
    expect(updatedAgo(fetched, at(61))).toBe("1 min ago");
    expect(updatedAgo(fetched, at(3 * 3600 + 5))).toBe("3 h ago");
    expect(updatedAgo(fetched, at(86_400))).toBe("1 day ago");
    expect(updatedAgo(fetched, at(-30))).toBe("just now");
    expect(updatedAgo(null, at(0))).toBe("never");
  });
});
