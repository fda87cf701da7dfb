import { describe, expect, it } from "vitest";
import type { Person, SessionFact } from "../../src/db/notification-facts";
import {
  type DraftContext,
  draftBookingConfirmed,
  draftProviderNoShow,
  draftRefund,
  draftRefundFailed,
  draftReminders,
  draftRescheduled,
  draftSessionCancelled,
  draftStudentCancelled,
  draftWaitlistLapsed,
  draftWaitlistOffered,
  senderAddress,
} from "../../src/jobs/notifications/drafts";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
// Tuesday 2027-06-15 12:00 UTC; the run happens 30 hours before.
const start = Date.parse("2027-06-15T12:00:00Z");
const now = start - 30 * HOUR;
const ctx: DraftContext = {
  now,
  appUrl: "https://lectern.test",
  organizer: { name: "Lectern", email: "lessons@lectern.test" },
};

// Each in their own zone and locale: the emails must take both from the recipient.
const plum: Person = {
  id: "usr_p",
  email: "plum@example.test",
  name: "Prof. Plum",
  timezone: "Europe/Berlin",
  locale: "de-DE",
};
const ann: Person = {
  id: "usr_a",
  email: "ann@example.test",
  name: "Ann",
  timezone: "America/New_York",
  locale: "en-US",
};
const bob: Person = {
  id: "usr_b",
  email: "bob@example.test",
  name: "Bob",
  timezone: "Asia/Tokyo",
  locale: "ja-JP",
};

const time = { startsAt: start, endsAt: start + HOUR };
const unfold = (ics: string | null) => (ics ?? "").replace(/\r\n /g, "");

const seated = (person: Person, bookingId: string) => ({
  ...person,
  bookingId,
  firstBookingId: bookingId,
  moves: 0,
});

function session(overrides: Partial<SessionFact> = {}): SessionFact {
  return {
    sessionId: "ses_1",
    ...time,
    group: true,
    slotVersion: 1,
    provider: plum,
    participants: [seated(ann, "bkg_1"), seated(bob, "bkg_2")],
    ...overrides,
  };
}

describe("draftBookingConfirmed", () => {
  const fact = {
    bookingId: "bkg_1",
    sessionId: "ses_1",
    ...time,
    group: false,
    slotVersion: 1,
    amount: 4500,
    currency: "usd",
    student: ann,
    provider: plum,
  };

  it("drafts booking-confirmed for the student and booking-new for the provider, keyed by booking", () => {
    const drafts = draftBookingConfirmed(fact, ctx);
    expect(drafts.map((d) => [d.kind, d.key, d.userId, d.to])).toEqual([
      ["booking-confirmed", "booking-confirmed:bkg_1:usr_a", "usr_a", "ann@example.test"],
      ["booking-new", "booking-new:bkg_1:usr_p", "usr_p", "plum@example.test"],
    ]);
    expect(drafts[0]?.email.subject).toBe("Booked: your lesson with Prof. Plum on Tue, Jun 15, 8:00 AM EDT");
    expect(drafts[0]?.email.text).toContain(
      "When: Tuesday, June 15, 2027, 8:00 – 9:00 AM EDT (America/New_York)\nPaid: $45.00",
    );
    expect(drafts[0]?.email.text).toContain("https://lectern.test");
    expect(drafts[1]?.email.subject).toBe("New booking: Ann on Di., 15. Juni, 14:00 MESZ");
    expect(drafts[1]?.email.text).toContain(
      "When: Dienstag, 15. Juni 2027, 14:00–15:00 Uhr MESZ (Europe/Berlin)\nPaid: 45,00 $",
    );
  });

  it("attaches a REQUEST invite naming the other side, stamped with the run's now", () => {
    const [toStudent, toProvider] = draftBookingConfirmed(fact, ctx).map((d) => unfold(d.ics));
    for (const ics of [toStudent, toProvider]) {
      expect(ics).toContain("METHOD:REQUEST");
      expect(ics).toContain("STATUS:CONFIRMED");
      expect(ics).toContain("SEQUENCE:0");
      expect(ics).toContain("DTSTAMP:20270614T060000Z");
    }
    // The student's event is their booking (it begins its chain), the provider's the session.
    expect(toStudent).toContain("UID:bkg_1@lectern");
    expect(toProvider).toContain("UID:ses_1@lectern");
    expect(toStudent).toContain("SUMMARY:Lesson with Prof. Plum");
    expect(toStudent).toMatch(/mailto:ann@example\.test/i);
    expect(toProvider).toContain("SUMMARY:Lesson with Ann");
    expect(toProvider).toMatch(/mailto:plum@example\.test/i);
  });

  it("titles a group lesson's provider invite as the calendar feed does", () => {
    const [, toProvider] = draftBookingConfirmed({ ...fact, group: true }, ctx);
    expect(toProvider?.ics).toContain("SUMMARY:Group lesson with Ann");
  });

  it("throws for a currency Intl does not know, so the scan can count the row and go on", () => {
    expect(() => draftBookingConfirmed({ ...fact, currency: "not-a-currency" }, ctx)).toThrow();
  });
});

