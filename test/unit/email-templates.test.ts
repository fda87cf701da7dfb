import { describe, expect, it } from "vitest";
import {
  dedupeKey,
  describeStudents,
  dueReminder,
  type EmailFact,
  formatInstant,
  formatLessonTime,
  formatMoney,
  renderEmail,
} from "../../src/domain/email-templates";
import {
  buildLessonInvite,
  lessonEvent,
  lessonSequence,
  lessonUid,
  renderCalendar,
} from "../../src/services/lesson-calendar";

const HOUR = 3_600_000;
// Tuesday 2027-06-15 12:00 UTC = 14:00 in Berlin (CEST), 08:00 in New York (EDT), 21:00 in Tokyo.
const start = Date.parse("2027-06-15T12:00:00Z");
const lesson = { startsAt: start, endsAt: start + HOUR };
const ann = { name: "Ann", timeZone: "Europe/Berlin" };

describe("formatMoney", () => {
  it.each([
    { amount: 4500, currency: "usd", text: "$45.00" },
    { amount: 4550, currency: "EUR", text: "€45.50" },
    { amount: 4500, currency: "jpy", text: "¥4,500" },
    { amount: 12345, currency: "kwd", text: "KWD 12.345" },
    { amount: 0, currency: "usd", text: "$0.00" },
  ])("renders $amount minor units of $currency as $text", ({ amount, currency, text }) => {
    expect(formatMoney(amount, currency)).toBe(text);
  });
});

describe("formatMoney in the reader's locale", () => {
  it.each([
    { amount: 4550, currency: "eur", locale: "de-DE", text: "45,50 €" },
    { amount: 4500, currency: "jpy", locale: "ja-JP", text: "￥4,500" },
    { amount: 4500, currency: "usd", locale: "en-GB", text: "US$45.00" },
    { amount: 4500, currency: "usd", locale: "not a tag", text: "$45.00" },
  ])("renders $amount $currency for $locale as '$text'", ({ amount, currency, locale, text }) => {
    expect(formatMoney(amount, currency, locale)).toBe(text);
  });
});

describe("formatInstant", () => {
  it.each([
    { locale: "en-US", zone: "Europe/Berlin", text: "Tue, Jun 15, 2:00 PM GMT+2" },
    { locale: "en-GB", zone: "Europe/Berlin", text: "Tue 15 Jun, 14:00 CEST" },
    { locale: "de-DE", zone: "Europe/Berlin", text: "Di., 15. Juni, 14:00 MESZ" },
    { locale: "ja-JP", zone: "Asia/Tokyo", text: "6月15日(火) 21:00 JST" },
    { locale: "en-US", zone: "Mars/Olympus", text: "Tue, Jun 15, 12:00 PM UTC" },
  ])("renders an instant for $locale in $zone as '$text'", ({ locale, zone, text }) => {
    expect(formatInstant(start, { locale, timeZone: zone })).toBe(text);
  });
});

describe("formatLessonTime", () => {
  it.each([
    {
      locale: "en-US",
      zone: "America/New_York",
      text: "Tuesday, June 15, 2027, 8:00 – 9:00 AM EDT (America/New_York)",
    },
    {
      locale: "en-GB",
      zone: "Europe/Berlin",
      text: "Tuesday, 15 June 2027, 14:00–15:00 CEST (Europe/Berlin)",
    },
    {
      locale: "de-DE",
      zone: "Europe/Berlin",
      text: "Dienstag, 15. Juni 2027, 14:00–15:00 Uhr MESZ (Europe/Berlin)",
    },
    { locale: "ja-JP", zone: "Asia/Tokyo", text: "2027/6/15火曜日 21時00分～22時00分(JST) (Asia/Tokyo)" },
    {
      locale: "en-GB",
      zone: "Asia/Kolkata",
      text: "Tuesday, 15 June 2027, 17:30–18:30 GMT+5:30 (Asia/Kolkata)",
    },
    { locale: "en-US", zone: "UTC", text: "Tuesday, June 15, 2027, 12:00 – 1:00 PM UTC (UTC)" },
  ])("renders the lesson for $locale in $zone as '$text'", ({ locale, zone, text }) => {
    expect(formatLessonTime(lesson, { locale, timeZone: zone })).toBe(text);
  });

  it("shows the local date when the zone is already on the next day", () => {
    const late = Date.parse("2027-06-15T20:00:00Z");
    expect(
      formatLessonTime({ startsAt: late, endsAt: late + HOUR }, { locale: "en-GB", timeZone: "Asia/Tokyo" }),
    ).toBe("Wednesday, 16 June 2027, 05:00–06:00 GMT+9 (Asia/Tokyo)");
  });

  it("falls back to UTC for an unknown zone and to en-US for a malformed locale", () => {
    expect(formatLessonTime(lesson, { locale: "--", timeZone: "Mars/Olympus" })).toBe(
      "Tuesday, June 15, 2027, 12:00 – 1:00 PM UTC (UTC)",
    );
  });
});

