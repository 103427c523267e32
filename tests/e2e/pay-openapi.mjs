// A GOV.UK Pay client written to Pay's own published OpenAPI file
// (crates/payments/openapi/publicapi_spec.json, copied from alphagov/pay-publicapi), not to
// Guildhall's code: every request is built from the spec's operation (method, path template,
// declared parameters, request body schema, Bearer security) and every response body is
// validated with ajv against the spec's schema for the status that came back. A status the spec
// does not list for that operation, or a body that does not match, is a mismatch; all of them are
// listed and the script exits non-zero.
//
//   E2E_BASE_URL=http://localhost:PORT E2E_PAY_KEY=api_test_… node tests/e2e/pay-openapi.mjs
//
// The journey: create a payment, pay it on the hosted page in Debian's chromium (JavaScript off)
// with the sandbox card 4444333322221111 and land back on return_url, read it (success), read its
// events, refund part of it, list its refunds and read the refund, search payments by reference
// and search refunds; cancel a second payment; pay a delayed-capture one and capture it (so all ten
// of the spec's payment and refund operations are called); and the errors: amount 0 (422), an
// unknown payment (404), a bad search parameter (422), a wrong key (401, no body, as the spec says).

import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import Ajv from "ajv";
import addFormats from "ajv-formats";
import { chromium } from "playwright-core";
import { CHROMIUM_ARGS } from "./audit.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, "../..");
const specPath = process.env.PAY_OPENAPI_SPEC || join(root, "crates/payments/openapi/publicapi_spec.json");
const chromiumPath = process.env.CHROMIUM_PATH || "/usr/bin/chromium";
const base = process.env.E2E_BASE_URL;
const key = process.env.E2E_PAY_KEY;
const SANDBOX_CARD = "4444333322221111";

const spec = JSON.parse(readFileSync(specPath, "utf8"));
const mismatches = [];
const failures = [];
const called = new Set();
let calls = 0;

function check(condition, message) {
  if (!condition) failures.push(message);
  else console.log(`ok   ${message}`);
}

// ---- The spec, as ajv sees it -------------------------------------------------------------

// OpenAPI 3.0 schemas are JSON Schema plus `nullable`, `example` and a few annotations. ajv knows
// `nullable` (it is an OpenAPI keyword ajv implements) and the annotations; `example` is declared
// here so strict mode accepts it. Every `#/components/...` reference is resolved inside one
// schema holding the spec's components, added under the id `pay`.
const ajv = new Ajv({ allErrors: true, strict: true, strictTypes: false, strictRequired: false });
addFormats(ajv);
ajv.addKeyword({ keyword: "example" });
ajv.addKeyword({ keyword: "components" }); // the holder of the spec's schemas, not a constraint

function withSpecRefs(value) {
  if (Array.isArray(value)) return value.map(withSpecRefs);
  if (value && typeof value === "object") {
    const out = {};
    for (const [k, v] of Object.entries(value)) {
      out[k] = k === "$ref" && typeof v === "string" && v.startsWith("#/") ? `pay${v}` : withSpecRefs(v);
    }
    return out;
  }
  return value;
}
ajv.addSchema({ $id: "pay", components: withSpecRefs(spec.components) });

const validators = new Map();
function validatorFor(schema) {
  const id = JSON.stringify(schema);
  if (!validators.has(id)) validators.set(id, ajv.compile(withSpecRefs(schema)));
  return validators.get(id);
}

function schemaName(schema) {
  return schema?.$ref ? schema.$ref.split("/").pop() : JSON.stringify(schema);
}

const operations = new Map();
for (const [template, item] of Object.entries(spec.paths)) {
  for (const [method, op] of Object.entries(item)) {
    operations.set(op.operationId, { template, method: method.toUpperCase(), op });
  }
}

function jsonSchemaOf(holder) {
  return holder?.content?.["application/json"]?.schema;
}

// ---- The client ---------------------------------------------------------------------------

/**
 * Calls the spec's operation `operationId`: fills its path template from `path`, sends only the
 * query parameters and headers it declares (each checked against its schema), checks `body`
 * against its request body schema, authenticates as its security says, and checks the response.
 * Returns { status, json, text }.
 */