describe("draftRefund", () => {
  const fact = {
    bookingId: "bkg_1",
    firstBookingId: "bkg_1",
    moves: 0,
    sessionId: "ses_1",
    ...time,
    paymentStatus: "REFUNDED",
    refundAmount: 4500,
    currency: "usd",
    student: ann,
    providerName: "Prof. Plum",
  };

  it.each([
    {
      paymentStatus: "REFUNDED",
      refundAmount: 4500,
      subject: "Refunded: $45.00 for your lesson with Prof. Plum on Tue, Jun 15, 8:00 AM EDT",
    },
    {
      paymentStatus: "PARTIALLY_REFUNDED",
      refundAmount: 2250,
      subject: "Refunded: $22.50 for your lesson with Prof. Plum on Tue, Jun 15, 8:00 AM EDT",
    },
    {
      paymentStatus: "REFUND_PENDING",
      refundAmount: 3500,
      subject: "Refund on its way: $35.00 for your lesson with Prof. Plum on Tue, Jun 15, 8:00 AM EDT",
    },
  ])("tells the student '$subject' for $paymentStatus", ({ paymentStatus, refundAmount, subject }) => {
    const drafts = draftRefund({ ...fact, paymentStatus, refundAmount }, ctx);
    expect(drafts.map((d) => [d.kind, d.key, d.email.subject])).toEqual([
      ["booking-refund", "booking-refund:bkg_1:usr_a", subject],
    ]);
  });

  it.each([0, -100])("drafts nothing when the refund amount is %i", (refundAmount) => {
    expect(draftRefund({ ...fact, refundAmount }, ctx)).toEqual([]);
  });

  it("attaches the lesson's cancellation (same UID) and none for a booking without a session", () => {
    const ics = draftRefund(fact, ctx)[0]?.ics ?? "";
    expect(ics).toContain("METHOD:CANCEL");
    expect(ics).toContain("STATUS:CANCELLED");
    expect(ics).toContain("SEQUENCE:1");
    expect(ics).toContain("UID:bkg_1@lectern");
    expect(ics).toContain("SUMMARY:Lesson with Prof. Plum");
    expect(draftRefund({ ...fact, sessionId: null }, ctx)[0]?.ics).toBeNull();
  });
});

describe("draftRefundFailed", () => {
  it("tells the student and the provider once each, keyed by refund, naming the other side", () => {
    const drafts = draftRefundFailed(
      { refundId: "re_1", ...time, amount: 4500, currency: "usd", student: ann, provider: plum },
      ctx,
    );
    expect(drafts.map((d) => [d.key, d.ics])).toEqual([
      ["refund-failed:re_1:usr_a", null],
      ["refund-failed:re_1:usr_p", null],
    ]);
    expect(drafts[0]?.email.subject).toContain("$45.00");
    expect(drafts[0]?.email.text).toContain("Prof. Plum");
    expect(drafts[1]?.email.text).toContain("Ann");
    expect(drafts.every((d) => d.email.text.includes("Lectern support will follow up"))).toBe(true);
  });
});