describe("dueReminder", () => {
  it.each([
    { lead: 25 * HOUR, due: null },
    { lead: 24 * HOUR + 1, due: null },
    { lead: 24 * HOUR, due: "reminder-24h" },
    { lead: 23 * HOUR, due: "reminder-24h" },
    { lead: HOUR + 1, due: "reminder-24h" },
    { lead: HOUR, due: "reminder-1h" },
    { lead: 50 * 60_000, due: "reminder-1h" },
    { lead: 1, due: "reminder-1h" },
    { lead: 0, due: null },
    { lead: -HOUR, due: null },
  ])("start in $lead ms → $due", ({ lead, due }) => {
    expect(dueReminder(start, start - lead)).toBe(due);
  });
});

describe("describeStudents and dedupeKey", () => {
  it.each([
    { names: [], text: "no students" },
    { names: ["Ann"], text: "Ann" },
    { names: ["Ann", "Bob"], text: "Ann and Bob" },
    { names: ["Ann", "Bob", "Cy"], text: "Ann, Bob and Cy" },
    { names: ["Ann", "Bob", "Cy", "Di", "Ed"], text: "Ann, Bob and 3 others" },
  ])("names $names as '$text'", ({ names, text }) => {
    expect(describeStudents(names)).toBe(text);
  });

  it("builds keys as kind:subject:user", () => {
    expect(dedupeKey("reminder-24h", "ses_1", "usr_2")).toBe("reminder-24h:ses_1:usr_2");
  });
});