async function call(operationId, { path = {}, query = {}, headers = {}, body, bearer = key } = {}) {
  const found = operations.get(operationId);
  if (!found) throw new Error(`the spec has no operation "${operationId}"`);
  const { template, method, op } = found;
  const params = op.parameters || [];
  const label = `${operationId} (${method} ${template})`;

  let url = template.replace(/\{([^}]+)\}/g, (_, name) => {
    const declared = params.find((p) => p.in === "path" && p.name === name);
    if (!declared) throw new Error(`${label}: path parameter ${name} is not declared`);
    if (path[name] === undefined) throw new Error(`${label}: no value for path parameter ${name}`);
    return encodeURIComponent(path[name]);
  });
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    const declared = params.find((p) => p.in === "query" && p.name === name);
    if (!declared) throw new Error(`${label}: query parameter ${name} is not in the spec`);
    const validate = validatorFor(declared.schema);
    if (!validate(String(value))) throw new Error(`${label}: ${name}=${value} breaks its schema: ${ajv.errorsText(validate.errors)}`);
    search.set(name, String(value));
  }
  if ([...search].length) url += `?${search}`;

  const sent = { accept: "application/json" };
  for (const [name, value] of Object.entries(headers)) {
    const declared = params.find((p) => p.in === "header" && p.name.toLowerCase() === name.toLowerCase());
    if (!declared) throw new Error(`${label}: header ${name} is not in the spec`);
    const validate = validatorFor(declared.schema);
    if (!validate(value)) throw new Error(`${label}: header ${name} breaks its schema: ${ajv.errorsText(validate.errors)}`);
    sent[declared.name] = value;
  }
  const bearerAuth = (op.security || []).some((s) => "BearerAuth" in s);
  if (bearerAuth && spec.components.securitySchemes.BearerAuth.scheme === "bearer") {
    sent.authorization = `Bearer ${bearer}`;
  }
  if (op.requestBody) {
    const schema = jsonSchemaOf(op.requestBody);
    if (body === undefined && op.requestBody.required) throw new Error(`${label}: the spec requires a body`);
    const validate = validatorFor(schema);
    if (!validate(body)) {
      throw new Error(`${label}: our request breaks ${schemaName(schema)}: ${ajv.errorsText(validate.errors)}`);
    }
    sent["content-type"] = "application/json";
  } else if (body !== undefined) {
    throw new Error(`${label}: the spec declares no request body`);
  }

  const response = await fetch(base + url, { method, headers: sent, body: body === undefined ? undefined : JSON.stringify(body) });
  calls += 1;
  called.add(operationId);
  const text = await response.text();
  const result = { status: response.status, text, json: null };
  const where = `${method} ${url} → ${response.status}`;
  const declared = op.responses[String(response.status)];
  if (!declared) {
    mismatches.push(`${where}: status ${response.status} is not a response the spec lists for "${operationId}" (${Object.keys(op.responses).join(", ")})`);
    return result;
  }
  let schema = jsonSchemaOf(declared);
  if (!schema && response.status >= 200 && response.status < 300 && text) {
    // The spec lists this success status without a body (POST …/refunds: "202 ACCEPTED"), while
    // Pay's documentation shows the refund in it; check it against the operation's other
    // success schema, and say so.
    const other = Object.entries(op.responses).find(([s, r]) => s.startsWith("2") && jsonSchemaOf(r));
    if (other) {
      schema = jsonSchemaOf(other[1]);
      console.log(`note ${where}: the spec lists no body for ${response.status}; checked against its ${other[0]} schema ${schemaName(schema)}`);
    }
  }
  if (!schema && response.status >= 400 && text) {
    // The spec lists this error status without a body (POST …/refunds: "412 Refund amount
    // available mismatch"), while Pay's documentation gives its error code (P0604); check it
    // against the spec's error schema, RequestError, and say so.
    schema = { $ref: "#/components/schemas/RequestError" };
    console.log(`note ${where}: the spec lists no body for ${response.status}; checked against RequestError`);
  }
  if (!schema) {
    if (text.trim() !== "") mismatches.push(`${where}: the spec lists no body for ${response.status}, got ${text.slice(0, 200)}`);
    return result;
  }
  const type = response.headers.get("content-type") || "";
  if (!type.startsWith("application/json")) mismatches.push(`${where}: content-type ${type}, the spec says application/json`);
  try {
    result.json = JSON.parse(text);
  } catch {
    mismatches.push(`${where}: body is not JSON: ${text.slice(0, 200)}`);
    return result;
  }
  const validate = validatorFor(schema);
  if (!validate(result.json)) {
    for (const e of validate.errors) {
      mismatches.push(`${where}: ${schemaName(schema)}${e.instancePath || ""} ${e.message} (${e.schemaPath}; got ${JSON.stringify(valueAt(result.json, e.instancePath))})`);
    }
  } else {
    console.log(`spec ${where} matches ${schemaName(schema)}`);
  }
  return result;
}

