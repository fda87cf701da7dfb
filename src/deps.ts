import { type AgoraConfig, agoraConfig } from "./adapters/agora-video";
import { createMailer, type Mailer } from "./adapters/mailer";
import { createSlotObjects, type SlotObjects } from "./adapters/slot-client";
import { type Connect, createStripeConnect } from "./adapters/stripe-connect";
import {
  createStripePayments,
  type Payments,
  type StripeConfig,
  stripeConfig,
} from "./adapters/stripe-payments";
import { createSlotRecords, type SlotRecords } from "./db/booking-records";
import { createDb } from "./db/client";
import { createRecords, type Records } from "./db/records";
import { runNotifications } from "./jobs/notifications";
import { type PhotoStore, r2PhotoStore } from "./services/tutor-photos";

/**
 * Everything a request, a cron run or a slot object needs, built here and nowhere else: the one
 * composition root. Adapters are made on first use, once per request.
 */
export interface Deps {
  env: Env;
  /** Current time in epoch ms; injected so rules never read the clock themselves. */
  now: () => number;
  /** The repositories: the only way services reach D1. */
  records: Records;
  /** Stripe (or the local stand-in). */
  payments: Payments;
  /** Stripe Connect: providers' accounts and the transfers that pay them. */
  connect: Connect;
  stripe: StripeConfig;
  mailer: Mailer;
  video: AgoraConfig;
  slots: SlotObjects;
  /** Tutors' profile photos (R2). */
  photos: PhotoStore;
  /** Outbound webhook deliveries (Cloudflare Queues). */
  webhookQueue: Queue<unknown>;
}

function lazy<T>(make: () => T): () => T {
  let made: T | undefined;
  return () => {
    made ??= make();
    return made;
  };
}

export function buildDeps(env: Env, now: () => number = () => Date.now()): Deps {
  const stripe = lazy(() => stripeConfig(env));
  const payments = lazy(() => createStripePayments(stripe()));
  const connect = lazy(() => createStripeConnect(stripe()));
  const mailer = lazy(() => createMailer(env));
  const slots = lazy(() => createSlotObjects(env.SLOT));
  const db = createDb(env.DB);
  const records = lazy(() => createRecords(db, env.DB));
  return {
    env,
    now,
    get records() {
      return records();
    },
    get payments() {
      return payments();
    },
    get connect() {
      return connect();
    },
    get stripe() {
      return stripe();
    },
    get mailer() {
      return mailer();
    },
    get video() {
      return agoraConfig(env);
    },
    get slots() {
      return slots();
    },
    get photos() {
      return r2PhotoStore(env.PHOTOS);
    },
    get webhookQueue() {
      return env.WEBHOOKS;
    },
  };
}

/** What one slot object works with: Stripe and its D1 records, built once per object. */
export interface SlotObjectDeps {
  payments: Payments;
  records: SlotRecords;
  now: () => number;
  /** Derives and sends due emails now (an offer that lasts minutes cannot wait for the cron). */
  sendDueNotifications: () => Promise<unknown>;
}

export function buildSlotObjectDeps(env: Env): SlotObjectDeps {
  const now = () => Date.now();
  const payments = lazy(() => createStripePayments(stripeConfig(env)));
  return {
    get payments() {
      return payments();
    },
    records: createSlotRecords(env.DB, now),
    now,
    sendDueNotifications: () => runNotifications(buildDeps(env)),
  };
}
