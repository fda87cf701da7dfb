// Outbound webhooks (Standard Webhooks), end to end: a tutor adds an endpoint on the Integrations
// page, keeps the secret that is shown once, sends a test event and sees it delivered; the request
// a small receiver in this process got carries that delivery's webhook-id and a signature the
// `standardwebhooks` package accepts. Also: a failing endpoint is retried with the same
// webhook-id, the form's own checks, and deleting an endpoint.
import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import type { Browser, Locator, Page } from "playwright-core";
import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { APP, launchBrowser, newPage, screenshot, uniqueEmail, watchConsole } from "./browser";

const PASSWORD = "correct-horse-battery";
const ZONE = "Europe/Berlin";
const WAIT = { timeout: 15_000 };
const DELIVERED_WITHIN = { timeout: 30_000 };
/** API.md: the first retry comes within a minute; the test waits a little longer than that. */
const RETRIED_WITHIN_MS = 90_000;

// --- A receiver: records every request's headers and raw body; /flaky fails its first request. ---

interface Received {
  path: string;
  headers: Record<string, string>;
  body: string;
  status: number;
}

interface Receiver {
  url: string;
  received: Received[];
  on: (path: string) => Received[];
  close: () => Promise<void>;
}

function flatten(headers: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) out[name] = Array.isArray(value) ? value.join(", ") : value;
  }
  return out;
}

