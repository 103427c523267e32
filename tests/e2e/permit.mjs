// The residents' parking permit, applied for and issued on the spot, in Debian's chromium
// (playwright-core) against a running Guildhall demo: start page, sign in with a passkey (a Chrome
// DevTools Protocol virtual authenticator; the passkey is added first, outside the timed journey),
// postcode, address, registration number, check your answers, consent to the vehicle and keeper
// registers, a sandbox card payment (4444333322221111) on the hosted pages, and "Permit issued"
// with the permit's entry number. axe-core on every page; the pages are counted and the journey
// timed (browser and server time, without the audits; with E2E_PACE_MS, a person's time on each
// page too), printed as `pages=N seconds=S`.
//
//   E2E_BASE_URL=http://localhost:PORT E2E_POSTCODE="ZX1 1AA" E2E_UPRN=… E2E_REGISTRATION=EX21ABC \
//     node tests/e2e/permit.mjs

import { mkdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { audit as sharedAudit } from "./audit.mjs";
import { codeFor, finish, runJourneys, runMain } from "./journeys.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, "../..");
const artifacts = join(root, "target", "e2e-artifacts", "permit");
const base = process.env.E2E_BASE_URL;
const postcode = process.env.E2E_POSTCODE;
const uprn = process.env.E2E_UPRN;
const registration = process.env.E2E_REGISTRATION || "EX21ABC";
const runId = Date.now().toString(36);
// A person's time on each page (reading, typing), in milliseconds: 0 measures the machine alone;
// E2E_PACE_MS=8000 plays the journey at a resident's pace.
const paceMillis = Number(process.env.E2E_PACE_MS || 0);

const failures = [];
function check(condition, message) {
  if (!condition) failures.push(message);
}

let pages = 0;
let auditMillis = 0;
// Audits the page the citizen is on and counts it as one page of the journey.
async function seen(page, label) {
  pages += 1;
  const started = Date.now();
  await sharedAudit(page, `${String(pages).padStart(2, "0")} ${label}`, failures, artifacts);
  auditMillis += Date.now() - started;
  if (paceMillis > 0) await page.waitForTimeout(paceMillis);
}

async function clickAndWait(page, locator) {
  await Promise.all([page.waitForNavigation({ waitUntil: "load" }), locator.click()]);
}

// Before the journey: an account with a passkey (as a returning resident has), signed out.
async function accountWithPasskey(browser, page, email) {
  await page.goto(`${base}/exampleshire/sign-in`);
  await page.getByLabel("Email address").fill(email);
  await clickAndWait(page, page.getByRole("button", { name: "Continue" }));
  await page.getByLabel("Enter the 6-digit code").fill(await codeFor(browser, base, email));
  await clickAndWait(page, page.getByRole("button", { name: "Continue" }));
  if ((await page.getByLabel("What is your name?").count()) > 0) {
    await page.getByLabel("What is your name?").fill("Ada Resident");
    await clickAndWait(page, page.getByRole("button", { name: "Save and continue" }));
  }
  await page.goto(`${base}/exampleshire/account`);
  await page.getByRole("button", { name: /Add a passkey/ }).click();
  await page.waitForFunction(() => document.querySelectorAll("#passkey-list li").length > 0, null, { timeout: 10000 });
  await page.goto(`${base}/exampleshire/sign-out`);
  await clickAndWait(page, page.getByRole("button", { name: "Sign out" }));
}

async function journey(browser) {
  const context = await browser.newContext({ javaScriptEnabled: true });
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send("WebAuthn.enable");
  await cdp.send("WebAuthn.addVirtualAuthenticator", {
    options: { protocol: "ctap2", transport: "internal", hasResidentKey: true, hasUserVerification: true,
      isUserVerified: true, automaticPresenceSimulation: true },
  });
  await accountWithPasskey(browser, page, `resident.${runId}@example.com`);

  const started = Date.now();
  const start = await page.goto(`${base}/exampleshire/services/parking-permit`);
  check(start.status() === 200, `start page answered ${start.status()}`);
  check((await page.locator("h1").textContent()).includes("parking permit"), "the start page names the service");
  await seen(page, "start page");

  await clickAndWait(page, page.getByRole("button", { name: "Start now" }));
  check(page.url().includes("/exampleshire/sign-in"), `Start now did not ask to sign in (${page.url()})`);
  await seen(page, "sign in");
  await page.getByRole("button", { name: /passkey/i }).click();
  // Signing in returns to the service's `/start`, which starts the application: the first
  // question follows at once, without the start page a second time.
  await page.waitForURL("**/address", { timeout: 10000 })
    .catch(() => failures.push(`signing in with the passkey ended at ${page.url()}, not the first question`));
  await page.waitForLoadState("load");
  check(page.url().endsWith("/address"), `the first question is not the address (${page.url()})`);
  await seen(page, "postcode");
  await page.getByLabel("Postcode").fill(postcode);
  await clickAndWait(page, page.getByRole("button", { name: "Find address" }));
  await seen(page, "choose address");
  await page.locator(`input[type=radio][value="${uprn}"]`).check();
  await clickAndWait(page, page.getByRole("button", { name: "Continue" }));

  check(page.url().endsWith("/registration"), `after the address, at ${page.url()}`);
  await seen(page, "registration");
  await page.locator("#registration").fill(registration);
  await clickAndWait(page, page.getByRole("button", { name: "Continue" }));

  check(page.url().endsWith("/check-answers"), `after the registration, at ${page.url()}`);
  check((await page.content()).includes(registration), "check your answers lacks the registration number");
  await seen(page, "check answers");
  await clickAndWait(page, page.locator("form button.govuk-button"));

  check(page.url().includes("/exampleshire/consent/"), `not asked for consent (${page.url()})`);
  check(/vehicle/i.test(await page.content()) && /keeper/i.test(await page.content()),
    "the consent page does not name both registers");
  await seen(page, "consent");
  await page.getByLabel("Yes, I agree").check();
  await clickAndWait(page, page.getByRole("button", { name: "Continue" }));

  // Having agreed, straight on to the fee: the answers are not shown a second time.
  check(page.url().includes("/exampleshire/pay/card/"), `not at the card page (${page.url()})`);
  check((await page.content()).includes("50.00"), "the card page does not show the £50.00 fee");
  await seen(page, "card details");
  await page.getByLabel("Card number", { exact: true }).fill("4444333322221111");
  await page.getByLabel("Month", { exact: true }).fill("12");
  await page.getByLabel("Year", { exact: true }).fill("2035");
  await page.getByLabel("Name on card", { exact: true }).fill("Ada Resident");
  await page.getByLabel("Card security code").fill("123");
  await page.getByLabel("Address line 1", { exact: true }).fill("1 High Street");
  await page.getByLabel("Town or city", { exact: true }).fill("Exampleton");
  await page.getByLabel("Postcode", { exact: true }).fill(postcode);
  await clickAndWait(page, page.getByRole("button", { name: "Continue", exact: true }));
  await seen(page, "confirm payment");
  await clickAndWait(page, page.getByRole("button", { name: "Confirm payment", exact: true }));

  check(page.url().includes("/confirmation"), `not at the confirmation (${page.url()})`);
  const panel = (await page.locator(".govuk-panel__title").textContent().catch(() => "")) || "";
  check(panel.includes("Permit issued"), `the confirmation says ${JSON.stringify(panel.trim())}, not "Permit issued"`);
  const reference = ((await page.locator("#reference").textContent().catch(() => "")) || "").trim();
  check(/^PP-/.test(reference), `no case reference (${reference})`);
  const entry = ((await page.locator("#receipts a").first().textContent().catch(() => "")) || "").trim();
  check(/^\d+$/.test(entry), `no permit entry number on the confirmation (${JSON.stringify(entry)})`);
  await seen(page, "permit issued");
  const seconds = (Date.now() - started - auditMillis) / 1000;
  console.log(`reference=${reference} entry=${entry}`);
  console.log(`pages=${pages} seconds=${seconds.toFixed(2)} audit_seconds=${(auditMillis / 1000).toFixed(2)} pace_ms=${paceMillis}`);
  await context.close();
}

async function main() {
  if (!base || !postcode || !uprn) throw new Error("set E2E_BASE_URL, E2E_POSTCODE and E2E_UPRN");
  mkdirSync(artifacts, { recursive: true });
  await runJourneys([["journey", journey]], failures);
  finish(failures, `\nthe permit journey passes, every page passes axe; screenshots in ${artifacts}`);
}

runMain(main);