describe("draftSessionCancelled", () => {
  it("drafts the provider and each participant, all with the lesson's cancellation", () => {
    const drafts = draftSessionCancelled(session(), ctx);
    expect(drafts.map((d) => d.key)).toEqual([
      "session-cancelled:ses_1:usr_p",
      "session-cancelled:ses_1:usr_a",
      "session-cancelled:ses_1:usr_b",
    ]);
    expect(drafts[0]?.email.text).toContain("with Ann and Bob.");
    // One lesson, three readers: each subject in the reader's own locale and zone, the zone named.
    expect(drafts.map((d) => d.email.subject)).toEqual([
      "Cancelled: your lesson on Di., 15. Juni, 14:00 MESZ",
      "Cancelled: your lesson with Prof. Plum on Tue, Jun 15, 8:00 AM EDT",
      "Cancelled: your lesson with Prof. Plum on 6月15日(火) 21:00 JST",
    ]);
    expect(drafts.map((d) => /^UID:(.*)$/m.exec(d.ics ?? "")?.[1]?.trim())).toEqual([
      "ses_1@lectern",
      "bkg_1@lectern",
      "bkg_2@lectern",
    ]);
    for (const d of drafts) {
      expect(d.ics).toContain("METHOD:CANCEL");
      expect(d.ics).toContain("STATUS:CANCELLED");
      expect(d.ics).toContain("SEQUENCE:1");
    }
    expect(drafts[0]?.ics).toContain("SUMMARY:Group lesson with Ann and Bob");
    expect(drafts[1]?.ics).toContain("SUMMARY:Lesson with Prof. Plum");
  });

  it("still tells the provider when no seat was confirmed", () => {
    const drafts = draftSessionCancelled(session({ participants: [] }), ctx);
    expect(drafts.map((d) => d.userId)).toEqual(["usr_p"]);
  });
});

describe("draftReminders", () => {
  it.each([
    { lead: 24 * HOUR, kind: "reminder-24h" },
    { lead: 2 * HOUR, kind: "reminder-24h" },
    { lead: HOUR, kind: "reminder-1h" },
    { lead: 10 * MINUTE, kind: "reminder-1h" },
  ])("drafts $kind for everyone $lead ms before the start", ({ lead, kind }) => {
    const drafts = draftReminders(session(), { ...ctx, now: start - lead });
    expect(drafts.map((d) => d.key)).toEqual([
      `${kind}:ses_1:usr_p`,
      `${kind}:ses_1:usr_a`,
      `${kind}:ses_1:usr_b`,
    ]);
    expect(drafts.map((d) => /^UID:(.*)$/m.exec(d.ics ?? "")?.[1]?.trim())).toEqual([
      "ses_1@lectern",
      "bkg_1@lectern",
      "bkg_2@lectern",
    ]);
    for (const d of drafts) expect(d.ics).toContain("METHOD:REQUEST");
  });

  it.each([
    { label: "more than 24 h ahead", at: start - 25 * HOUR, fact: session() },
    { label: "at the start", at: start, fact: session() },
    { label: "with no confirmed seat", at: start - 2 * HOUR, fact: session({ participants: [] }) },
  ])("drafts nothing $label", ({ at, fact }) => {
    expect(draftReminders(fact, { ...ctx, now: at })).toEqual([]);
  });
});

describe("one lesson, one event", () => {
  it("gives every email of a lesson one UID per person, confirmed until it is cancelled", () => {
    const uidOf = (ics: string | null) => /^UID:(.*)$/m.exec(ics ?? "")?.[1]?.trim();
    const booked = draftBookingConfirmed(
      {
        bookingId: "bkg_1",
        sessionId: "ses_1",
        ...time,
        group: true,
        slotVersion: 1,
        amount: 1,
        currency: "usd",
        student: ann,
        provider: plum,
      },
      ctx,
    );
    // The session facts name each participant's booking chain.
    const fact = session({ participants: [seated(ann, "bkg_1")] });
    const reminded = draftReminders(fact, { ...ctx, now: start - 2 * HOUR });
    const cancelled = draftSessionCancelled(fact, ctx);
    const all = [...booked, ...reminded, ...cancelled];
    const uids = (userId: string) => new Set(all.filter((d) => d.userId === userId).map((d) => uidOf(d.ics)));
    expect(uids(ann.id)).toEqual(new Set(["bkg_1@lectern"]));
    expect(uids(plum.id)).toEqual(new Set(["ses_1@lectern"]));
    expect(cancelled.every((d) => d.ics?.includes("SEQUENCE:1"))).toBe(true);
    expect([...booked, ...reminded].every((d) => d.ics?.includes("SEQUENCE:0"))).toBe(true);
  });

  it("keeps a moved lesson's event: the chain's first booking, SEQUENCE one up per move", () => {
    const moved = { ...ann, bookingId: "bkg_3", firstBookingId: "bkg_1", moves: 2 };
    const [, toAnn] = draftSessionCancelled({ ...session(), participants: [moved] }, ctx);
    expect(toAnn?.ics).toContain("UID:bkg_1@lectern");
    expect(toAnn?.ics).toContain("SEQUENCE:3");
    const [, reminded] = draftReminders(
      { ...session(), participants: [moved] },
      { ...ctx, now: start - HOUR },
    );
    expect(reminded?.ics).toContain("SEQUENCE:2");
  });

  it("counts a slot's edits in the provider's SEQUENCE", () => {
    const [toProvider] = draftSessionCancelled({ ...session(), slotVersion: 3 }, ctx);
    expect(toProvider?.ics).toContain("UID:ses_1@lectern");
    expect(toProvider?.ics).toContain("SEQUENCE:3");
  });
});

