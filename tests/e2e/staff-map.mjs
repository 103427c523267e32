// The report-a-problem map with JavaScript ON, in Debian's chromium against a live demo
// (E2E_BASE_URL, with the development pages for the sandbox mailbox): the vendored Leaflet draws
// the council's areas from the instance's own GeoJSON (no tile server, nothing fetched from
// elsewhere); on the citizen's "where is it" step a click on the map fills latitude and longitude
// and Continue routes that point; on the staff list each listed report is a marker linking to it.
// axe-core on each page with its map drawn. Driven by crates/guildhall/tests/map_browser.rs.

import { mkdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { audit as sharedAudit } from "./audit.mjs";
import { codeFor, finish, runJourneys, runMain } from "./journeys.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const artifacts = join(resolve(here, "../.."), "target", "e2e-artifacts", "staff-map");
const base = process.env.E2E_BASE_URL;
const failures = [];
const check = (ok, message) => { if (!ok) failures.push(message); };
const audit = (page, label) => sharedAudit(page, label, failures, artifacts);

// Every request the pages make must stay on the instance: the map works offline.
function watchOrigins(page) {
  page.on("request", (request) => {
    const url = request.url();
    if (!url.startsWith(base) && !url.startsWith("data:")) failures.push(`a request left the instance: ${url}`);
  });
}

async function citizenClicksTheMap(browser) {
  const context = await browser.newContext({ javaScriptEnabled: true });
  const page = await context.newPage();
  watchOrigins(page);
  const response = await page.goto(`${base}/exampleshire/report`);
  check(response.status() === 200, `citizen: start page answered ${response.status()}`);
  await page.waitForSelector("#report-map[data-ready=true]", { timeout: 15000 });
  const drawn = await page.locator("#report-map path.leaflet-interactive").count();
  check(drawn >= 3, `citizen: only ${drawn} areas drawn`);
  await audit(page, "citizen where with the map");
  const box = await page.locator("#report-map").boundingBox();
  await page.locator("#report-map").click({ position: { x: box.width * 0.6, y: box.height * 0.5 } });
  const lat = parseFloat(await page.locator("#lat").inputValue());
  const lon = parseFloat(await page.locator("#lon").inputValue());
  check(Number.isFinite(lat) && Number.isFinite(lon) && lat > 49 && lat < 61 && lon > -8 && lon < 2,
    `citizen: the click filled ${lat}, ${lon}`);
  check((await page.locator("#report-map-hint").textContent()).includes("Location chosen"), "citizen: no confirmation of the spot");
  await page.getByRole("button", { name: "Continue" }).click();
  await page.waitForLoadState();
  const text = await page.locator("main").textContent();
  check(page.url().includes("/report/") && /Pothole|Fly-tipping|Street light/.test(text),
    `citizen: the clicked point was not routed to categories (${page.url()})`);
  await audit(page, "citizen what after the map");
  await context.close();
}

async function staffSeesMarkers(browser) {
  const context = await browser.newContext({ javaScriptEnabled: true });
  const page = await context.newPage();
  watchOrigins(page);
  await page.goto(`${base}/exampleshire/staff/sign-in`);
  await page.getByLabel("Email address").fill("admin@exampleshire.example");
  await page.getByRole("button", { name: "Continue" }).click();
  await page.waitForLoadState();
  await page.getByLabel("Enter the 6-digit code").fill(await codeFor(browser, base, "admin@exampleshire.example"));
  await page.getByRole("button", { name: "Continue" }).click();
  await page.waitForLoadState();
  const response = await page.goto(`${base}/exampleshire/staff/reports`);
  check(response.status() === 200, `staff: list answered ${response.status()}`);
  await page.waitForSelector("#staff-report-map[data-ready=true]", { timeout: 15000 });
  const markers = Number(await page.locator("#staff-report-map").getAttribute("data-markers-drawn"));
  const rows = await page.locator("#reports tbody a.govuk-link").count();
  check(markers >= 1 && markers === rows, `staff: ${markers} markers for ${rows} listed reports`);
  await audit(page, "staff list with the map");
  // No force: Playwright checks the marker itself receives the click (nothing drawn over it).
  await page.locator("#staff-report-map .leaflet-reports-pane path.leaflet-interactive").first().click();
  const link = page.locator("#staff-report-map .leaflet-popup a.govuk-link");
  await link.waitFor({ timeout: 5000 });
  await link.click();
  await page.waitForLoadState();
  check(/\/exampleshire\/staff\/reports\/\d+$/.test(page.url()), `staff: the marker's link went to ${page.url()}`);
  await context.close();
}

async function main() {
  if (!base) throw new Error("set E2E_BASE_URL");
  mkdirSync(artifacts, { recursive: true });
  const journeys = [citizenClicksTheMap, staffSeesMarkers];
  await runJourneys(journeys.map((journey) => [journey.name, journey]), failures);
  finish(failures, `the map journeys pass with axe; screenshots in ${artifacts}`);
}

runMain(main);
