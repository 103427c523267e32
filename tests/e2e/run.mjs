// Browser tests: Debian's chromium driven by playwright-core visits every page of the web brick
// with JavaScript on and off, runs axe-core (WCAG 2.0/2.1/2.2 A and AA rules) on each, checks
// the form journey, and saves a full-page screenshot of each under target/e2e-artifacts/.
//
//   node tests/e2e/run.mjs              starts `cargo run -p web --example serve`
//   E2E_BASE_URL=http://… node …        tests a server that is already running
//
// Exits non-zero on any accessibility violation or failed check.

import { spawn } from "node:child_process";
import { mkdirSync, existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { AXE_TAGS, CHROMIUM_ARGS, audit as sharedAudit, auditThrough } from "./audit.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, "../..");
const artifacts = join(root, "target", "e2e-artifacts");
const chromiumPath = process.env.CHROMIUM_PATH || "/usr/bin/chromium";

const failures = [];
function check(condition, message) {
  if (!condition) failures.push(message);
}

// Starts the example server and resolves with its URL (the first line it prints).
function startServer() {
  return new Promise((resolveUrl, reject) => {
    const child = spawn("cargo", ["run", "-p", "web", "--example", "serve"], {
      cwd: root,
      stdio: ["ignore", "pipe", "inherit"],
    });
    let buffered = "";
    child.stdout.on("data", (chunk) => {
      buffered += chunk;
      const match = buffered.match(/listening on (http:\/\/\S+)/);
      if (match) resolveUrl({ url: match[1], child });
    });
    child.on("exit", (code) => reject(new Error(`the example server exited with ${code}`)));
  });
}

async function audit(page, label) {
  await sharedAudit(page, label, failures, artifacts);
}

async function visit(page, base, path, label, expectedStatus = 200) {
  const response = await page.goto(base + path);
  check(response.status() === expectedStatus, `${label}: status ${response.status()}, expected ${expectedStatus}`);
  await audit(page, label);
}

async function journey(browser, base, javaScript) {
  const mode = javaScript ? "js" : "nojs";
  const context = await browser.newContext({ javaScriptEnabled: javaScript });
  const page = await context.newPage();
  let auditorContext = null;
  if (!javaScript) {
    auditorContext = await browser.newContext({ javaScriptEnabled: true });
    auditThrough(page, await auditorContext.newPage());
  }

  await visit(page, base, "/", `${mode} site index`);
  await visit(page, base, "/exampleshire/", `${mode} start page`);
  const supported = await page.evaluate(() => document.body.classList.contains("govuk-frontend-supported"));
  check(supported === javaScript, `${mode}: govuk-frontend-supported class is ${supported}`);
  await visit(page, base, "/exampleshire/accessibility", `${mode} accessibility statement`);
  await visit(page, base, "/exampleshire/cookies", `${mode} cookies`);
  await visit(page, base, "/exampleshire/privacy", `${mode} privacy`);
  await visit(page, base, "/northtown/", `${mode} northtown start page`);
  await visit(page, base, "/exampleshire/no-such-page", `${mode} page not found`, 404);
  await visit(page, base, "/exampleshire/preview-500", `${mode} server error`, 500);

  // The form journey: start, send nothing, see the errors, correct them, see the confirmation.
  await page.goto(base + "/exampleshire/");
  await page.getByRole("button", { name: "Start now" }).click();
  await page.waitForURL("**/exampleshire/example-form");
  await audit(page, `${mode} example form`);
  await page.getByRole("button", { name: "Send message" }).click();
  await page.waitForLoadState();
  check((await page.title()).startsWith("Error: "), `${mode}: page title lacks "Error: " after an empty submission`);
  const summaryLinks = await page.locator(".govuk-error-summary__list a").count();
  check(summaryLinks === 5, `${mode}: error summary has ${summaryLinks} links, expected 5`);
  await audit(page, `${mode} example form with errors`);
  // The summary's link moves focus to the field.
  await page.locator('.govuk-error-summary__list a[href="#email"]').click();
  if (javaScript) {
    const focused = await page.evaluate(() => document.activeElement && document.activeElement.id);
    check(focused === "email", `${mode}: error summary link focused ${focused}, expected email`);
  }
  await page.getByLabel("Full name").fill("Ada Lovelace");
  await page.getByLabel("Email address").fill("ada@example.com");
  await page.getByLabel("Day").fill("10");
  await page.getByLabel("Month").fill("12");
  await page.getByLabel("Year").fill("1985");
  await page.getByLabel("Bins and recycling").check();
  await page.getByLabel("Your message").fill("My bin was not collected on Tuesday.");
  await page.getByRole("button", { name: "Send message" }).click();
  await page.waitForLoadState();
  check((await page.locator(".govuk-panel__title").textContent())?.includes("Message sent"), `${mode}: no confirmation panel`);
  await audit(page, `${mode} example form sent`);

  await context.close();
  if (auditorContext) await auditorContext.close();
}

async function main() {
  if (!existsSync(chromiumPath)) {
    throw new Error(`no browser at ${chromiumPath}: apt-get install -y chromium (or set CHROMIUM_PATH)`);
  }
  mkdirSync(artifacts, { recursive: true });
  let server = null;
  let base = process.env.E2E_BASE_URL;
  if (!base) {
    server = await startServer();
    base = server.url;
  }
  console.log(`testing ${base} with ${chromiumPath}`);
  const browser = await chromium.launch({
    executablePath: chromiumPath,
    args: CHROMIUM_ARGS,
  });
  try {
    await journey(browser, base, true);
    await journey(browser, base, false);
  } finally {
    await browser.close();
    if (server) server.child.kill();
  }
  if (failures.length > 0) {
    console.error(`\n${failures.length} failure(s):\n${failures.join("\n")}`);
    process.exit(1);
  }
  console.log(`\nall pages pass axe (${AXE_TAGS.join(", ")}) with JavaScript on and off; screenshots in ${artifacts}`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