describe("draftStudentCancelled", () => {
  const fact = {
    bookingId: "bkg_1",
    ...time,
    refundAmount: 2250,
    currency: "usd",
    studentName: "Ann",
    provider: plum,
  };

  it("tells the provider once, keyed by booking, naming the student, the time and the refund", () => {
    const drafts = draftStudentCancelled(fact, ctx);
    expect(drafts.map((d) => [d.kind, d.key, d.userId, d.to, d.ics])).toEqual([
      ["student-cancelled", "student-cancelled:bkg_1:usr_p", "usr_p", "plum@example.test", null],
    ]);
    expect(drafts[0]?.email.subject).toBe("Cancelled by Ann: your lesson on Di., 15. Juni, 14:00 MESZ");
    expect(drafts[0]?.email.text).toContain("Ann gets 22,50 $ back");
    expect(drafts[0]?.email.text).toContain(
      "When: Dienstag, 15. Juni 2027, 14:00–15:00 Uhr MESZ (Europe/Berlin)",
    );
  });

  it("says the provider keeps everything when the policy gives nothing back", () => {
    const [toProvider] = draftStudentCancelled({ ...fact, refundAmount: 0 }, ctx);
    expect(toProvider?.email.text).toContain("Ann gets nothing back");
  });
});

describe("draftRescheduled", () => {
  const previous = { startsAt: start - 24 * HOUR, endsAt: start - 23 * HOUR };
  const fact = {
    bookingId: "bkg_new",
    firstBookingId: "bkg_1",
    moves: 1,
    sessionId: "ses_2",
    ...time,
    group: false,
    slotVersion: 1,
    previous,
    refundAmount: 1500,
    currency: "usd",
    student: ann,
    provider: plum,
  };

  it("tells the student and the provider once each, keyed by the new booking, old time → new time", () => {
    const drafts = draftRescheduled(fact, ctx);
    expect(drafts.map((d) => [d.kind, d.key, d.userId])).toEqual([
      ["booking-rescheduled", "booking-rescheduled:bkg_new:usr_a", "usr_a"],
      ["booking-rescheduled", "booking-rescheduled:bkg_new:usr_p", "usr_p"],
    ]);
    const [toStudent, toProvider] = drafts;
    // Each in their own zone and locale: the old lesson was Monday 08:00 in New York, 14:00 in Berlin.
    expect(toStudent?.email.text).toContain(
      "Was: Monday, June 14, 2027, 8:00 – 9:00 AM EDT (America/New_York)\n" +
        "Now: Tuesday, June 15, 2027, 8:00 – 9:00 AM EDT (America/New_York)",
    );
    expect(toStudent?.email.text).toContain("refunding the difference of $15.00");
    expect(toProvider?.email.subject).toBe("Rescheduled by Ann: now Di., 15. Juni, 14:00 MESZ");
    expect(toProvider?.email.text).toContain(
      "Was: Montag, 14. Juni 2027, 14:00–15:00 Uhr MESZ (Europe/Berlin)\n" +
        "Now: Dienstag, 15. Juni 2027, 14:00–15:00 Uhr MESZ (Europe/Berlin)",
    );
    expect(toProvider?.email.text).not.toContain("15,00");
  });

  it("attaches the moved lesson's invite: the student's first booking's event one SEQUENCE up, the provider's new session", () => {
    const [toStudent, toProvider] = draftRescheduled(fact, ctx).map((d) => unfold(d.ics));
    for (const ics of [toStudent, toProvider]) {
      expect(ics).toContain("METHOD:REQUEST");
      expect(ics).toContain("DTSTART:20270615T120000Z");
    }
    expect(toStudent).toContain("UID:bkg_1@lectern");
    expect(toStudent).toContain("SEQUENCE:1");
    expect(toProvider).toContain("UID:ses_2@lectern");
    expect(toProvider).toContain("SEQUENCE:0");
    expect(toStudent).toContain("SUMMARY:Lesson with Prof. Plum");
    expect(toProvider).toContain("SUMMARY:Lesson with Ann");
  });

  it("mentions no refund for a move at the same price", () => {
    const [toStudent] = draftRescheduled({ ...fact, refundAmount: 0 }, ctx);
    expect(toStudent?.email.text).not.toContain("refunding");
  });
});

