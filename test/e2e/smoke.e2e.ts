import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser, newPage, screenshot } from "./browser";

let browser: Browser;
beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});

describe("the SPA shell", () => {
  it("loads the start page from the worker's assets without Agora or Stripe", async () => {
    const { context, page } = await newPage(browser);
    const scripts: string[] = [];
    page.on("request", (request) => {
      if (request.resourceType() === "script") scripts.push(request.url());
    });
    await page.goto("/");
    await expect(page.title()).resolves.toMatch(/Lectern/);
    await page.getByRole("heading", { level: 1, name: /Live lessons/ }).waitFor();
    await page.getByRole("link", { name: "Create an account" }).first().waitFor();
    expect(scripts.some((url) => /agora|stripe/i.test(url))).toBe(false);
    await screenshot(page, "00-home");
    await context.close();
  });

  it("serves deep links through the SPA fallback and sends guests to sign in", async () => {
    const { context, page } = await newPage(browser);
    await page.goto("/bookings");
    await page.getByRole("heading", { level: 1, name: "Sign in" }).waitFor();
    expect(new URL(page.url()).searchParams.get("next")).toBe("/bookings");
    await context.close();
  });

  it("is usable from the keyboard: the skip link comes first and moves to the content", async () => {
    const { context, page } = await newPage(browser);
    await page.goto("/signin");
    await page.getByRole("heading", { level: 1, name: "Sign in" }).waitFor();
    await page.keyboard.press("Tab");
    await expect(page.evaluate<string | undefined>("document.activeElement?.textContent")).resolves.toBe(
      "Skip to content",
    );
    await page.keyboard.press("Enter");
    await expect(page.evaluate<string | undefined>("document.activeElement?.id")).resolves.toBe("main");
    await context.close();
  });

  it("explains a wrong password in words", async () => {
    const { context, page } = await newPage(browser);
    await page.goto("/signin");
    await page.getByLabel("Email").fill("nobody@e2e.test");
    await page.getByLabel("Password").fill("not-the-password");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("alert").filter({ hasText: "The email or password is wrong." }).waitFor();
    await context.close();
  });

  it("moves focus to the new page's heading after navigating, and signs out (demo student)", async () => {
    const { context, page } = await newPage(browser);
    await page.goto("/signin");
    await page.getByLabel("Email").fill("student@lectern.test");
    await page.getByLabel("Password").fill("lectern-demo-student");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("heading", { level: 1, name: "Find a tutor" }).waitFor();
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "My bookings" }).click();
    await page.getByRole("heading", { level: 1, name: "My bookings" }).waitFor();
    await expect(page.evaluate<string | undefined>("document.activeElement?.tagName")).resolves.toBe("H1");
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Sessions" }).click();
    await expect
      .poll(() => page.evaluate<string | undefined>("document.activeElement?.textContent"))
      .toBe("Sessions");
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByRole("heading", { level: 1, name: "Sign in" }).waitFor();
    await page.goto("/bookings");
    await page.getByRole("heading", { level: 1, name: "Sign in" }).waitFor();
    await context.close();
  });
});