describe("renderEmail", () => {
  const cases: { fact: EmailFact; subject: string[]; text: string[] }[] = [
    {
      fact: { kind: "booking-confirmed", lesson, providerName: "Prof. Plum", amount: 4500, currency: "usd" },
      subject: ["Booked: your lesson with Prof. Plum on Tue, Jun 15, 2:00 PM GMT+2"],
      text: [
        "Hi Ann,",
        "is confirmed",
        "When: Tuesday, June 15, 2027, 2:00 – 3:00 PM GMT+2 (Europe/Berlin)\nPaid: $45.00",
        "lesson.ics",
      ],
    },
    {
      fact: { kind: "booking-new", lesson, studentName: "Sam", amount: 4500, currency: "usd" },
      subject: ["New booking", "Sam"],
      text: ["Sam booked a lesson with you", "$45.00"],
    },
    {
      fact: {
        kind: "booking-refund",
        lesson,
        providerName: "Prof. Plum",
        amount: 4500,
        currency: "usd",
        refund: "pending",
      },
      subject: ["Refund on its way: $45.00 for your lesson with Prof. Plum on Tue, Jun 15, 2:00 PM GMT+2"],
      text: ["is cancelled", "Your refund of $45.00 is on its way"],
    },
    {
      fact: {
        kind: "booking-refund",
        lesson,
        providerName: "Prof. Plum",
        amount: 4500,
        currency: "eur",
        refund: "done",
      },
      subject: ["Refunded: €45.00 for your lesson with Prof. Plum on Tue, Jun 15, 2:00 PM GMT+2"],
      text: ["We have refunded €45.00"],
    },
    {
      fact: { kind: "session-cancelled", lesson, role: "student", otherParty: "Prof. Plum" },
      subject: ["Cancelled", "Prof. Plum"],
      text: ["Prof. Plum had to cancel", "money back in full"],
    },
    {
      fact: { kind: "session-cancelled", lesson, role: "provider", otherParty: "Ann and Bob" },
      subject: ["Cancelled: your lesson on"],
      text: [
        "You cancelled your lesson with Ann and Bob",
        "When: Tuesday, June 15, 2027",
        "refunded in full",
      ],
    },
    {
      fact: { kind: "reminder-24h", lesson, role: "student", otherParty: "Prof. Plum" },
      subject: ["Reminder", "with Prof. Plum", "tomorrow"],
      text: ["starts tomorrow", "2:00"],
    },
    {
      fact: { kind: "reminder-1h", lesson, role: "provider", otherParty: "Ann" },
      subject: ["Reminder", "for Ann", "in about an hour"],
      text: ["starts in about an hour", "60 minutes before"],
    },
    {
      fact: { kind: "student-cancelled", lesson, studentName: "Sam", refundAmount: 2250, currency: "eur" },
      subject: ["Cancelled by Sam: your lesson on Tue, Jun 15, 2:00 PM GMT+2"],
      text: [
        "Sam cancelled their lesson with you",
        "Sam gets €22.50 back",
        "When: Tuesday, June 15, 2027, 2:00 – 3:00 PM GMT+2 (Europe/Berlin)",
      ],
    },
    {
      fact: {
        kind: "booking-rescheduled",
        lesson,
        previous: { startsAt: start - 2 * HOUR, endsAt: start - HOUR },
        role: "student",
        otherParty: "Prof. Plum",
        refundAmount: 1000,
        currency: "usd",
      },
      subject: ["Rescheduled: your lesson with Prof. Plum is now Tue, Jun 15, 2:00 PM GMT+2"],
      text: [
        "Was: Tuesday, June 15, 2027, 12:00 – 1:00 PM GMT+2 (Europe/Berlin)\n" +
          "Now: Tuesday, June 15, 2027, 2:00 – 3:00 PM GMT+2 (Europe/Berlin)",
        "$10.00",
      ],
    },
    {
      fact: {
        kind: "booking-rescheduled",
        lesson,
        previous: { startsAt: start - 2 * HOUR, endsAt: start - HOUR },
        role: "provider",
        otherParty: "Sam",
        refundAmount: 0,
        currency: "usd",
      },
      subject: ["Rescheduled by Sam"],
      text: ["Sam moved their lesson with you", "Was: ", "Now: "],
    },
    {
      fact: {
        kind: "provider-no-show",
        lesson,
        providerName: "Prof. Plum",
        amount: 4500,
        currency: "usd",
        refund: "done",
      },
      subject: ["Prof. Plum did not show up", "full refund"],
      text: ["Your tutor Prof. Plum did not show up", "refunded in full ($45.00)"],
    },
    {
      fact: {
        kind: "waitlist-offered",
        lesson,
        providerName: "Prof. Plum",
        slotId: "slot_9",
        offerExpiresAt: start - 20 * HOUR,
      },
      subject: ["A seat is free", "Prof. Plum"],
      text: ["until Mon, Jun 14, 6:00 PM GMT+2.", "https://lectern.example/bookings"],
    },
    {
      fact: {
        kind: "waitlist-lapsed",
        lesson,
        providerName: "Prof. Plum",
        offerExpiresAt: start - 20 * HOUR,
      },
      subject: ["Seat offer lapsed", "Prof. Plum"],
      text: ["not booked by Mon, Jun 14, 6:00 PM GMT+2, so", "released"],
    },
  ];

  it.each(cases)("renders $fact.kind for a $fact.role recipient", ({ fact, subject, text }) => {
    const email = renderEmail(fact, ann, "https://lectern.example");
    for (const part of subject) expect(email.subject).toContain(part);
    for (const part of text) expect(email.text).toContain(part);
    expect(email.text).toContain("https://lectern.example");
    expect(email.html).toContain("<p>Hi Ann,</p>");
  });

  it("asks to book a waitlist seat on Lectern when no app URL is configured", () => {
    const email = renderEmail(
      { kind: "waitlist-offered", lesson, providerName: "P", slotId: "slot_9", offerExpiresAt: start },
      ann,
    );
    expect(email.text).toContain("Book it on Lectern.");
    expect(email.text).not.toContain("/bookings");
  });

  it("says nothing was charged when a no-show lesson was free", () => {
    const email = renderEmail(
      { kind: "provider-no-show", lesson, providerName: "P", amount: 0, currency: "usd", refund: "done" },
      ann,
    );
    expect(email.text).toContain("Nothing was charged for it.");
  });

  it("renders the same lesson in each recipient's own zone", () => {
    const fact: EmailFact = { kind: "reminder-1h", lesson, role: "student", otherParty: "Prof. Plum" };
    expect(renderEmail(fact, { name: "Ann", timeZone: "Europe/Berlin" }).text).toContain(
      "When: Tuesday, June 15, 2027, 2:00 – 3:00 PM GMT+2 (Europe/Berlin)",
    );
    expect(renderEmail(fact, { name: "Bo", timeZone: "America/New_York", locale: "en-US" }).text).toContain(
      "When: Tuesday, June 15, 2027, 8:00 – 9:00 AM EDT (America/New_York)",
    );
  });

  it("writes a whole confirmation for a de-DE reader in Berlin in German dates and money, the zone named", () => {
    const email = renderEmail(
      { kind: "booking-confirmed", lesson, providerName: "Prof. Plum", amount: 4550, currency: "eur" },
      { name: "Anke", timeZone: "Europe/Berlin", locale: "de-DE" },
    );
    expect(email.subject).toBe("Booked: your lesson with Prof. Plum on Di., 15. Juni, 14:00 MESZ");
    expect(email.text).toBe(
      [
        "Hi Anke,",
        "Your lesson with Prof. Plum is confirmed.",
        "When: Dienstag, 15. Juni 2027, 14:00–15:00 Uhr MESZ (Europe/Berlin)\nPaid: 45,50 €",
        "The attached invitation (lesson.ics) puts it in your calendar. " +
          "You can cancel until the lesson starts and get your money back in full.",
        "— Lectern",
      ].join("\n\n"),
    );
  });

  it("writes a whole confirmation for a ja-JP reader in Tokyo in Japanese dates and money, the zone named", () => {
    const email = renderEmail(
      { kind: "booking-confirmed", lesson, providerName: "Prof. Plum", amount: 4500, currency: "jpy" },
      { name: "Aki", timeZone: "Asia/Tokyo", locale: "ja-JP" },
    );
    expect(email.subject).toBe("Booked: your lesson with Prof. Plum on 6月15日(火) 21:00 JST");
    expect(email.text).toContain(
      "When: 2027/6/15火曜日 21時00分～22時00分(JST) (Asia/Tokyo)\nPaid: ￥4,500\n",
    );
  });

  const readers = {
    "de-DE/Berlin": { name: "Anke", timeZone: "Europe/Berlin", locale: "de-DE" },
    "ja-JP/Tokyo": { name: "Aki", timeZone: "Asia/Tokyo", locale: "ja-JP" },
  } as const;
  const previous = { startsAt: start - 26 * HOUR, endsAt: start - 25 * HOUR };
  it.each<{ reader: keyof typeof readers; fact: EmailFact; subject: string; text: string }>([
    {
      reader: "de-DE/Berlin",
      fact: {
        kind: "booking-refund",
        lesson,
        providerName: "Rita",
        amount: 2250,
        currency: "eur",
        refund: "done",
      },
      subject: "Refunded: 22,50 € for your lesson with Rita on Di., 15. Juni, 14:00 MESZ",
      text: "We have refunded 22,50 € to your original payment method.",
    },
    {
      reader: "ja-JP/Tokyo",
      fact: {
        kind: "booking-refund",
        lesson,
        providerName: "Rita",
        amount: 3000,
        currency: "jpy",
        refund: "pending",
      },
      subject: "Refund on its way: ￥3,000 for your lesson with Rita on 6月15日(火) 21:00 JST",
      text: "Your refund of ￥3,000 is on its way",
    },
    {
      reader: "de-DE/Berlin",
      fact: { kind: "reminder-24h", lesson, role: "student", otherParty: "Rita" },
      subject: "Reminder: your lesson with Rita starts tomorrow",
      text: "When: Dienstag, 15. Juni 2027, 14:00–15:00 Uhr MESZ (Europe/Berlin)",
    },
    {
      reader: "ja-JP/Tokyo",
      fact: { kind: "student-cancelled", lesson, studentName: "Sam", refundAmount: 0, currency: "jpy" },
      subject: "Cancelled by Sam: your lesson on 6月15日(火) 21:00 JST",
      text: "When: 2027/6/15火曜日 21時00分～22時00分(JST) (Asia/Tokyo)",
    },
    {
      reader: "de-DE/Berlin",
      fact: {
        kind: "booking-rescheduled",
        lesson,
        previous,
        role: "student",
        otherParty: "Rita",
        refundAmount: 1000,
        currency: "eur",
      },
      subject: "Rescheduled: your lesson with Rita is now Di., 15. Juni, 14:00 MESZ",
      text:
        "Was: Montag, 14. Juni 2027, 12:00–13:00 Uhr MESZ (Europe/Berlin)\n" +
        "Now: Dienstag, 15. Juni 2027, 14:00–15:00 Uhr MESZ (Europe/Berlin)",
    },
    {
      reader: "ja-JP/Tokyo",
      fact: {
        kind: "booking-rescheduled",
        lesson,
        previous,
        role: "provider",
        otherParty: "Sam",
        refundAmount: 0,
        currency: "jpy",
      },
      subject: "Rescheduled by Sam: now 6月15日(火) 21:00 JST",
      text:
        "Was: 2027/6/14月曜日 19時00分～20時00分(JST) (Asia/Tokyo)\n" +
        "Now: 2027/6/15火曜日 21時00分～22時00分(JST) (Asia/Tokyo)",
    },
    {
      reader: "de-DE/Berlin",
      fact: {
        kind: "waitlist-offered",
        lesson,
        providerName: "Rita",
        slotId: "slot_9",
        offerExpiresAt: start - 20 * HOUR,
      },
      subject: "A seat is free: your lesson with Rita on Di., 15. Juni, 14:00 MESZ",
      text: "We keep it for you until Mo., 14. Juni, 18:00 MESZ. Book it on Lectern.",
    },
    {
      reader: "ja-JP/Tokyo",
      fact: { kind: "waitlist-lapsed", lesson, providerName: "Rita", offerExpiresAt: start - 20 * HOUR },
      subject: "Seat offer lapsed: your lesson with Rita on 6月15日(火) 21:00 JST",
      text: "was not booked by 6月15日(火) 1:00 JST, so we have released it.",
    },
  ])("renders $fact.kind for a $reader reader with '$subject'", ({ reader, fact, subject, text }) => {
    const email = renderEmail(fact, readers[reader]);
    expect(email.subject).toBe(subject);
    expect(email.text).toContain(text);
  });

  it("escapes names in the HTML part", () => {
    const email = renderEmail(
      { kind: "booking-new", lesson, studentName: "<script>x</script>", amount: 100, currency: "usd" },
      ann,
    );
    expect(email.html).not.toContain("<script>");
    expect(email.html).toContain("&lt;script&gt;");
    expect(email.text).toContain("<script>x</script>");
  });
});

