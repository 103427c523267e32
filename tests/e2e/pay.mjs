// Payment journeys on the hosted pages of a running Guildhall, as a service and a citizen would
// take them: the service creates a payment over Pay's API with a test key, the citizen opens
// next_url in Debian's chromium with JavaScript OFF and pays; the browser must land back on the
// service's return_url (a small HTTP server this script runs on 127.0.0.1). axe-core (WCAG
// 2.0/2.1/2.2 A and AA) runs on every hosted page; screenshots go to target/e2e-artifacts/pay/.
//
//   E2E_BASE_URL=http://localhost:PORT E2E_PAY_KEY=api_test_… E2E_COUNCIL=exampleshire node tests/e2e/pay.mjs
//
// Journeys: a declined card (4000000000000002) shows the error and the citizen tries again with a
// good card, confirms and returns; the 3-D Secure challenge card passes its challenge, and in a
// second payment fails it (the payment is failed, P0010); a Welsh payment (language cy) is in
// Welsh from the card page to the confirm page, errors included; a citizen who opens the card page
// and comes back 91 minutes later (E2E_CLOCK_URL: the harness's simulated clock, which moves that
// payment's creation back) sees "Your payment session has expired", is not charged, and the
// payment reads failed with P0020.
// Exits non-zero on any accessibility violation or failed check.

import { mkdirSync } from "node:fs";
import { createServer } from "node:http";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { audit as sharedAudit, auditThrough } from "./audit.mjs";
import { finish, runJourneys, runMain } from "./journeys.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, "../..");
const artifacts = join(root, "target", "e2e-artifacts", "pay");
const base = process.env.E2E_BASE_URL;
const key = process.env.E2E_PAY_KEY;
const council = process.env.E2E_COUNCIL || "exampleshire";
const clock = process.env.E2E_CLOCK_URL;
const GOOD_CARD = "4444333322221111";
const DECLINED_CARD = "4000000000000002";
const THREE_DS_CARD = "4000002760003184";

const failures = [];
function check(condition, message) {
  if (!condition) failures.push(message);
}

async function audit(page, label) {
  await sharedAudit(page, label, failures, artifacts);
}

// The "service": answers every request with a small page, so the return to return_url is seen.
async function startService() {
  const server = createServer((req, res) => {
    res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
    res.end(`<!doctype html><html lang="en"><title>Service</title><h1>Back at the service</h1><p>${req.url}</p></html>`);
  });
  await new Promise((ok) => server.listen(0, "127.0.0.1", ok));
  return { server, origin: `http://127.0.0.1:${server.address().port}` };
}

