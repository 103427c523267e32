"""Drives a Guildhall notifications server with GOV.UK Notify's official Python client.

Run by tests/python_client.rs with NOTIFY_BASE_URL, NOTIFY_API_KEY and the template ids in the
environment. Exits non-zero (with the failing check) if anything differs from Notify's behaviour.
"""

import os
import sys
import time
import uuid

from notifications_python_client import authentication
from notifications_python_client.errors import HTTPError
from notifications_python_client.notifications import NotificationsAPIClient

BASE = os.environ["NOTIFY_BASE_URL"]
KEY = os.environ["NOTIFY_API_KEY"]
EMAIL = os.environ["NOTIFY_EMAIL_TEMPLATE"]
SMS = os.environ["NOTIFY_SMS_TEMPLATE"]
LETTER = os.environ["NOTIFY_LETTER_TEMPLATE"]

client = NotificationsAPIClient(KEY, base_url=BASE)


def check(condition, what):
    if not condition:
        print(f"FAILED: {what}", file=sys.stderr)
        sys.exit(1)


def expect_error(call, status, kind, message, what):
    try:
        call()
    except HTTPError as e:
        errors = e.message
        check(e.status_code == status, f"{what}: status {e.status_code} != {status} ({errors})")
        check(errors == [{"error": kind, "message": message}], f"{what}: errors {errors}")
        return
    check(False, f"{what}: no error raised")


# Send one of each.
email = client.send_email_notification(
    email_address="resident@example.org",
    template_id=EMAIL,
    personalisation={"name": "Ada", "day": "Monday", "items": ["glass", "paper"]},
    reference="email-ref",
)
check(email["content"]["subject"] == "Your Monday collection", f"email subject {email['content']}")
check("Hello Ada" in email["content"]["body"], f"email body {email['content']}")
check(email["template"]["id"] == EMAIL and email["template"]["version"] == 1, f"email template {email['template']}")
check(email["reference"] == "email-ref", "email reference")

sms = client.send_sms_notification(phone_number="07700 900123", template_id=SMS, personalisation={"code": "1234"})
check(sms["content"]["body"] == "Your code is 1234", f"sms body {sms['content']}")

letter = client.send_letter_notification(
    template_id=LETTER,
    personalisation={
        "address_line_1": "A Resident",
        "address_line_2": "1 High Street",
        "address_line_3": "SW1A 1AA",
        "name": "Ada",
    },
    reference="letter-ref",
)
check(letter["content"]["subject"] == "About your bins", f"letter subject {letter['content']}")

# Read them back (the worker delivers through the sandbox meanwhile).
deadline = time.time() + 20
while True:
    e = client.get_notification_by_id(email["id"])
    s = client.get_notification_by_id(sms["id"])
    le = client.get_notification_by_id(letter["id"])
    if (e["status"], s["status"], le["status"]) == ("delivered", "delivered", "received") or time.time() > deadline:
        break
    time.sleep(0.1)
check(e["type"] == "email" and e["email_address"] == "resident@example.org", f"email read back {e}")
check(e["status"] == "delivered", f"email status {e['status']}")
check(e["created_at"].endswith("Z") and len(e["created_at"]) == 27, f"date format {e['created_at']}")
check(s["type"] == "sms" and s["phone_number"] == "447700900123" and s["status"] == "delivered", f"sms {s}")
check(le["type"] == "letter" and le["line_1"] == "A Resident" and le["status"] == "received", f"letter {le}")

# More than one page: 260 more texts.
for i in range(260):
    client.send_sms_notification(phone_number="07700900456", template_id=SMS, personalisation={"code": str(i)},
                                 reference="bulk")
page = client.get_all_notifications()
check(len(page["notifications"]) == 250, f"first page {len(page['notifications'])}")
check("next" in page["links"] and "current" in page["links"], f"links {page['links']}")
everything = list(client.get_all_notifications_iterator())
check(len(everything) == 263, f"iterator saw {len(everything)}")
check(len({n["id"] for n in everything}) == 263, "iterator repeated notifications")
bulk = list(client.get_all_notifications_iterator(reference="bulk"))
check(len(bulk) == 260, f"reference filter {len(bulk)}")
emails = client.get_all_notifications(template_type="email")
check([n["id"] for n in emails["notifications"]] == [email["id"]], "template_type filter")
failed = client.get_all_notifications(status="failed")
check(failed["notifications"] == [], "status=failed")

# Templates.
t = client.get_template(EMAIL)
check(t["type"] == "email" and t["version"] == 1 and t["subject"] == "Your ((day)) collection", f"template {t}")
v = client.get_template_version(EMAIL, 1)
check(v["body"] == t["body"], "template version 1")
all_sms = client.get_all_templates(template_type="sms")
check([x["id"] for x in all_sms["templates"]] == [SMS], f"templates by type {all_sms}")
check(len(client.get_all_templates()["templates"]) == 3, "all templates")
preview = client.post_template_preview(EMAIL, {"name": "Ada", "day": "Friday", "items": ["glass"]})
check(preview["subject"] == "Your Friday collection" and "<li" in preview["html"], f"preview {preview}")

# Notify's errors.
service_id = KEY[-73:-37]
bad = NotificationsAPIClient(f"bad-{service_id}-{uuid.uuid4()}", base_url=BASE)
expect_error(lambda: bad.get_template(EMAIL), 403, "AuthError", "Invalid token: API key not found", "bad key")

real_epoch = authentication.epoch_seconds
authentication.epoch_seconds = lambda: real_epoch() - 60
try:
    expect_error(lambda: client.get_template(EMAIL), 403, "AuthError",
                 "Error: Your system clock must be accurate to within 30 seconds", "clock 60 s off")
finally:
    authentication.epoch_seconds = real_epoch

expect_error(
    lambda: client.send_email_notification(email_address="a@example.org", template_id=EMAIL,
                                           personalisation={"day": "Monday", "items": []}),
    400, "BadRequestError", "Missing personalisation: name", "missing personalisation")
expect_error(
    lambda: client.send_email_notification(email_address="a@example.org", template_id=str(uuid.uuid4())),
    400, "BadRequestError", "Template not found", "unknown template")
expect_error(
    lambda: client.send_email_notification(email_address="not-an-email", template_id=EMAIL),
    400, "ValidationError", "email_address Not a valid email address", "bad email")
expect_error(
    lambda: client.send_sms_notification(phone_number="0770090012", template_id=SMS),
    400, "ValidationError", "phone_number Not enough digits", "bad phone")
expect_error(lambda: client.get_notification_by_id(str(uuid.uuid4())), 404, "NoResultFound", "No result found",
             "unknown notification")
expect_error(lambda: client.get_template(str(uuid.uuid4())), 404, "NoResultFound", "No result found",
             "unknown template read")

print("python client: all checks passed")
