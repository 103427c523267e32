// Account journeys against a running Guildhall (the demo's data: Exampleshire and Northtown, their
// staff, the synthetic vehicle register, the sandbox mailbox at /dev/emails). Debian's chromium
// driven by playwright-core; axe-core (WCAG 2.0/2.1/2.2 A and AA) on every page visited, and a
// screenshot of each under target/e2e-artifacts/accounts/.
//
//   E2E_BASE_URL=http://localhost:PORT node tests/e2e/accounts.mjs
//
// Journeys: a citizen signs in with an emailed code with JavaScript OFF, gives consent to a
// register read, sees it on "Your data", revokes it and sees the next read refused; a staff member
// of Exampleshire is refused Northtown's staff page; with JavaScript on, a citizen adds a passkey
// (a Chrome DevTools Protocol virtual authenticator), signs out and signs in with it.
// Exits non-zero on any accessibility violation or failed check.

import { mkdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { audit as sharedAudit, auditThrough } from "./audit.mjs";
import { codeFor, finish, runJourneys, runMain } from "./journeys.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, "../..");
const artifacts = join(root, "target", "e2e-artifacts", "accounts");
const base = process.env.E2E_BASE_URL;
const runId = Date.now().toString(36);

const failures = [];
function check(condition, message) {
  if (!condition) failures.push(message);
}

async function audit(page, label) {
  await sharedAudit(page, label, failures, artifacts);
}

async function newContext(browser, javaScript) {
  const context = await browser.newContext({ javaScriptEnabled: javaScript });
  const page = await context.newPage();
  let auditorContext = null;
  if (!javaScript) {
    auditorContext = await browser.newContext({ javaScriptEnabled: true });
    auditThrough(page, await auditorContext.newPage());
  }
  return { context, page, close: async () => { await context.close(); if (auditorContext) await auditorContext.close(); } };
}

// Signs in on `signInPath` with an emailed code, auditing each page; names a new account.
async function signInWithCode(browser, page, signInPath, email, label, name) {
  const response = await page.goto(base + signInPath);
  check(response.status() === 200, `${label}: sign-in page status ${response.status()}`);
  await audit(page, `${label} sign in`);
  await page.getByLabel("Email address").fill(email);
  await page.getByRole("button", { name: "Continue" }).click();
  await page.waitForLoadState();
  check(page.url().includes("/sign-in/code"), `${label}: after the email, at ${page.url()}`);
  await audit(page, `${label} enter code`);
  const code = await codeFor(browser, base, email);
  await page.getByLabel("Enter the 6-digit code").fill(code);
  await page.getByRole("button", { name: "Continue" }).click();
  await page.waitForLoadState();
  if (name && (await page.getByLabel("What is your name?").count()) > 0) {
    await audit(page, `${label} your name`);
    await page.getByLabel("What is your name?").fill(name);
    await page.getByRole("button", { name: "Save and continue" }).click();
    await page.waitForLoadState();
  }
}

async function citizenJourneyWithoutJavaScript(browser) {
  const { context, page, close } = await newContext(browser, false);
  const email = `ada.${runId}@example.com`;
  // A protected page sends the visitor to sign in and back.
  await page.goto(`${base}/exampleshire/check-vehicle-tax`);
  check(page.url().includes("/exampleshire/sign-in"), `nojs: the vehicle check did not ask to sign in (${page.url()})`);
  await signInWithCode(browser, page, "/exampleshire/sign-in", email, "nojs citizen", "Ada Lovelace");

  const cookies = await context.cookies();
  const session = cookies.find((c) => c.httpOnly && c.name.toLowerCase().includes("session"));
  check(session, `nojs: no HttpOnly session cookie (${cookies.map((c) => c.name).join(", ")})`);
  check(session && session.sameSite === "Lax", `nojs: session cookie SameSite is ${session && session.sameSite}`);

  await page.goto(`${base}/exampleshire/account`);
  check((await page.locator("h1").textContent()).includes("Your account"), "nojs: no account page after sign-in");
  check((await page.content()).includes(email), "nojs: account page lacks the email address");
  await audit(page, "nojs account");

  // Consent: the service asks, the citizen agrees, the read is served and logged.
  await page.goto(`${base}/exampleshire/check-vehicle-tax`);
  await audit(page, "nojs vehicle check");
  await page.getByRole("button", { name: "Continue" }).click();
  await page.waitForLoadState();
  check((await page.title()).startsWith("Error: "), "nojs: an empty registration number gave no error");
  await audit(page, "nojs vehicle check with errors");
  await page.getByLabel("Vehicle registration number").fill("ex21 abc");
  await page.getByRole("button", { name: "Continue" }).click();
  await page.waitForLoadState();
  check(page.url().includes("/exampleshire/consent/"), `nojs: not sent to the consent page (${page.url()})`);
  await audit(page, "nojs consent request");
  await page.getByLabel("Yes, I agree").check();
  await page.getByRole("button", { name: "Continue" }).click();
  await page.waitForLoadState();
  check((await page.content()).includes("VOLKSWAGEN"), `nojs: the granted read did not show the vehicle (${page.url()})`);
  await audit(page, "nojs vehicle result");

  await page.goto(`${base}/exampleshire/your-data`);
  const allowed = await page.locator("td .govuk-tag", { hasText: "Allowed" }).count();
  check(allowed >= 1, `nojs: Your data lists ${allowed} allowed reads`);
  await audit(page, "nojs your data");

  // Revoke: the next read is refused at once and logged as refused.
  await page.getByRole("button", { name: /Revoke/ }).first().click();
  await page.waitForLoadState();
  await audit(page, "nojs your data after revoking");
  const refusedPage = await page.goto(`${base}/exampleshire/check-vehicle-tax/result?registration=EX21ABC`);
  check(refusedPage.status() === 403, `nojs: a read after revoking answered ${refusedPage.status()}`);
  check(!(await page.content()).includes("VOLKSWAGEN"), "nojs: a read after revoking showed the vehicle");
  await audit(page, "nojs vehicle check refused");
  await page.goto(`${base}/exampleshire/your-data`);
  const refused = await page.locator("td .govuk-tag", { hasText: "Refused" }).count();
  check(refused >= 1, `nojs: Your data lists ${refused} refused reads`);

  // Sign out.
  await page.goto(`${base}/exampleshire/sign-out`);
  await audit(page, "nojs sign out");
  await page.getByRole("button", { name: "Sign out" }).click();
  await page.waitForLoadState();
  const after = await page.goto(`${base}/exampleshire/account`);
  check(page.url().includes("/sign-in"), `nojs: the account page after signing out is at ${page.url()} (${after.status()})`);
  await close();
}

async function staffJourney(browser) {
  const { page, close } = await newContext(browser, true);
  await signInWithCode(browser, page, "/exampleshire/staff/sign-in", "admin@exampleshire.example", "staff");
  const home = await page.goto(`${base}/exampleshire/staff`);
  check(home.status() === 200, `staff: own council's staff home answered ${home.status()}`);
  check((await page.content()).includes("Alex Admin"), "staff: the staff home lacks the staff member's name");
  await audit(page, "staff home");
  const other = await page.goto(`${base}/northtown/staff`);
  check([403, 404].includes(other.status()), `staff: Northtown's staff page answered ${other.status()} to Exampleshire staff`);
  check(!(await page.content()).includes("Nia Northtown"), "staff: Northtown's staff page showed Northtown's data");
  await audit(page, "staff other council refused");
  await close();
}

async function passkeyJourney(browser) {
  const { context, page, close } = await newContext(browser, true);
  const cdp = await context.newCDPSession(page);
  await cdp.send("WebAuthn.enable");
  await cdp.send("WebAuthn.addVirtualAuthenticator", {
    options: { protocol: "ctap2", transport: "internal", hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true },
  });
  const email = `grace.${runId}@example.com`;
  await signInWithCode(browser, page, "/exampleshire/sign-in", email, "js citizen", "Grace Hopper");
  await page.goto(`${base}/exampleshire/account`);
  await page.getByRole("button", { name: /Add a passkey/ }).click();
  await page.waitForFunction(() => document.querySelectorAll("#passkey-list li").length > 0, null, { timeout: 10000 })
    .catch(() => failures.push("passkey: no passkey listed after adding one"));
  await audit(page, "js account with passkey");
  await page.goto(`${base}/exampleshire/sign-out`);
  await page.getByRole("button", { name: "Sign out" }).click();
  await page.waitForLoadState();
  await page.goto(`${base}/exampleshire/sign-in`);
  await page.getByRole("button", { name: /passkey/i }).click();
  await page.waitForURL("**/exampleshire/account**", { timeout: 10000 })
    .catch(() => failures.push(`passkey: signing in with the passkey ended at ${page.url()}`));
  check((await page.content()).includes(email), "passkey: not signed in as the passkey's owner");
  await audit(page, "js signed in with passkey");
  await close();
}

async function main() {
  if (!base) throw new Error("set E2E_BASE_URL to a running Guildhall demo (http://localhost:PORT)");
  mkdirSync(artifacts, { recursive: true });
  const journeys = { citizenJourneyWithoutJavaScript, staffJourney, passkeyJourney };
  const only = (process.env.E2E_JOURNEYS || Object.keys(journeys).join(",")).split(",");
  await runJourneys(only.map((name) => [name, journeys[name]]), failures);
  finish(failures, `\nall account journeys pass, every page passes axe; screenshots in ${artifacts}`);
}

runMain(main);
