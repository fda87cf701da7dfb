import preact from "@preact/preset-vite";
import { defineConfig } from "vite";

// The SPA only: the worker is built by wrangler, which serves web/dist as static assets.
export default defineConfig({
  root: "web",
  plugins: [preact()],
  build: { outDir: "dist", emptyOutDir: true, target: "es2022", sourcemap: true },
  server: { proxy: { "/api": { target: "http://127.0.0.1:8787", ws: true } } },
});