function valueAt(json, pointer) {
  if (!pointer) return json;
  return pointer.split("/").slice(1).reduce((v, k) => (v == null ? v : v[k.replace(/~1/g, "/").replace(/~0/g, "~")]), json);
}

// ---- The service and the citizen ---------------------------------------------------------

// The "service": answers every request, so the browser's return to return_url is seen.
async function startService() {
  const server = createServer((req, res) => {
    res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
    res.end(`<!doctype html><html lang="en"><title>Service</title><h1>Back at the service</h1><p>${req.url}</p></html>`);
  });
  await new Promise((ok) => server.listen(0, "127.0.0.1", ok));
  return { server, origin: `http://127.0.0.1:${server.address().port}` };
}

// Submits the page's form with its button and waits for the next page (JavaScript off: a real navigation).
async function press(page, name) {
  await Promise.all([
    page.waitForEvent("framenavigated", { predicate: (frame) => frame === page.mainFrame() }),
    page.getByRole("button", { name, exact: true }).click(),
  ]);
  await page.waitForLoadState("load");
}

async function payOnHostedPage(browser, nextUrl, returnUrl) {
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  try {
    await page.goto(nextUrl);
    await page.getByLabel("Card number", { exact: true }).fill(SANDBOX_CARD);
    await page.getByLabel("Month", { exact: true }).fill("12");
    await page.getByLabel("Year", { exact: true }).fill("2035");
    await page.getByLabel("Name on card", { exact: true }).fill("Ada Lovelace");
    await page.getByLabel("Card security code").fill("123");
    await page.getByLabel("Address line 1", { exact: true }).fill("1 High Street");
    await page.getByLabel("Town or city", { exact: true }).fill("Exampleton");
    await page.getByLabel("Postcode", { exact: true }).fill("ZX1 1AA");
    await press(page, "Continue");
    check(page.url().endsWith("/confirm"), `hosted page: card accepted, at the confirm page (${page.url()})`);
    await press(page, "Confirm payment");
    check(page.url() === returnUrl, `hosted page: back at return_url (${page.url()})`);
    check((await page.content()).includes("Back at the service"), "hosted page: the service's page is shown");
  } finally {
    await context.close();
  }
}

// ---- The journey --------------------------------------------------------------------------

