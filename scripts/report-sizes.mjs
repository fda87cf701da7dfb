// Prints the built SPA's files with their gzip sizes and checks the initial-JS budget.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { gzipSync } from "node:zlib";

const DIST = "web/dist";
const BUDGET_KB = 25;

function files(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : [path];
  });
}

const html = readFileSync(join(DIST, "index.html"), "utf8");
// Initial JS = the entry script and the modules it preloads; lazy chunks load on demand.
const initial = new Set(
  [...html.matchAll(/(?:src|href)="\/([^"]+\.js)"/g)].map((match) => join(DIST, match[1])),
);
let initialGzip = 0;
console.log("SPA build (gzip sizes):");
for (const path of files(DIST)
  .filter((p) => /\.(js|css|html)$/.test(p))
  .sort()) {
  const gzip = gzipSync(readFileSync(path)).length;
  const isInitial = initial.has(path);
  if (isInitial) initialGzip += gzip;
  console.log(
    `  ${(gzip / 1024).toFixed(1).padStart(7)} KB  ${relative(DIST, path)}${isInitial ? "  (initial)" : ""}`,
  );
}
console.log(`initial JavaScript: ${(initialGzip / 1024).toFixed(1)} KB gzip (budget ${BUDGET_KB} KB)`);
if (initialGzip > BUDGET_KB * 1024) {
  console.error("over budget");
  process.exit(1);
}
