import { defineConfig } from "vitest/config";

// Browser tests: plain Node (not workerd), against the app that `npm start` brings up.
export default defineConfig({
  test: {
    include: ["test/e2e/**/*.e2e.ts"],
    globalSetup: ["./test/e2e/global-setup.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    fileParallelism: false,
    reporters: ["default", ["json", { outputFile: "test-output/e2e.json" }]],
  },
});
