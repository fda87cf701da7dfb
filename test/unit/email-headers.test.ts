import { describe, expect, it } from "vitest";
import { createBindingMailer, createResendMailer, type OutgoingEmail } from "../../src/adapters/mailer";
import { type EmailFact, renderEmail } from "../../src/domain/email-templates";

const start = Date.parse("2027-06-15T12:00:00Z");
const lesson = { startsAt: start, endsAt: start + 3_600_000 };
const evil = "Eve\r\nBcc: victim@example.test\nX-Evil: 1\r";

const facts: EmailFact[] = [
  { kind: "booking-confirmed", lesson, providerName: evil, amount: 4500, currency: "usd" },
  { kind: "booking-new", lesson, studentName: evil, amount: 4500, currency: "usd" },
  { kind: "booking-refund", lesson, providerName: evil, amount: 4500, currency: "usd", refund: "done" },
  { kind: "session-cancelled", lesson, role: "student", otherParty: evil },
  { kind: "reminder-1h", lesson, role: "provider", otherParty: evil },
  { kind: "refund-failed", lesson, role: "provider", otherParty: evil, amount: 4500, currency: "usd" },
];

describe("email header values", () => {
  it.each(facts)("renderEmail keeps CR and LF out of the $kind subject, whatever the names hold", (fact) => {
    const { subject } = renderEmail(fact, { name: evil, timeZone: "UTC" });
    expect(subject).not.toMatch(/[\r\n]/);
  });

  const message: OutgoingEmail = {
    to: "ann@example.test\r\nBcc: victim@example.test",
    subject: "Booked\r\nBcc: victim@example.test",
    text: "Hi\nthere",
  };

  it("the send_email binding mailer strips CR and LF from the subject and the recipient", async () => {
    const seen: { to: unknown; subject: unknown; text: unknown }[] = [];
    const binding = {
      async send(m: { to: unknown; subject: unknown; text: unknown }) {
        seen.push(m);
        return { messageId: "x" };
      },
    } as unknown as SendEmail;
    await createBindingMailer(binding, "Lectern <lessons@lectern.test>").send(message);
    expect(seen[0]?.subject).not.toMatch(/[\r\n]/);
    expect(seen[0]?.to).not.toMatch(/[\r\n]/);
    expect(seen[0]?.text).toBe("Hi\nthere");
  });

  it("the Resend mailer strips CR and LF from the subject and the recipient", async () => {
    let body: { to: string[]; subject: string; text: string } | undefined;
    const fetchImpl = (async (_url: RequestInfo | URL, init?: RequestInit) => {
      body = JSON.parse(String(init?.body));
      return new Response("{}", { status: 200 });
    }) as typeof fetch;
    await createResendMailer("re_key", "Lectern <lessons@lectern.test>", fetchImpl).send(message);
    expect(body?.subject).not.toMatch(/[\r\n]/);
    expect(body?.to.join()).not.toMatch(/[\r\n]/);
    expect(body?.text).toBe("Hi\nthere");
  });
});
