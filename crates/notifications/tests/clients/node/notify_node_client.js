// Drives a Guildhall notifications server with GOV.UK Notify's official Node client
// (notifications-node-client, pinned by package-lock.json).
//
// Run by tests/node_client.rs with NOTIFY_BASE_URL, NOTIFY_API_KEY and the template ids in the
// environment. Exits non-zero (with the failing check) if anything differs from Notify's behaviour.
'use strict';

const crypto = require('crypto');
const { NotifyClient } = require('notifications-node-client');

const BASE = process.env.NOTIFY_BASE_URL;
const KEY = process.env.NOTIFY_API_KEY;
const EMAIL = process.env.NOTIFY_EMAIL_TEMPLATE;
const SMS = process.env.NOTIFY_SMS_TEMPLATE;
const LETTER = process.env.NOTIFY_LETTER_TEMPLATE;

const client = new NotifyClient(BASE, KEY);

function check(condition, what) {
  if (!condition) {
    console.error(`FAILED: ${what}`);
    process.exit(1);
  }
}

async function expectError(call, status, kind, message, what) {
  let response;
  try {
    await call();
  } catch (e) {
    response = e.response;
  }
  check(response !== undefined, `${what}: no error raised`);
  const body = response.data;
  check(response.status === status, `${what}: status ${response.status} != ${status} (${JSON.stringify(body)})`);
  check(body.status_code === status, `${what}: status_code ${JSON.stringify(body)}`);
  check(
    JSON.stringify(body.errors) === JSON.stringify([{ error: kind, message }]),
    `${what}: errors ${JSON.stringify(body.errors)}`,
  );
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function main() {
  // Send one of each.
  const email = (
    await client.sendEmail(EMAIL, 'resident@example.org', {
      personalisation: { name: 'Ada', day: 'Monday', items: ['glass', 'paper'] },
      reference: 'email-ref',
    })
  ).data;
  check(email.content.subject === 'Your Monday collection', `email subject ${JSON.stringify(email.content)}`);
  check(email.content.body.includes('Hello Ada'), `email body ${JSON.stringify(email.content)}`);
  check(email.template.id === EMAIL && email.template.version === 1, `email template ${JSON.stringify(email.template)}`);
  check(email.reference === 'email-ref', 'email reference');

  const sms = (await client.sendSms(SMS, '07700 900123', { personalisation: { code: '1234' } })).data;
  check(sms.content.body === 'Your code is 1234', `sms body ${JSON.stringify(sms.content)}`);

  const letter = (
    await client.sendLetter(LETTER, {
      personalisation: {
        address_line_1: 'A Resident',
        address_line_2: '1 High Street',
        address_line_3: 'SW1A 1AA',
        name: 'Ada',
      },
      reference: 'letter-ref',
    })
  ).data;
  check(letter.content.subject === 'About your bins', `letter subject ${JSON.stringify(letter.content)}`);

  // Read them back (the worker delivers through the sandbox meanwhile).
  const deadline = Date.now() + 20000;
  let e, s, l;
  for (;;) {
    e = (await client.getNotificationById(email.id)).data;
    s = (await client.getNotificationById(sms.id)).data;
    l = (await client.getNotificationById(letter.id)).data;
    const done = e.status === 'delivered' && s.status === 'delivered' && l.status === 'received';
    if (done || Date.now() > deadline) break;
    await sleep(100);
  }
  check(e.type === 'email' && e.email_address === 'resident@example.org', `email read back ${JSON.stringify(e)}`);
  check(e.status === 'delivered', `email status ${e.status}`);
  check(e.created_at.endsWith('Z') && e.created_at.length === 27, `date format ${e.created_at}`);
  check(s.type === 'sms' && s.phone_number === '447700900123' && s.status === 'delivered', `sms ${JSON.stringify(s)}`);
  check(l.type === 'letter' && l.line_1 === 'A Resident' && l.status === 'received', `letter ${JSON.stringify(l)}`);

  // More than one page: 260 more texts, then page with older_than as the client's users do.
  for (let i = 0; i < 260; i += 1) {
    await client.sendSms(SMS, '07700900456', { personalisation: { code: String(i) }, reference: 'bulk' });
  }
  const first = (await client.getNotifications()).data;
  check(first.notifications.length === 250, `first page ${first.notifications.length}`);
  check(first.links.current && first.links.next, `links ${JSON.stringify(first.links)}`);
  const seen = [];
  let olderThan;
  for (;;) {
    const page = (await client.getNotifications(undefined, undefined, undefined, olderThan)).data;
    if (page.notifications.length === 0) break;
    seen.push(...page.notifications);
    olderThan = page.notifications[page.notifications.length - 1].id;
  }
  check(seen.length === 263, `paging saw ${seen.length}`);
  check(new Set(seen.map((n) => n.id)).size === 263, 'paging repeated notifications');
  const bulk = (await client.getNotifications(undefined, undefined, 'bulk')).data;
  check(bulk.notifications.length === 250 && bulk.notifications.every((n) => n.reference === 'bulk'), 'reference');
  const emails = (await client.getNotifications('email')).data;
  check(emails.notifications.length === 1 && emails.notifications[0].id === email.id, 'template_type filter');
  const failed = (await client.getNotifications(undefined, 'failed')).data;
  check(failed.notifications.length === 0, 'status=failed');

  // Templates.
  const t = (await client.getTemplateById(EMAIL)).data;
  check(t.type === 'email' && t.version === 1 && t.subject === 'Your ((day)) collection', `template ${JSON.stringify(t)}`);
  const v = (await client.getTemplateByIdAndVersion(EMAIL, 1)).data;
  check(v.body === t.body, 'template version 1');
  const allSms = (await client.getAllTemplates('sms')).data;
  check(allSms.templates.length === 1 && allSms.templates[0].id === SMS, `templates by type ${JSON.stringify(allSms)}`);
  check((await client.getAllTemplates()).data.templates.length === 3, 'all templates');
  const preview = (await client.previewTemplateById(EMAIL, { name: 'Ada', day: 'Friday', items: ['glass'] })).data;
  check(preview.subject === 'Your Friday collection' && preview.html.includes('<li'), `preview ${JSON.stringify(preview)}`);

  // Received text messages: the shape the client reads (none received yet).
  const received = (await client.getReceivedTexts()).data;
  check(Array.isArray(received.received_text_messages), `received texts ${JSON.stringify(received)}`);
  check(received.links && received.links.current, `received texts links ${JSON.stringify(received.links)}`);

  // Notify's errors.
  const serviceId = KEY.substring(KEY.length - 73, KEY.length - 37);
  const bad = new NotifyClient(BASE, `bad-${serviceId}-${crypto.randomUUID()}`);
  await expectError(() => bad.getTemplateById(EMAIL), 403, 'AuthError', 'Invalid token: API key not found', 'bad key');

  const realNow = Date.now;
  Date.now = () => realNow() - 60000;
  try {
    await expectError(
      () => client.getTemplateById(EMAIL),
      403,
      'AuthError',
      'Error: Your system clock must be accurate to within 30 seconds',
      'clock 60 s off',
    );
  } finally {
    Date.now = realNow;
  }

  await expectError(
    () => client.sendEmail(EMAIL, 'a@example.org', { personalisation: { day: 'Monday', items: [] } }),
    400,
    'BadRequestError',
    'Missing personalisation: name',
    'missing personalisation',
  );
  await expectError(
    () => client.sendEmail(crypto.randomUUID(), 'a@example.org'),
    400,
    'BadRequestError',
    'Template not found',
    'unknown template',
  );
  await expectError(
    () => client.sendEmail(EMAIL, 'not-an-email'),
    400,
    'ValidationError',
    'email_address Not a valid email address',
    'bad email',
  );
  await expectError(
    () => client.sendSms(SMS, '0770090012'),
    400,
    'ValidationError',
    'phone_number Not enough digits',
    'bad phone',
  );
  await expectError(
    () => client.getNotificationById(crypto.randomUUID()),
    404,
    'NoResultFound',
    'No result found',
    'unknown notification',
  );

  console.log('node client: all checks passed');
}

main().catch((err) => {
  console.error('FAILED:', err && err.response ? JSON.stringify(err.response.data) : err);
  process.exit(1);
});