async function startReceiver(): Promise<Receiver> {
  const received: Received[] = [];
  const seen = new Map<string, number>();
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const path = (request.url ?? "/").split("?")[0] ?? "/";
      const count = (seen.get(path) ?? 0) + 1;
      seen.set(path, count);
      const status = path.startsWith("/flaky") && count === 1 ? 500 : 200;
      received.push({
        path,
        headers: flatten(request.headers),
        body: Buffer.concat(chunks).toString("utf8"),
        status,
      });
      response.writeHead(status, { "content-type": "text/plain" });
      response.end(status === 200 ? "ok" : "try again later");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    on: (path) => received.filter((r) => r.path === path),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

// --- API helpers (copied small, as in the other e2e files). ---

async function call(path: string, init: { method?: string; token?: string; body?: unknown } = {}) {
  return fetch(`${APP}/api${path}`, {
    method: init.method ?? (init.body === undefined ? "GET" : "POST"),
    headers: {
      "content-type": "application/json",
      ...(init.token ? { authorization: `Bearer ${init.token}` } : {}),
    },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
}

async function json<T>(path: string, init: { method?: string; token?: string; body?: unknown } = {}) {
  const response = await call(path, init);
  const text = await response.text();
  if (!response.ok) throw new Error(`${init.method ?? "GET"} ${path}: ${response.status} ${text}`);
  return (text ? JSON.parse(text) : undefined) as T;
}

interface Person {
  id: string;
  token: string;
  email: string;
  name: string;
}

async function register(role: "provider" | "student", name: string): Promise<Person> {
  const email = uniqueEmail(role);
  const answer = await json<{ user: { id: string }; token: string }>("/auth/register", {
    body: { email, password: PASSWORD, name, role, timezone: ZONE },
  });
  return { id: answer.user.id, token: answer.token, email, name };
}

async function signIn(page: Page, person: Person, next: string): Promise<void> {
  await page.goto(`/signin?next=${encodeURIComponent(next)}`);
  await page.getByLabel("Email").fill(person.email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL((url) => !url.pathname.startsWith("/signin"), WAIT);
}

interface Endpoint {
  id: string;
  url: string;
  events: string[];
  createdAt: string;
}

interface Delivery {
  id: string;
  eventId: string;
  eventType: string;
  status: "PENDING" | "DELIVERED" | "FAILED";
  attempts: number;
  lastStatusCode?: number;
  nextAttemptAt?: string;
  createdAt: string;
  log: { at: string; statusCode?: number; error?: string; durationMs: number }[];
}

const endpointsOf = (person: Person) =>
  json<{ endpoints: Endpoint[] }>("/me/webhook-endpoints", { token: person.token }).then((a) => a.endpoints);

const deliveriesOf = (person: Person, endpointId: string) =>
  json<{ deliveries: Delivery[] }>(`/me/webhook-endpoints/${endpointId}/deliveries`, {
    token: person.token,
  }).then((a) => a.deliveries);

/** Polls the API until `check` holds for the endpoint's deliveries (or the time is up). */
async function waitForDeliveries(
  person: Person,
  endpointId: string,
  check: (deliveries: Delivery[]) => boolean,
  timeoutMs: number,
): Promise<Delivery[]> {
  const deadline = Date.now() + timeoutMs;
  let last: Delivery[] = [];
  while (Date.now() < deadline) {
    last = await deliveriesOf(person, endpointId);
    if (check(last)) return last;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error(`deliveries of ${endpointId} did not get there in time: ${JSON.stringify(last)}`);
}

function statusCell(card: Locator): Locator {
  return card.locator('tr[data-testid^="delivery-"] [data-testid="delivery-status"]');
}

async function openIntegrations(page: Page): Promise<void> {
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Integrations" }).click();
  await page.getByRole("heading", { level: 1, name: "Integrations" }).waitFor(WAIT);
}

let browser: Browser;
let receiver: Receiver;
beforeAll(async () => {
  browser = await launchBrowser();
  receiver = await startReceiver();
});
afterAll(async () => {
  await browser?.close();
  await receiver?.close();
});

describe("webhook endpoints (Integrations)", () => {
  it("a provider adds an endpoint, copies the secret once, sends a test event and sees it delivered and verifiable", async () => {
    const tag = Math.random().toString(36).slice(2, 7);
    const provider = await register("provider", `Wanda Webhook ${tag}`);
    const hookPath = `/hook-${tag}`;
    const hookUrl = `${receiver.url}${hookPath}`;

    const { context, page } = await newPage(browser);
    await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: APP });
    const logs = watchConsole(page, "provider");
    try {
      await signIn(page, provider, "/teach");
      await openIntegrations(page);
      await page.getByRole("link", { name: "Standard Webhooks" }).waitFor(WAIT);
      await page.getByText("No endpoints yet.").waitFor(WAIT);

      // Every event is checked to begin with; the form then sends no `events` (all, future ones too).
      const events = page.getByRole("group", { name: "Events" }).getByRole("checkbox");
      await expect(events.count()).resolves.toBe(8);
      for (const box of await events.all()) await expect(box.isChecked()).resolves.toBe(true);
      await page.getByLabel("Endpoint URL").fill(hookUrl);
      const [createRequest] = await Promise.all([
        page.waitForRequest((r) => r.url().endsWith("/api/me/webhook-endpoints") && r.method() === "POST"),
        page.getByRole("button", { name: "Add endpoint" }).click(),
      ]);
      expect(createRequest.postDataJSON()).toEqual({ url: hookUrl });

      // The secret, once: read-only, copyable, with the warning, until "Done".
      const dialog = page.getByRole("dialog", { name: "Endpoint added" });
      await dialog.waitFor(WAIT);
      await dialog.getByText("This secret is shown only once.").waitFor(WAIT);
      const secretInput = dialog.getByLabel("Signing secret");
      await expect(secretInput.getAttribute("readonly")).resolves.not.toBeNull();
      const secret = await secretInput.inputValue();
      expect(secret).toMatch(/^whsec_[A-Za-z0-9+/=]{32,}$/);
      await dialog.getByRole("button", { name: "Copy secret" }).click();
      await dialog.getByText(/Copied to the clipboard\.|The secret is selected/).waitFor(WAIT);
      if (await dialog.getByText("Copied to the clipboard.").count()) {
        await expect(page.evaluate<string>("navigator.clipboard.readText()")).resolves.toBe(secret);
      }
      await screenshot(page, "integrations-01-secret");
      await dialog.getByRole("button", { name: "Done" }).click();
      await dialog.waitFor({ state: "hidden", ...WAIT });

      const [endpoint] = await endpointsOf(provider);
      expect(endpoint?.url).toBe(hookUrl);
      if (!endpoint) throw new Error("no endpoint");
      expect(JSON.stringify(await endpointsOf(provider))).not.toContain(secret);
      const card = page.getByTestId(`endpoint-${endpoint.id}`);
      await card.waitFor(WAIT);
      await card.getByText(hookUrl).waitFor(WAIT);
      await card.getByText("All events").waitFor(WAIT);

      // A test event, followed in the delivery log until it is delivered.
      await card.getByRole("button", { name: "Send test event" }).click();
      await card.getByText("Test event queued.").waitFor(WAIT);
      await card.getByRole("button", { name: "Show deliveries" }).click();
      await card.getByRole("button", { name: "Hide deliveries" }).waitFor(WAIT);
      await statusCell(card).getByText("Delivered", { exact: true }).waitFor(DELIVERED_WITHIN);
      await expect(statusCell(card).textContent()).resolves.toBe("Delivered");

      const deliveries = await deliveriesOf(provider, endpoint.id);
      expect(deliveries).toHaveLength(1);
      const delivery = deliveries[0] as Delivery;
      expect(delivery).toMatchObject({ eventType: "webhook.test", status: "DELIVERED", attempts: 1 });
      expect(delivery.lastStatusCode).toBe(200);
      expect(delivery.log).toHaveLength(1);
      const row = card.getByTestId(`delivery-${delivery.id}`);
      await row.waitFor(WAIT);
      await row.locator("summary").click();
      await row.getByText(delivery.eventId).waitFor(WAIT);
      await row.getByText(/HTTP 200 in \d+ ms/).waitFor(WAIT);
      await screenshot(page, "integrations-02-delivered");

      // Exactly one request, with the delivery's webhook-id, the documented body and a valid signature.
      const got = receiver.on(hookPath);
      expect(got).toHaveLength(1);
      const request = got[0] as Received;
      expect(request.headers["webhook-id"]).toBe(delivery.eventId);
      expect(request.headers["webhook-timestamp"]).toMatch(/^\d+$/);
      expect(request.headers["webhook-signature"]).toMatch(/^v1,/);
      const body = JSON.parse(request.body) as Record<string, unknown>;
      expect(Object.keys(body).sort()).toEqual(["createdAt", "data", "id", "type"]);
      expect(body).toMatchObject({ id: delivery.eventId, type: "webhook.test" });
      expect(Number.isNaN(Date.parse(String(body.createdAt)))).toBe(false);
      expect(() => new Webhook(secret).verify(request.body, request.headers)).not.toThrow();
      // The same request signed with another secret is refused: the check above means something.
      const other = `whsec_${Buffer.from("another-secret-of-24-bytes!").toString("base64")}`;
      expect(() => new Webhook(other).verify(request.body, request.headers)).toThrow();

      // Reloading shows the endpoint, never the secret again.
      await page.reload();
      await page.getByTestId(`endpoint-${endpoint.id}`).waitFor(WAIT);
      await expect(page.getByRole("dialog", { name: "Endpoint added" }).isVisible()).resolves.toBe(false);
      await expect(page.content()).resolves.not.toContain(secret);
      expect(logs.filter((line) => line.includes("pageerror"))).toEqual([]);
    } catch (error) {
      if (logs.length > 0) console.error(logs.join("\n"));
      throw error;
    } finally {
      await context.close();
    }
  });

  it("retries a failing endpoint with the same webhook-id until it answers 2xx", async () => {
    const tag = Math.random().toString(36).slice(2, 7);
    const provider = await register("provider", `Rita Retry ${tag}`);
    const flakyPath = `/flaky-${tag}`;
    const { endpoint } = await json<{ endpoint: Endpoint; secret: string }>("/me/webhook-endpoints", {
      token: provider.token,
      body: { url: `${receiver.url}${flakyPath}`, events: ["booking.confirmed"] },
    });

    const { context, page } = await newPage(browser);
    const logs = watchConsole(page, "provider");
    try {
      await signIn(page, provider, "/integrations");
      await page.getByRole("heading", { level: 1, name: "Integrations" }).waitFor(WAIT);
      const card = page.getByTestId(`endpoint-${endpoint.id}`);
      await card.getByText("Booking confirmed").waitFor(WAIT);
      await card.getByRole("button", { name: "Show deliveries" }).click();
      await card.getByText("No deliveries yet.").waitFor(WAIT);
      await card.getByRole("button", { name: "Send test event" }).click();

      // The first attempt got a 500: still pending, with the next attempt scheduled.
      const afterFirst = await waitForDeliveries(
        provider,
        endpoint.id,
        (d) => d[0]?.attempts === 1 || d[0]?.status !== "PENDING",
        20_000,
      );
      const first = afterFirst[0] as Delivery;
      expect(first).toMatchObject({
        eventType: "webhook.test",
        status: "PENDING",
        attempts: 1,
        lastStatusCode: 500,
      });
      expect(first.nextAttemptAt).toBeDefined();
      expect(Date.parse(first.nextAttemptAt as string)).toBeGreaterThan(Date.parse(first.log[0]?.at ?? ""));
      await statusCell(card).getByText("Pending", { exact: true }).waitFor(WAIT);
      await card.getByTestId(`delivery-${first.id}`).getByText("500", { exact: true }).waitFor(WAIT);
      await screenshot(page, "integrations-03-retry-pending");

      // The open log polls by itself: no Refresh click, and it turns Delivered after the retry.
      await statusCell(card).getByText("Delivered", { exact: true }).waitFor({ timeout: RETRIED_WITHIN_MS });
      const [done] = await deliveriesOf(provider, endpoint.id);
      expect(done).toMatchObject({ id: first.id, status: "DELIVERED", attempts: 2, lastStatusCode: 200 });
      expect(done?.log.map((a) => a.statusCode)).toEqual([500, 200]);
      const row = card.getByTestId(`delivery-${first.id}`);
      await row.locator("summary").click();
      await row.getByText(/HTTP 500/).waitFor(WAIT);
      await row.getByText(/HTTP 200/).waitFor(WAIT);

      const got = receiver.on(flakyPath);
      expect(got.map((r) => r.status)).toEqual([500, 200]);
      expect(got.map((r) => r.headers["webhook-id"])).toEqual([first.eventId, first.eventId]);
      expect(logs.filter((line) => line.includes("pageerror"))).toEqual([]);
    } catch (error) {
      if (logs.length > 0) console.error(logs.join("\n"));
      throw error;
    } finally {
      await context.close();
    }
  }, 150_000);

  it("refuses an endpoint without events in the form, and shows the API's refusal of a bad URL under the field", async () => {
    const tag = Math.random().toString(36).slice(2, 7);
    const provider = await register("provider", `Vera Valid ${tag}`);
    const { context, page } = await newPage(browser);
    const logs = watchConsole(page, "provider");
    try {
      await signIn(page, provider, "/integrations");
      await page.getByRole("heading", { level: 1, name: "Integrations" }).waitFor(WAIT);
      let posts = 0;
      page.on("request", (r) => {
        if (r.url().endsWith("/api/me/webhook-endpoints") && r.method() === "POST") posts++;
      });

      // None checked: said in the form, nothing sent.
      await page.getByLabel("Endpoint URL").fill(`${receiver.url}/none-${tag}`);
      for (const box of await page.getByRole("group", { name: "Events" }).getByRole("checkbox").all())
        await box.uncheck();
      await page.getByRole("button", { name: "Add endpoint" }).click();
      await page.getByText("Choose at least one event to send to this endpoint.").waitFor(WAIT);
      expect(posts).toBe(0);

      // Two checked: exactly those are sent.
      await page.getByRole("checkbox", { name: /Booking confirmed/ }).check();
      await page.getByRole("checkbox", { name: /Payout paid/ }).check();
      await page.getByLabel("Endpoint URL").fill("not a url");
      const [refused] = await Promise.all([
        page.waitForResponse(
          (r) => r.url().endsWith("/api/me/webhook-endpoints") && r.request().method() === "POST",
        ),
        page.getByRole("button", { name: "Add endpoint" }).click(),
      ]);
      expect(refused.status()).toBe(400);
      expect(refused.request().postDataJSON()).toEqual({
        url: "not a url",
        events: ["booking.confirmed", "payout.paid"],
      });
      const fieldError = page.locator("#endpoint-url-error");
      await fieldError.waitFor(WAIT);
      await expect(page.getByLabel("Endpoint URL").getAttribute("aria-describedby")).resolves.toContain(
        "endpoint-url-error",
      );
      await screenshot(page, "integrations-04-bad-url");
      await expect(endpointsOf(provider)).resolves.toEqual([]);
    } catch (error) {
      if (logs.length > 0) console.error(logs.join("\n"));
      throw error;
    } finally {
      await context.close();
    }
  });

  it("deletes an endpoint after the confirmation, which starts on the safe button", async () => {
    const tag = Math.random().toString(36).slice(2, 7);
    const provider = await register("provider", `Dora Delete ${tag}`);
    const { endpoint } = await json<{ endpoint: Endpoint; secret: string }>("/me/webhook-endpoints", {
      token: provider.token,
      body: { url: `${receiver.url}/gone-${tag}` },
    });

    const { context, page } = await newPage(browser);
    const logs = watchConsole(page, "provider");
    try {
      await signIn(page, provider, "/teach");
      await openIntegrations(page);
      const card = page.getByTestId(`endpoint-${endpoint.id}`);
      await card.waitFor(WAIT);
      await card.getByRole("button", { name: "Delete" }).click();
      const dialog = page.getByRole("dialog", { name: "Delete this endpoint?" });
      await dialog.waitFor(WAIT);
      await dialog.getByText(endpoint.url).waitFor(WAIT);
      await expect(page.evaluate<string | undefined>("document.activeElement?.textContent")).resolves.toBe(
        "Keep it",
      );
      await dialog.getByRole("button", { name: "Delete endpoint" }).click();
      await dialog.waitFor({ state: "hidden", ...WAIT });
      await card.waitFor({ state: "detached", ...WAIT });
      await page.getByText("No endpoints yet.").waitFor(WAIT);
      await expect(endpointsOf(provider)).resolves.toEqual([]);
      expect(logs.filter((line) => line.includes("pageerror"))).toEqual([]);
    } catch (error) {
      if (logs.length > 0) console.error(logs.join("\n"));
      throw error;
    } finally {
      await context.close();
    }
  });

  it("shows no Integrations link to a student, and the API answers a student 403", async () => {
    const student = await register("student", "Stu Dent");
    const response = await call("/me/webhook-endpoints", { token: student.token });
    expect(response.status).toBe(403);
    const { context, page } = await newPage(browser);
    const logs = watchConsole(page, "student");
    try {
      await signIn(page, student, "/find");
      await page.getByRole("navigation", { name: "Main" }).waitFor(WAIT);
      await expect(
        page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Integrations" }).count(),
      ).resolves.toBe(0);
    } catch (error) {
      if (logs.length > 0) console.error(logs.join("\n"));
      throw error;
    } finally {
      await context.close();
    }
  });
});