describe("iCalendar writer", () => {
  const calendarLesson = {
    ...lesson,
    uid: "ses_1@lectern",
    sequence: 0,
    title: "Lesson with Plum, Prof.; room 2",
    description: "Line one\nLine two \\ done",
    cancelled: false,
  };

  it("writes a CRLF calendar with one VEVENT per lesson, UTC times and escaped TEXT values", () => {
    const ics = renderCalendar({ method: "PUBLISH", lessons: [calendarLesson], stamp: start - HOUR });
    expect(ics.split("\r\n").slice(0, 5)).toEqual([
      "BEGIN:VCALENDAR",
      "VERSION:2.0",
      "PRODID:-//Lectern//Lessons//EN",
      "CALSCALE:GREGORIAN",
      "METHOD:PUBLISH",
    ]);
    for (const line of [
      "UID:ses_1@lectern",
      "DTSTAMP:20270615T110000Z",
      "DTSTART:20270615T120000Z",
      "DTEND:20270615T130000Z",
      "SUMMARY:Lesson with Plum\\, Prof.\\; room 2",
      "DESCRIPTION:Line one\\nLine two \\\\ done",
      "STATUS:CONFIRMED",
      "SEQUENCE:0",
    ]) {
      expect(ics).toContain(`\r\n${line}\r\n`);
    }
    expect(ics.endsWith("END:VEVENT\r\nEND:VCALENDAR\r\n")).toBe(true);
    expect(ics.replace(/\r\n/g, "")).not.toContain("\n");
  });

  it("names a feed and asks for an hourly refresh", () => {
    const ics = renderCalendar({
      method: "PUBLISH",
      lessons: [],
      stamp: start,
      feed: { name: "Lectern lessons", refreshSeconds: 3600 },
    });
    for (const line of [
      "X-WR-CALNAME:Lectern lessons",
      "REFRESH-INTERVAL;VALUE=DURATION:PT1H",
      "X-PUBLISHED-TTL:PT1H",
    ]) {
      expect(ics).toContain(`\r\n${line}\r\n`);
    }
  });

  it("writes an empty calendar when there are no lessons", () => {
    const ics = renderCalendar({ method: "PUBLISH", lessons: [], stamp: start });
    expect(ics).toContain("BEGIN:VCALENDAR");
    expect(ics).not.toContain("BEGIN:VEVENT");
  });

  it("folds lines longer than 75 octets without splitting a character", () => {
    const ics = renderCalendar({
      method: "PUBLISH",
      lessons: [{ ...calendarLesson, description: "Überstunden ".repeat(20) }],
      stamp: start,
    });
    const lines = ics.split("\r\n");
    for (const line of lines) expect(new TextEncoder().encode(line).length).toBeLessThanOrEqual(75);
    const unfolded = ics.replace(/\r\n /g, "");
    expect(unfolded).toContain(`DESCRIPTION:${"Überstunden ".repeat(20)}`);
  });

  it("builds invites (REQUEST) and cancellations (CANCEL, STATUS:CANCELLED, SEQUENCE:1) for one attendee", () => {
    const people = {
      organizer: { name: "Lectern", email: "lessons@lectern.test" },
      attendee: { name: 'Ann "A" Smith', email: "ann@example.test" },
      stamp: start,
    };
    const viewer = { role: "student", providerName: "Plum, Prof." } as const;
    const ref = { kind: "booking", firstBookingId: "bkg_1", moves: 0 } as const;
    const invite = buildLessonInvite({ lesson: { ...lesson, ref, cancelled: false }, viewer, ...people });
    expect(invite).toContain("METHOD:REQUEST");
    expect(invite).toContain("STATUS:CONFIRMED");
    expect(invite).toContain("SEQUENCE:0");
    expect(invite).toContain("SUMMARY:Lesson with Plum\\, Prof.");
    expect(invite).toContain('ORGANIZER;CN="Lectern":mailto:lessons@lectern.test');
    expect(invite.replace(/\r\n /g, "")).toContain(
      'ATTENDEE;ROLE=REQ-PARTICIPANT;PARTSTAT=ACCEPTED;RSVP=FALSE;CN="Ann A Smith":MAILTO:ann@example.test',
    );
    const cancel = buildLessonInvite({ lesson: { ...lesson, ref, cancelled: true }, viewer, ...people });
    expect(cancel).toContain("METHOD:CANCEL");
    expect(cancel).toContain("STATUS:CANCELLED");
    expect(cancel).toContain("SEQUENCE:1");
    expect(cancel).toContain("UID:bkg_1@lectern");
  });
});

