import { expect } from "vitest";
import type { StripeStandin } from "../../scripts/stripe-standin/handler";
import type { SessionType } from "../../src/shared/api-types";
import { call, hoursFromNow, registerProvider, registerUser, type TestUser } from "./api";
import { confirmWithCard, deliverAll } from "./stripe";

/** A slot to create through POST /api/slots. Every field is optional. */
export interface SlotSpec {
  /** Start in hours from now, on a whole minute. Default 30: bookable, and cancellable with a full refund. */
  startsInHours?: number;
  /** The exact start to send (any form the API accepts); wins over `startsInHours`. */
  startsAt?: string;
  /** Default 60, so the price equals the provider's hourly rate. */
  durationMinutes?: number;
  /** Default GROUP when `seats` is given, ONE_TO_ONE otherwise. */
  sessionType?: SessionType;
  /** maxParticipants; a GROUP slot without it gets 5. */
  seats?: number;
}

export interface WorldOptions {
  /** The Stripe stand-in from `installStripeStandin()`; needed for anything that pays. */
  stripe?: StripeStandin;
  /** Reuse this provider instead of registering a new one (then hourlyRate and currency are ignored). */
  provider?: TestUser;
  /** The new provider's profile. Default 6000 usd. */
  hourlyRate?: number;
  currency?: string;
  /** The first slot, `w.slot`; `false` for none. Default: a ONE_TO_ONE hour in 30 hours. */
  slot?: SlotSpec | false;
  /** How many new students book and pay `w.slot` at once (they open its teaching session). Default 0. */
  students?: number;
}

/**
 * A provider, their slot(s), and students who booked: everything a test sets up through the API.
 * Each call makes new users and slots, so no two tests share rows. The methods are closures, so
 * they may be destructured: `const { provider, addSlot } = await world({ slot: false })`.
 */
export interface World {
  provider: TestUser;
  /** The first slot (throws when the world was built with `slot: false`). */
  readonly slot: any;
  /** The students who paid at build time, in order, and their CONFIRMED bookings. */
  students: TestUser[];
  bookings: any[];
  /** The teaching session of the first paid booking (throws when nobody has paid). */
  readonly sessionId: string;
  /** Registers a new student (unbooked). */
  student(timezone?: string): Promise<TestUser>;
  /** Creates another slot of the same provider. */
  addSlot(spec?: SlotSpec): Promise<any>;
  /** Books `slot` (default `w.slot`) for `student` and pays with a test card, webhooks delivered: the CONFIRMED booking. */
  paidBooking(student: TestUser, slot?: { id: string }): Promise<any>;
}

/** Builds a world: `const w = await world({ stripe: standin, slot: { seats: 3, startsInHours: 0.5 } })`. */
export async function world(options: WorldOptions = {}): Promise<World> {
  const provider =
    options.provider ?? (await registerProvider(options.hourlyRate ?? 6000, options.currency ?? "usd"));
  const addSlot = (spec: SlotSpec = {}) => createSlot(provider, spec);
  const first = options.slot === false ? undefined : await addSlot(options.slot);
  const firstSlot = () => {
    if (!first) throw new Error("this world was built with slot: false");
    return first;
  };
  const paidBooking = (student: TestUser, slot: { id: string } = firstSlot()) => {
    if (!options.stripe) throw new Error("paying needs world({ stripe: installStripeStandin() })");
    return bookAndPay(options.stripe, student, slot.id);
  };

  const students: TestUser[] = [];
  const bookings: any[] = [];
  for (let i = 0; i < (options.students ?? 0); i++) {
    const student = await registerUser("student");
    students.push(student);
    bookings.push(await paidBooking(student));
  }

  return {
    provider,
    get slot() {
      return firstSlot();
    },
    students,
    bookings,
    get sessionId() {
      const sessionId = bookings[0]?.sessionId;
      if (typeof sessionId !== "string") throw new Error("no paid booking in this world: pass students");
      return sessionId;
    },
    student: (timezone?: string) => registerUser("student", timezone),
    addSlot,
    paidBooking,
  };
}

/** POST /api/slots for `provider`, insisting on 201; returns the Slot. */
async function createSlot(provider: TestUser, spec: SlotSpec) {
  const sessionType = spec.sessionType ?? (spec.seats === undefined ? "ONE_TO_ONE" : "GROUP");
  const seats = spec.seats ?? (sessionType === "GROUP" ? 5 : undefined);
  const res = await call("POST", "/api/slots", {
    token: provider.token,
    body: {
      startsAt: spec.startsAt ?? hoursFromNow(spec.startsInHours ?? 30),
      durationMinutes: spec.durationMinutes ?? 60,
      sessionType,
      ...(seats === undefined ? {} : { maxParticipants: seats }),
    },
  });
  if (res.status !== 201) throw new Error(`create slot failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

/**
 * Books and pays (test card, webhooks delivered) for `student`; returns the CONFIRMED booking.
 * Tests use `w.paidBooking`; this is exported only for the old `bookAndPay` name in ./bookings.
 */
export async function bookAndPay(standin: StripeStandin, student: TestUser, slotId: string) {
  const booked = await call("POST", `/api/slots/${slotId}/bookings`, { token: student.token });
  if (booked.status !== 201)
    throw new Error(`booking failed: ${booked.status} ${JSON.stringify(booked.body)}`);
  expect((await confirmWithCard(standin, booked.body.payment.paymentIntentId)).status).toBe(200);
  await deliverAll(standin);
  const booking = await call("GET", `/api/bookings/${booked.body.booking.id}`, { token: student.token });
  expect(booking.body.status).toBe("CONFIRMED");
  return booking.body;
}