async function journey(browser, service) {
  const reference = `OAS-${Date.now()}`;
  const returnUrl = `${service.origin}/done/${reference}`;
  const created = await call("Create a payment", {
    headers: { "Idempotency-Key": `${reference}-create` },
    body: {
      amount: 4599, reference, description: "Resident parking permit", return_url: returnUrl,
      email: "ada@example.org", language: "en", delayed_capture: false,
      metadata: { fund_code: "PARK01", cost_centre: "CC-200" },
      prefilled_cardholder_details: { cardholder_name: "Ada Lovelace",
        billing_address: { line1: "1 High Street", city: "Exampleton", postcode: "ZX1 1AA", country: "GB" } },
    },
  });
  check(created.status === 201, `create a payment: 201 (${created.status})`);
  const payment = created.json;
  check(payment?.amount === 4599 && payment?.reference === reference, "create a payment: amount and reference echoed");
  check(payment?.state?.status === "created", `create a payment: state created (${JSON.stringify(payment?.state)})`);
  const nextUrl = payment?._links?.next_url?.href;
  check(typeof nextUrl === "string" && payment?._links?.next_url?.method === "GET", "create a payment: _links.next_url GET");
  const id = payment.payment_id;

  await payOnHostedPage(browser, nextUrl, returnUrl);

  const read = await call("Get a payment", { path: { paymentId: id } });
  check(read.status === 200 && read.json?.state?.status === "success" && read.json?.state?.finished === true,
    `get a payment: success, finished (${JSON.stringify(read.json?.state)})`);
  check(read.json?.card_details?.last_digits_card_number === "1111" && read.json?.card_details?.card_brand,
    "get a payment: card_details has the last four digits and brand");
  check(read.json?.refund_summary?.status === "available" && read.json?.refund_summary?.amount_available === 4599,
    `get a payment: refund_summary available 4599 (${JSON.stringify(read.json?.refund_summary)})`);
  check(!read.text.includes(SANDBOX_CARD), "get a payment: the card number is not in the response");

  const events = await call("Get events for a payment", { path: { paymentId: id } });
  const states = (events.json?.events || []).map((e) => e.state.status);
  check(events.status === 200 && ["created", "started", "submitted", "success"].every((s) => states.includes(s)),
    `get events: created, started, submitted, success (${states.join(", ")})`);

  const refund = await call("Submit a refund for a payment", {
    path: { paymentId: id }, body: { amount: 1000, refund_amount_available: 4599 },
  });
  check([200, 202].includes(refund.status) && refund.json?.amount === 1000 && refund.json?.payment_id === id,
    `refund a payment: accepted, 1000p (${refund.status})`);
  const refundId = refund.json?.refund_id;

  const stale = await call("Submit a refund for a payment", {
    path: { paymentId: id }, body: { amount: 100, refund_amount_available: 4599 },
  });
  check(stale.status === 412, `refund with a stale refund_amount_available: 412 (${stale.status})`);

  const refunds = await call("Get all refunds for a payment", { path: { paymentId: id } });
  const listed = refunds.json?._embedded?.refunds || [];
  check(refunds.status === 200 && listed.some((r) => r.refund_id === refundId),
    `get all refunds: the refund is listed (${listed.length})`);

  const one = await call("Get a payment refund", { path: { paymentId: id, refundId } });
  check(one.status === 200 && one.json?.refund_id === refundId && one.json?.amount === 1000, "get a payment refund: the refund");

  const after = await call("Get a payment", { path: { paymentId: id } });
  check(after.json?.refund_summary?.amount_available === 3599 && after.json?.refund_summary?.amount_submitted === 1000,
    `get a payment after the refund: 3599 available, 1000 submitted (${JSON.stringify(after.json?.refund_summary)})`);

  const byReference = await call("Search payments", { query: { reference, display_size: "10" } });
  check(byReference.status === 200 && byReference.json?.total === 1 && byReference.json?.results?.[0]?.payment_id === id,
    `search payments by reference: the one payment (total ${byReference.json?.total})`);
  const bySuccess = await call("Search payments", { query: { state: "success", last_digits_card_number: "1111" } });
  check(bySuccess.status === 200 && bySuccess.json?.results?.some((p) => p.payment_id === id),
    "search payments by state and last four digits: found");

  const refundSearch = await call("Search refunds", { query: { display_size: "50" } });
  check(refundSearch.status === 200 && refundSearch.json?.results?.some((r) => r.refund_id === refundId),
    `search refunds: the refund is found (total ${refundSearch.json?.total})`);

  // A second payment, cancelled by the service.
  const second = await call("Create a payment", {
    body: { amount: 1500, reference: `${reference}-2`, description: "Bulky waste collection", return_url: returnUrl },
  });
  check(second.status === 201, `create a second payment: 201 (${second.status})`);
  const cancel = await call("Cancel a payment", { path: { paymentId: second.json.payment_id } });
  check(cancel.status === 204, `cancel a payment: 204 (${cancel.status})`);
  const cancelled = await call("Get a payment", { path: { paymentId: second.json.payment_id } });
  check(cancelled.json?.state?.status === "cancelled" && cancelled.json?.state?.code === "P0040",
    `cancelled payment: cancelled, P0040 (${JSON.stringify(cancelled.json?.state)})`);
  const cancelAgain = await call("Cancel a payment", { path: { paymentId: second.json.payment_id } });
  check(cancelAgain.status === 400 && cancelAgain.json?.code === "P0501", `cancel it again: 400 P0501 (${cancelAgain.status})`);

  // A delayed-capture payment: paid, then capturable until the service captures it.
  const delayed = await call("Create a payment", {
    body: { amount: 2000, reference: `${reference}-D`, description: "Skip permit deposit", return_url: returnUrl,
      delayed_capture: true },
  });
  check(delayed.status === 201 && delayed.json?.delayed_capture === true, `create a delayed-capture payment: 201 (${delayed.status})`);
  await payOnHostedPage(browser, delayed.json._links.next_url.href, returnUrl);
  const capturable = await call("Get a payment", { path: { paymentId: delayed.json.payment_id } });
  check(capturable.json?.state?.status === "capturable" && capturable.json?._links?.capture?.method === "POST",
    `delayed capture: capturable with a capture link (${JSON.stringify(capturable.json?.state)})`);
  const capture = await call("Capture a payment", { path: { paymentId: delayed.json.payment_id } });
  check(capture.status === 204, `capture a payment: 204 (${capture.status})`);
  const captured = await call("Get a payment", { path: { paymentId: delayed.json.payment_id } });
  check(captured.json?.state?.status === "success", `captured payment: success (${JSON.stringify(captured.json?.state)})`);

  // Errors, each in the spec's error schema.
  const zero = await call("Create a payment", {
    body: { amount: 0, reference: `${reference}-0`, description: "Nothing", return_url: returnUrl },
  });
  check(zero.status === 422 && zero.json?.code === "P0102" && zero.json?.field === "amount",
    `amount 0: 422 P0102 on amount (${zero.status} ${zero.text})`);
  const missing = await call("Get a payment", { path: { paymentId: "nosuchpaymentnosuchpaymen" } });
  check(missing.status === 404 && missing.json?.code === "P0200", `unknown payment: 404 P0200 (${missing.status})`);
  const badSearch = await call("Search payments", { query: { from_date: "yesterday" } });
  check(badSearch.status === 422 && badSearch.json?.code === "P0401" && badSearch.json?.field === "from_date",
    `search with a bad from_date: 422 P0401 (${badSearch.status} ${badSearch.text})`);
  const wrongKey = await call("Get a payment", { path: { paymentId: id }, bearer: "api_test_not-a-real-key" });
  check(wrongKey.status === 401 && wrongKey.text === "", `wrong key: 401 with no body (${wrongKey.status})`);
  const wrongKeyCreate = await call("Create a payment", {
    bearer: `${key.slice(0, -1)}${key.endsWith("a") ? "b" : "a"}`,
    body: { amount: 100, reference: `${reference}-k`, description: "Wrong key", return_url: returnUrl },
  });
  check(wrongKeyCreate.status === 401, `mistyped key on create: 401 (${wrongKeyCreate.status})`);
  const nothing = await call("Search payments", { query: { reference: `${reference}-0` } });
  check(nothing.json?.total === 0, "amount 0 and the mistyped key stored nothing");
}

