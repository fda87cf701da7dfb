import { describe, expect, it } from "vitest";
import {
  MAX_ATTEMPTS,
  RETRY_DELAYS_S,
  receives,
  retryDelaySeconds,
  targetProblem,
} from "../../src/domain/webhooks";

describe("retry schedule", () => {
  it("first retry within a minute, at least 6 attempts spread over at least 6 hours, then none", () => {
    expect(retryDelaySeconds(1)).toBeLessThanOrEqual(60);
    expect(MAX_ATTEMPTS).toBeGreaterThanOrEqual(6);
    const delays = Array.from({ length: MAX_ATTEMPTS - 1 }, (_, i) => retryDelaySeconds(i + 1)!);
    expect(delays.every((d, i) => i === 0 || d > delays[i - 1]!)).toBe(true);
    expect(delays.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(6 * 3600);
    expect(retryDelaySeconds(MAX_ATTEMPTS)).toBeNull();
    expect(retryDelaySeconds(0)).toBeNull();
    expect(RETRY_DELAYS_S).toHaveLength(MAX_ATTEMPTS - 1);
  });
});

describe("receives", () => {
  it("all types without a filter, the chosen ones with one; a test event always", () => {
    expect(receives(null, "payout.paid")).toBe(true);
    expect(receives(["session.started"], "session.started")).toBe(true);
    expect(receives(["session.started"], "booking.confirmed")).toBe(false);
    expect(receives(["session.started"], "webhook.test")).toBe(true);
  });
});

describe("targetProblem: refuses loopback, private and link-local targets in production", () => {
  const prod = { allowPrivate: false };
  it.each([
    "https://hooks.example.com/lectern",
    "https://example.com:8443/x?y=1",
    "https://93.184.216.34/hook",
    "https://[2606:4700::1111]/hook",
  ])("accepts %s", (url) => {
    expect(targetProblem(url, prod)).toBeNull();
  });
  it.each([
    ["http://hooks.example.com/x", "https"],
    ["ftp://hooks.example.com/x", "https"],
    ["not a url", "absolute URL"],
    ["https://user:pw@hooks.example.com/", "user name"],
    ["https://localhost/x", "local"],
    ["https://api.localhost/x", "local"],
    ["https://metadata.google.internal/", "local"],
    ["https://127.0.0.1/x", "private"],
    ["https://127.1.2.3/x", "private"],
    ["https://10.1.2.3/x", "private"],
    ["https://172.16.0.1/x", "private"],
    ["https://172.31.255.255/x", "private"],
    ["https://192.168.1.10/x", "private"],
    ["https://169.254.169.254/latest/meta-data", "private"],
    ["https://100.64.0.1/x", "private"],
    ["https://0.0.0.0/x", "private"],
    ["https://224.0.0.1/x", "private"],
    ["https://[::1]/x", "private"],
    ["https://[fd00::1]/x", "private"],
    ["https://[fe80::1]/x", "private"],
    ["https://[::ffff:127.0.0.1]/x", "private"],
    ["https://2130706433/x", "private"], // 127.0.0.1 as one number (the URL parser normalises it)
    ["https://0x7f.1/x", "private"],
  ])("refuses %s", (url, why) => {
    expect(targetProblem(url, prod)).toContain(why);
  });
  it("DEV_ROUTES=on lets local receivers (http, loopback) through", () => {
    expect(targetProblem("http://127.0.0.1:9999/hook", { allowPrivate: true })).toBeNull();
    expect(targetProblem("ftp://127.0.0.1/hook", { allowPrivate: true })).toContain("http");
  });
});
