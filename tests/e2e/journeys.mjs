// What the journey scripts share beyond the audit: the sign-in code read from the sandbox
// mailbox, and running journeys in Debian's chromium where one journey's error is a named failure
// and the others still run, ending with every failure listed and a non-zero exit.

import { chromium } from "playwright-core";
import { CHROMIUM_ARGS } from "./audit.mjs";

/** The chromium the journeys drive: Debian's, or `CHROMIUM_PATH`. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH || "/usr/bin/chromium";

/**
 * The newest 6-digit code the sandbox mailbox of the Guildhall at `base` holds for `email`, read
 * from the development page `/dev/emails` (so the server needs its dev pages) in a context of its
 * own, waiting up to about five seconds for the email to arrive.
 */
export async function codeFor(browser, base, email) {
  const context = await browser.newContext();
  const page = await context.newPage();
  try {
    for (let attempt = 0; attempt < 50; attempt++) {
      await page.goto(`${base}/dev/emails`);
      const cards = page.locator(".govuk-summary-card");
      const count = await cards.count();
      for (let i = 0; i < count; i++) {
        const to = (await cards.nth(i).locator(".guildhall-email-to").textContent())?.trim();
        if (to === email) {
          const body = await cards.nth(i).locator(".guildhall-email-body").textContent();
          const match = body.match(/\b(\d{6})\b/);
          if (match) return match[1];
        }
      }
      await page.waitForTimeout(100);
    }
  } finally {
    await context.close();
  }
  throw new Error(`no sign-in code reached the sandbox mailbox for ${email}`);
}

/**
 * Runs `journeys` (`[name, journey(browser)]` pairs) one after another in one chromium; a journey
 * that throws adds a failure named after it to `failures`, and the rest still run.
 */
export async function runJourneys(journeys, failures) {
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
  try {
    for (const [name, journey] of journeys) {
      try {
        await journey(browser);
      } catch (error) {
        failures.push(`${name}: ${error.stack || error}`);
      }
    }
  } finally {
    await browser.close();
  }
}

/** Lists every failure and exits 1, or prints `passed`: how each script ends. */
export function finish(failures, passed) {
  if (failures.length > 0) {
    console.error(`\n${failures.length} failure(s):\n${failures.join("\n")}`);
    process.exit(1);
  }
  console.log(passed);
}

/** Runs a script's `main`, exiting 1 with its error when it throws outside any journey. */
export function runMain(main) {
  main().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