describe("lesson identity", () => {
  it.each([
    {
      ref: { kind: "booking", firstBookingId: "bkg_1", moves: 0 },
      cancelled: false,
      uid: "bkg_1@lectern",
      seq: 0,
    },
    {
      ref: { kind: "booking", firstBookingId: "bkg_1", moves: 0 },
      cancelled: true,
      uid: "bkg_1@lectern",
      seq: 1,
    },
    {
      ref: { kind: "booking", firstBookingId: "bkg_1", moves: 2 },
      cancelled: false,
      uid: "bkg_1@lectern",
      seq: 2,
    },
    {
      ref: { kind: "booking", firstBookingId: "bkg_1", moves: 2 },
      cancelled: true,
      uid: "bkg_1@lectern",
      seq: 3,
    },
    {
      ref: { kind: "session", sessionId: "ses_1", slotVersion: 1 },
      cancelled: false,
      uid: "ses_1@lectern",
      seq: 0,
    },
    {
      ref: { kind: "session", sessionId: "ses_1", slotVersion: 1 },
      cancelled: true,
      uid: "ses_1@lectern",
      seq: 1,
    },
    {
      ref: { kind: "session", sessionId: "ses_1", slotVersion: 3 },
      cancelled: false,
      uid: "ses_1@lectern",
      seq: 2,
    },
  ] as const)(
    "gives $ref.kind $uid SEQUENCE $seq (cancelled: $cancelled)",
    ({ ref, cancelled, uid, seq }) => {
      expect(lessonUid(ref)).toBe(uid);
      expect(lessonSequence(ref, cancelled)).toBe(seq);
    },
  );
});