describe("draftProviderNoShow", () => {
  const fact = {
    bookingId: "bkg_1",
    ...time,
    amount: 4500,
    currency: "usd",
    paymentStatus: "REFUNDED",
    student: ann,
    providerName: "Prof. Plum",
  };

  it.each([
    { paymentStatus: "REFUNDED", words: "You have been refunded in full ($45.00)" },
    { paymentStatus: "REFUND_PENDING", words: "You are being refunded in full ($45.00)" },
    { paymentStatus: null, words: "You are being refunded in full ($45.00)" },
  ])("tells the student once, naming the tutor: '$words' for $paymentStatus", ({ paymentStatus, words }) => {
    const drafts = draftProviderNoShow({ ...fact, paymentStatus }, ctx);
    expect(drafts.map((d) => [d.kind, d.key, d.userId, d.ics])).toEqual([
      ["provider-no-show", "provider-no-show:bkg_1:usr_a", "usr_a", null],
    ]);
    expect(drafts[0]?.email.text).toContain("Your tutor Prof. Plum did not show up");
    expect(drafts[0]?.email.text).toContain(words);
    expect(drafts[0]?.email.text).toContain("(America/New_York)");
  });
});

describe("waitlist drafts", () => {
  const fact = {
    entryId: "wle_1",
    slotId: "slot_1",
    ...time,
    offerExpiresAt: start - 29 * HOUR,
    student: bob,
    providerName: "Prof. Plum",
  };

  it("offers the seat until the deadline in the student's zone, linking the slot", () => {
    const drafts = draftWaitlistOffered(fact, ctx);
    expect(drafts.map((d) => [d.kind, d.key, d.userId, d.ics])).toEqual([
      ["waitlist-offered", "waitlist-offered:wle_1:usr_b", "usr_b", null],
    ]);
    // 2027-06-14 07:00 UTC is 16:00 in Tokyo.
    expect(drafts[0]?.email.text).toContain("until 6月14日(月) 16:00 JST.");
    expect(drafts[0]?.email.text).toContain("Book it from My bookings: https://lectern.test/bookings");
  });

  it("tells the student once when the offer lapsed", () => {
    const drafts = draftWaitlistLapsed(fact, ctx);
    expect(drafts.map((d) => [d.kind, d.key, d.userId])).toEqual([
      ["waitlist-lapsed", "waitlist-lapsed:wle_1:usr_b", "usr_b"],
    ]);
    expect(drafts[0]?.email.text).toContain("was not booked by 6月14日(月) 16:00 JST,");
  });
});

describe("senderAddress", () => {
  it.each([
    { from: "Lectern <lessons@lectern.test>", address: "lessons@lectern.test" },
    { from: "  lessons@lectern.test ", address: "lessons@lectern.test" },
    { from: '"Lectern, Inc." <hi@lectern.test>', address: "hi@lectern.test" },
  ])("reads $address from '$from'", ({ from, address }) => {
    expect(senderAddress(from)).toBe(address);
  });
});
