// What every browser test shares: axe-core run on a page (WCAG 2.0/2.1/2.2 A and AA), with a
// screenshot of it, where a page seen with JavaScript off is audited through a second,
// JavaScript-enabled "auditor" page served the same DOM (scripts removed) at the same URL: axe
// is JavaScript and cannot run in a page that has it off, but must see exactly what that reader gets.

import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";

const require = createRequire(import.meta.url);
const axeSource = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");

/** The axe tags every page must pass. */
export const AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"];

/** The Chromium flags the project runs with (Debian's chromium, headless, nothing fetched). */
export const CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
  "--disable-component-update", "--disable-sync"];

const auditors = new WeakMap();

/** Makes `page` (JavaScript off) audited through `auditor` (a JavaScript-enabled page). */
export function auditThrough(page, auditor) {
  auditors.set(page, auditor);
}

/**
 * Runs axe on `page`, pushes each violation onto `failures` with `label`, and saves a full-page
 * screenshot as `<artifacts>/<label>.png`.
 */
export async function audit(page, label, failures, artifacts) {
  let target = page;
  const auditor = auditors.get(page);
  if (auditor) {
    const html = (await page.content()).replace(/<script\b[\s\S]*?<\/script>/gi, "");
    const url = page.url();
    const matches = (u) => u.href === url;
    await auditor.route(matches, (route) =>
      route.fulfill({ status: 200, contentType: "text/html; charset=utf-8", body: html }));
    await auditor.goto(url);
    await auditor.unroute(matches);
    target = auditor;
  }
  await target.evaluate(axeSource);
  const results = await target.evaluate(
    (tags) => window.axe.run(document, { runOnly: { type: "tag", values: tags }, resultTypes: ["violations"] }),
    AXE_TAGS,
  );
  for (const violation of results.violations) {
    const nodes = violation.nodes.map((n) => n.target.join(" ")).join(", ");
    failures.push(`${label}: axe ${violation.id} (${violation.impact}): ${violation.help} — ${nodes}`);
  }
  await page.screenshot({ path: join(artifacts, `${label.replace(/[^a-z0-9]+/gi, "-")}.png`), fullPage: true });
  console.log(`${results.violations.length === 0 ? "ok  " : "FAIL"} ${label} (${results.passes.length} rules passed)`);
}
