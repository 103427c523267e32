// "Report a problem" in Debian's chromium with JavaScript OFF against a running Guildhall demo:
// a citizen reports a pothole by postcode (then an address of it), checks their answers, sends it,
// and the confirmation names the county's highways team; then the sandbox email the team received
// is seen on the demo's /dev/notifications page. axe-core (WCAG 2.0/2.1/2.2 A and AA) runs on
// every page, errors included; screenshots go to target/e2e-artifacts/report/.
//
//   E2E_BASE_URL=http://localhost:PORT E2E_COUNCIL=exampleshire E2E_POSTCODE="ZX1 1AA" node tests/e2e/report.mjs
//
// Prints the report's reference on a line `reference N`. Exits non-zero on any accessibility
// violation or failed check.

import { mkdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { audit as sharedAudit, auditThrough } from "./audit.mjs";
import { finish, runJourneys, runMain } from "./journeys.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, "../..");
const artifacts = join(root, "target", "e2e-artifacts", "report");
const base = process.env.E2E_BASE_URL;
const council = process.env.E2E_COUNCIL || "exampleshire";
const postcode = process.env.E2E_POSTCODE || "ZX1 1AA";
const team = process.env.E2E_TEAM_EMAIL || "highways@exampleshire.example";

const failures = [];
function check(condition, message) {
  if (!condition) failures.push(message);
}

async function audit(page, label) {
  await sharedAudit(page, label, failures, artifacts);
}

// Submits a form with its button (JavaScript off: a real navigation) and waits for the next page.
async function click(page, name) {
  await Promise.all([
    page.waitForEvent("framenavigated", { predicate: (frame) => frame === page.mainFrame() }),
    page.getByRole("button", { name, exact: true }).click(),
  ]);
  await page.waitForLoadState("load");
}

async function heading(page) {
  return ((await page.locator("h1, legend h1").first().textContent()) || "").trim();
}

async function reportAPothole(browser) {
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  const auditorContext = await browser.newContext({ javaScriptEnabled: true });
  auditThrough(page, await auditorContext.newPage());
  try {
    await page.goto(`${base}/${council}/report`);
    check((await heading(page)) === "Report a problem", `start: heading ${await heading(page)}`);
    check((await page.locator("#report-map").count()) === 1, "start: no #report-map hook for the map script");
    await audit(page, "where is it");

    await click(page, "Continue");
    check((await page.content()).includes("Enter a postcode"), "start: an empty form shows no error");
    check((await page.title()).startsWith("Error: "), `start: error title ${await page.title()}`);
    await audit(page, "where is it, error");

    await page.getByLabel("Postcode", { exact: true }).fill(postcode);
    await click(page, "Continue");
    check(page.url().endsWith("/address"), `postcode led to ${page.url()}`);
    await audit(page, "choose the address");
    await page.locator('input[name="address"]').first().check();
    await click(page, "Continue");

    check(page.url().endsWith("/category"), `address led to ${page.url()}`);
    await audit(page, "what is the problem");
    await page.getByLabel("Pothole", { exact: true }).check();
    await click(page, "Continue");

    check(page.url().endsWith("/details"), `category led to ${page.url()}`);
    await audit(page, "details");
    await page.getByLabel("Title", { exact: true }).fill("Deep pothole by the bus stop");
    await page.getByLabel("Describe the problem", { exact: true }).fill("About a foot across. <b>Cyclists</b> swerve.");
    await page.getByLabel("How deep is it, in cm? (optional)", { exact: true }).fill("deep");
    await click(page, "Continue");
    check((await page.content()).includes("Check your answer to"), "details: a word for a number is not refused");
    await audit(page, "details, error");
    await page.getByLabel("How deep is it, in cm? (optional)", { exact: true }).fill("9");
    await click(page, "Continue");

    check(page.url().endsWith("/contact"), `details led to ${page.url()}`);
    await audit(page, "your contact details");
    await page.getByLabel("Your name", { exact: true }).fill("Ada Lovelace");
    await page.getByLabel("Your email address", { exact: true }).fill("ada@example.org");
    await click(page, "Continue");

    check(page.url().endsWith("/check"), `contact led to ${page.url()}`);
    const answers = await page.content();
    check(answers.includes("Deep pothole by the bus stop") && answers.includes("Pothole"), "check: answers missing");
    check(answers.includes("&lt;b&gt;Cyclists&lt;/b&gt;"), "check: the description's HTML is not escaped");
    check((await page.getByRole("link", { name: /Change/ }).count()) >= 5, "check: too few Change links");
    await audit(page, "check your answers");
    await click(page, "Send report");

    check(page.url().endsWith("/confirmation"), `send led to ${page.url()}`);
    const sentTo = (await page.locator("#sent-to").textContent()) || "";
    check(sentTo.includes("Exampleshire County Council (Highways team)"), `confirmation names ${sentTo.trim()}`);
    const reference = ((await page.locator("#reference").textContent()) || "").trim();
    check(/^\d+$/.test(reference), `confirmation reference ${reference}`);
    await audit(page, "report sent");
    console.log(`reference ${reference}`);

    await page.goto(`${base}/${council}/reports/${reference}`);
    const published = await page.content();
    check(published.includes("Deep pothole by the bus stop"), "report page: no title");
    check(!published.includes("ada@example.org") && !published.includes("Ada Lovelace"),
      "report page: shows the reporter's contact details");
    await audit(page, "the public report");

    // The email the county's highways team got, through Notify's sandbox (the workers send it).
    let seen = false;
    for (let i = 0; i < 60 && !seen; i++) {
      await page.goto(`${base}/dev/notifications`);
      const cards = page.locator(".sandbox-message", { hasText: team }).filter({ hasText: `Report: ${reference}` });
      seen = (await cards.count()) > 0;
      if (!seen) await new Promise((ok) => setTimeout(ok, 500));
    }
    check(seen, `no sandbox email to ${team} about report ${reference} on /dev/notifications`);
    if (seen) {
      const card = page.locator(".sandbox-message", { hasText: team }).filter({ hasText: `Report: ${reference}` }).first();
      const text = (await card.textContent()) || "";
      check(text.includes("Deep pothole by the bus stop") && text.includes("Ada Lovelace"),
        "the team's email lacks the report's title or the reporter's name");
      console.log(`ok   the email to ${team} is on /dev/notifications`);
    }
    await audit(page, "sandbox notifications");
  } finally {
    await context.close();
    await auditorContext.close();
  }
}

async function main() {
  if (!base) throw new Error("set E2E_BASE_URL (http://localhost:PORT) to a running guildhall demo");
  mkdirSync(artifacts, { recursive: true });
  await runJourneys([["report a pothole", reportAPothole]], failures);
  finish(failures, `\nthe report journey passes, every page passes axe; screenshots in ${artifacts}`);
}

runMain(main);