describe("lessonEvent", () => {
  const base = {
    ...lesson,
    ref: { kind: "session", sessionId: "ses_1", slotVersion: 1 } as const,
    cancelled: false,
  };
  const identity = {
    uid: "ses_1@lectern",
    sequence: 0,
    startsAt: start,
    endsAt: start + HOUR,
    cancelled: false,
  };
  it.each([
    {
      viewer: { role: "student", providerName: "Prof. Plum" } as const,
      title: "Lesson with Prof. Plum",
      description: "Lectern lesson with your instructor Prof. Plum.",
    },
    {
      viewer: { role: "provider", studentNames: ["Ann"], group: false } as const,
      title: "Lesson with Ann",
      description: "Lectern lesson you teach. Students: Ann.",
    },
    {
      viewer: { role: "provider", studentNames: ["Ann", "Bob", "Cy", "Dee"], group: true } as const,
      title: "Group lesson with Ann, Bob and 2 others",
      description: "Lectern group lesson you teach. Students: Ann, Bob, Cy, Dee.",
    },
    {
      viewer: { role: "provider", studentNames: [], group: true } as const,
      title: "Group lesson (no students booked)",
      description: "Lectern group lesson you teach.",
    },
  ])("words the event for a $viewer.role as '$title'", ({ viewer, title, description }) => {
    expect(lessonEvent(base, viewer)).toEqual({ ...identity, title, description });
  });

  it("keeps the identity, time and cancellation as given", () => {
    const event = lessonEvent({ ...base, cancelled: true }, { role: "student", providerName: "P" });
    expect(event).toMatchObject({
      uid: "ses_1@lectern",
      sequence: 1,
      startsAt: start,
      endsAt: start + HOUR,
      cancelled: true,
    });
  });
});