async function api(method, path, body) {
  const response = await fetch(base + path, {
    method,
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await response.text();
  return { status: response.status, json: text ? JSON.parse(text) : null };
}

async function createPayment(service, reference, extra = {}) {
  const returnUrl = `${service.origin}/done/${reference}`;
  const created = await api("POST", "/v1/payments", {
    amount: 2350, reference, description: "Resident parking permit", return_url: returnUrl, ...extra,
  });
  if (created.status !== 201) throw new Error(`creating ${reference}: ${created.status} ${JSON.stringify(created.json)}`);
  return { id: created.json.payment_id, nextUrl: created.json._links.next_url.href, returnUrl };
}

async function noJavaScriptPage(browser) {
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  const auditorContext = await browser.newContext({ javaScriptEnabled: true });
  auditThrough(page, await auditorContext.newPage());
  return { page, close: async () => { await context.close(); await auditorContext.close(); } };
}

async function fillCard(page, number, labels) {
  await page.getByLabel(labels.number, { exact: true }).fill(number);
  await page.getByLabel(labels.month, { exact: true }).fill("12");
  await page.getByLabel(labels.year, { exact: true }).fill("2035");
  await page.getByLabel(labels.name, { exact: true }).fill("Ada Lovelace");
  await page.getByLabel(labels.cvc).fill("123");
  await page.getByLabel(labels.line1, { exact: true }).fill("1 High Street");
  await page.getByLabel(labels.city, { exact: true }).fill("Exampleton");
  await page.getByLabel(labels.postcode, { exact: true }).fill("ZX1 1AA");
}

const ENGLISH = { number: "Card number", month: "Month", year: "Year", name: "Name on card", cvc: "Card security code",
  line1: "Address line 1", city: "Town or city", postcode: "Postcode", next: "Continue", confirm: "Confirm payment" };
const WELSH = { number: "Rhif y cerdyn", month: "Mis", year: "Blwyddyn", name: "Enw ar y cerdyn",
  cvc: "Cod diogelwch y cerdyn", line1: "Llinell 1 y cyfeiriad", city: "Tref neu ddinas", postcode: "Cod post",
  next: "Parhau", confirm: "Cadarnhau’r taliad" };

// Submits a form with its button (JavaScript off: a real navigation) and waits for the next page.
async function click(page, name) {
  await Promise.all([
    page.waitForEvent("framenavigated", { predicate: (frame) => frame === page.mainFrame() }),
    page.getByRole("button", { name, exact: true }).click(),
  ]);
  await page.waitForLoadState("load");
}

async function expectState(label, id, status, code) {
  const read = await api("GET", `/v1/payments/${id}`);
  check(read.json?.state?.status === status, `${label}: state ${JSON.stringify(read.json?.state)}, wanted ${status}`);
  if (code) check(read.json?.state?.code === code, `${label}: code ${read.json?.state?.code}, wanted ${code}`);
  return read.json;
}

async function declinedThenPaid(browser, service) {
  const payment = await createPayment(service, "E2E-DECLINE");
  const { page, close } = await noJavaScriptPage(browser);
  await page.goto(payment.nextUrl);
  check(page.url().includes(`/${council}/pay/card/`), `declined: next_url led to ${page.url()}`);
  check((await page.locator("h1").textContent()).includes("Enter card details"), "declined: no card page heading");
  await audit(page, "card details");
  await fillCard(page, DECLINED_CARD, ENGLISH);
  await click(page, ENGLISH.next);
  const declined = await page.content();
  check(declined.includes("Your payment has been declined"), "declined: the decline message is not shown");
  check(!declined.includes(DECLINED_CARD), "declined: the card number was echoed back");
  check((await page.getByLabel("Card number", { exact: true }).inputValue()) === "", "declined: card number kept");
  check((await page.getByLabel("Name on card", { exact: true }).inputValue()) === "Ada Lovelace",
    "declined: the citizen has to type their name again");
  await audit(page, "card declined");
  await fillCard(page, GOOD_CARD, ENGLISH);
  await click(page, ENGLISH.next);
  check(page.url().endsWith("/confirm"), `declined: after a good card, at ${page.url()}`);
  check((await page.content()).includes("•••• •••• •••• 1111"), "declined: confirm page lacks the last four digits");
  await audit(page, "confirm payment");
  await click(page, ENGLISH.confirm);
  check(page.url() === payment.returnUrl, `declined: returned to ${page.url()}, not ${payment.returnUrl}`);
  check((await page.content()).includes("Back at the service"), "declined: the service's page is not shown");
  const read = await expectState("declined then paid", payment.id, "success");
  check(read?.card_details?.last_digits_card_number === "1111", "declined then paid: last four digits not 1111");
  await page.goto(payment.nextUrl);
  check((await page.content()).includes("already been used"), "next_url can be used twice");
  await audit(page, "next_url used twice");
  await close();
}

async function threeDSecure(browser, service) {
  const passed = await createPayment(service, "E2E-3DS-PASS");
  const { page, close } = await noJavaScriptPage(browser);
  await page.goto(passed.nextUrl);
  await fillCard(page, THREE_DS_CARD, ENGLISH);
  await click(page, ENGLISH.next);
  check(page.url().endsWith("/3ds"), `3-D Secure: the challenge card led to ${page.url()}`);
  await audit(page, "3-D Secure challenge");
  await expectState("3-D Secure pending", passed.id, "started");
  await click(page, "Complete authentication");
  check(page.url().endsWith("/confirm"), `3-D Secure: after passing, at ${page.url()}`);
  await click(page, ENGLISH.confirm);
  check(page.url() === passed.returnUrl, `3-D Secure: returned to ${page.url()}`);
  await expectState("3-D Secure passed", passed.id, "success");

  const failed = await createPayment(service, "E2E-3DS-FAIL");
  await page.goto(failed.nextUrl);
  await fillCard(page, THREE_DS_CARD, ENGLISH);
  await click(page, ENGLISH.next);
  await click(page, "Fail authentication");
  check((await page.content()).includes("Your payment has been declined"), "3-D Secure: failure not shown");
  await audit(page, "3-D Secure failed");
  await expectState("3-D Secure failed", failed.id, "failed", "P0010");
  await close();
}

async function welsh(browser, service) {
  const payment = await createPayment(service, "E2E-CYMRAEG", { language: "cy" });
  const { page, close } = await noJavaScriptPage(browser);
  await page.goto(payment.nextUrl);
  check((await page.locator("h1").textContent()).includes("Rhowch fanylion y cerdyn"), "Welsh: card page heading");
  check((await page.locator('[lang="cy"]').count()) > 0, "Welsh: content not marked lang=cy");
  await audit(page, "Welsh card details");
  await click(page, WELSH.next);
  const errors = await page.content();
  check(errors.includes("Mae problem wedi codi") && errors.includes("Rhowch rif cerdyn dilys"),
    "Welsh: the error summary is not in Welsh");
  check((await page.title()).startsWith("Gwall: "), `Welsh: error title ${await page.title()}`);
  await audit(page, "Welsh card errors");
  await fillCard(page, GOOD_CARD, WELSH);
  await click(page, WELSH.next);
  check((await page.locator("h1").textContent()).includes("Cadarnhewch eich taliad"), "Welsh: confirm heading");
  await audit(page, "Welsh confirm");
  await click(page, WELSH.confirm);
  check(page.url() === payment.returnUrl, `Welsh: returned to ${page.url()}`);
  await expectState("Welsh", payment.id, "success");
  await close();
}

// The citizen leaves the card page open past Pay's 90 minutes, then enters a good card.
async function expired(browser, service) {
  if (!clock) throw new Error("set E2E_CLOCK_URL (the harness's clock) to run the expired journey");
  const payment = await createPayment(service, "E2E-EXPIRED");
  const { page, close } = await noJavaScriptPage(browser);
  await page.goto(payment.nextUrl);
  check((await page.locator("h1").textContent()).includes("Enter card details"), "expired: no card page at first");
  await expectState("expired, before 90 minutes", payment.id, "started");
  const moved = await fetch(`${clock}/payments/${payment.id}/age?minutes=91`, { method: "POST" });
  check(moved.status === 204, `expired: the harness clock answered ${moved.status}`);
  await fillCard(page, GOOD_CARD, ENGLISH);
  await click(page, ENGLISH.next);
  const html = await page.content();
  check((await page.locator("h1").textContent()).includes("Your payment session has expired"),
    `expired: after 91 minutes the card page led to ${page.url()}`);
  check(html.includes("No money has been taken from your account"), "expired: the page does not say no money was taken");
  check(!html.includes(GOOD_CARD) && !page.url().endsWith("/confirm"), "expired: the card was taken after expiry");
  check((await page.locator(`a[href="${payment.returnUrl}"]`).count()) === 1, "expired: no link back to the service");
  await audit(page, "payment expired");
  await expectState("expired", payment.id, "failed", "P0020");
  await close();
}

async function main() {
  if (!base || !key) throw new Error("set E2E_BASE_URL (http://localhost:PORT) and E2E_PAY_KEY (a test key)");
  mkdirSync(artifacts, { recursive: true });
  const service = await startService();
  const journeys = { declinedThenPaid, threeDSecure, welsh, expired };
  const only = (process.env.E2E_JOURNEYS || Object.keys(journeys).join(",")).split(",");
  try {
    await runJourneys(only.map((name) => [name, (browser) => journeys[name](browser, service)]), failures);
  } finally {
    service.server.close();
  }
  finish(failures, `\nall payment journeys pass, every page passes axe; screenshots in ${artifacts}`);
}

runMain(main);
