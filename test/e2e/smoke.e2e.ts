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

describe("the SPA", () => {
  it("loads in Chromium from the worker's assets", async () => {
    const { context, page } = await newPage(browser);
    await page.goto("/");
    await expect(page.title()).resolves.toBe("Lectern");
    await page.getByRole("heading", { name: "Lectern" }).waitFor();
    await screenshot(page, "home");
    await context.close();
  });
});