async function main() {
  if (!base || !key) throw new Error("set E2E_BASE_URL (http://localhost:PORT) and E2E_PAY_KEY (a test key)");
  console.log(`spec ${spec.info.title} ${spec.info.version} (OpenAPI ${spec.openapi}), ${operations.size} operations`);
  const service = await startService();
  const browser = await chromium.launch({ executablePath: chromiumPath, args: CHROMIUM_ARGS });
  try {
    await journey(browser, service);
  } catch (error) {
    failures.push(`journey: ${error.stack || error}`);
  } finally {
    await browser.close();
    service.server.close();
  }
  const payOps = [...operations].filter(([, o]) =>
    (o.op.tags || []).some((t) => t === "Card payments" || t === "Refunding card payments")).map(([id]) => id);
  const missed = payOps.filter((id) => !called.has(id));
  if (missed.length) failures.push(`operations never called: ${missed.join(", ")}`);
  console.log(`\n${payOps.length - missed.length} of the spec's ${payOps.length} payment and refund operations called`);
  console.log(`${calls} API calls made from the spec; ${mismatches.length} schema mismatch(es); ${failures.length} failed check(s)`);
  if (mismatches.length > 0) console.error(`\nresponses that do not match Pay's OpenAPI file:\n${mismatches.join("\n")}`);
  if (failures.length > 0) console.error(`\nfailed checks:\n${failures.join("\n")}`);
  if (mismatches.length > 0 || failures.length > 0) process.exit(1);
  console.log("every response matches Pay's OpenAPI file");
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
