"""Precompiled letters and files sent by link, through GOV.UK Notify's official Python client.

Run by tests/python_files.rs with NOTIFY_BASE_URL, NOTIFY_API_KEY, NOTIFY_TEAM_KEY and the
template ids in the environment. Prints `RESULT {json}` for the Rust side to check the download
pages and the database; exits non-zero (with the failing check) on any difference from Notify.
"""

import base64
import io
import json
import os
import sys

from notifications_python_client import prepare_upload
from notifications_python_client.errors import HTTPError
from notifications_python_client.notifications import NotificationsAPIClient

BASE = os.environ["NOTIFY_BASE_URL"]
client = NotificationsAPIClient(os.environ["NOTIFY_API_KEY"], base_url=BASE)
team = NotificationsAPIClient(os.environ["NOTIFY_TEAM_KEY"], base_url=BASE)
EMAIL = os.environ["NOTIFY_EMAIL_TEMPLATE"]
SMS = os.environ["NOTIFY_SMS_TEMPLATE"]

PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
       b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
       b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
       b"trailer<</Root 1 0 R>>\n%%EOF\n")


def check(condition, what):
    if not condition:
        print(f"FAILED: {what}", file=sys.stderr)
        sys.exit(1)


def expect_error(call, status, kind, message, what):
    try:
        call()
    except HTTPError as e:
        check(e.status_code == status, f"{what}: status {e.status_code} != {status} ({e.message})")
        check(e.message == [{"error": kind, "message": message}], f"{what}: errors {e.message}")
        return
    check(False, f"{what}: no error raised")


# Precompiled letters.
letter = client.send_precompiled_letter_notification(reference="council-tax-2027", pdf_file=io.BytesIO(PDF))
check(set(letter) == {"id", "reference", "postage"}, f"precompiled response {letter}")
check(letter["reference"] == "council-tax-2027" and letter["postage"] == "second", f"precompiled {letter}")
first = client.send_precompiled_letter_notification(reference="first-class", pdf_file=io.BytesIO(PDF),
                                                    postage="first")
check(first["postage"] == "first", f"postage {first}")
read = client.get_notification_by_id(letter["id"])
check(read["type"] == "letter" and read["reference"] == "council-tax-2027", f"read back {read}")
check(read["status"] in ("accepted", "received"), f"letter status {read['status']}")
pdf = client.get_pdf_for_letter(letter["id"]).read()
check(pdf == PDF, "the PDF read back is the one sent")

expect_error(lambda: client.send_precompiled_letter_notification(reference="x", pdf_file=io.BytesIO(b"hello")),
             400, "BadRequestError", "Letter content is not a valid PDF", "not a PDF")
expect_error(lambda: client.post("/v2/notifications/letter", data={"content": base64.b64encode(PDF).decode()}),
             400, "ValidationError", "reference is a required property", "precompiled without reference")
expect_error(lambda: client.send_precompiled_letter_notification(reference="x", pdf_file=io.BytesIO(PDF),
                                                                 postage="carrier-pigeon"),
             400, "ValidationError", "postage invalid. It must be either first, second or economy.", "bad postage")
big = PDF[:-6] + b"%" + b"0" * (5 * 1024 * 1024) + b"\n%%EOF\n"
expect_error(lambda: client.send_precompiled_letter_notification(reference="x", pdf_file=io.BytesIO(big)),
             400, "BadRequestError", "Letter content is larger than 5MB", "PDF over 5 MB")
expect_error(lambda: team.send_precompiled_letter_notification(reference="x", pdf_file=io.BytesIO(PDF)),
             400, "BadRequestError", "Cannot send letters with a team api key", "team key letter")

# Files sent by link.
CSV = b"collection day,bin\nMonday,green\n"
with_check = client.send_email_notification(
    email_address="Resident@Example.org", template_id=EMAIL,
    personalisation={"name": "Ada", "link_to_file": prepare_upload(io.BytesIO(CSV), filename="days.csv",
                                                                   retention_period="4 weeks")})
check("/d/" in with_check["content"]["body"] and "?key=" in with_check["content"]["body"],
      f"link in body {with_check['content']['body']}")
no_check = client.send_email_notification(
    email_address="resident@example.org", template_id=EMAIL,
    personalisation={"name": "Bo", "link_to_file": prepare_upload(io.BytesIO(PDF), confirm_email_before_download=False)})

try:
    prepare_upload(io.BytesIO(b"0" * (2 * 1024 * 1024 + 1)))
    check(False, "the client itself refuses files over 2MB")
except ValueError:
    pass


def upload(content, **extra):
    field = {"file": base64.b64encode(content).decode("ascii"), "filename": None,
             "confirm_email_before_download": None, "retention_period": None}
    field.update(extra)
    return field


def send_file(field, template=EMAIL):
    if template == SMS:
        return client.send_sms_notification(phone_number="07700900123", template_id=SMS,
                                            personalisation={"code": field})
    return client.send_email_notification(email_address="resident@example.org", template_id=EMAIL,
                                          personalisation={"name": "Ada", "link_to_file": field})


# A client that skips the 2 MB check still gets Notify's error from the server.
expect_error(lambda: send_file(upload(b"0" * (2 * 1024 * 1024 + 1))), 400, "BadRequestError",
             "File is larger than 2MB", "oversized file")
expect_error(lambda: send_file(upload(b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 64)), 400, "BadRequestError",
             "Unsupported file type 'application/x-executable'. Supported types are: "
             "'.csv, .doc, .docx, .jpeg, .jpg, .json, .odt, .pdf, .png, .rtf, .txt, .xlsx'", "executable")
expect_error(lambda: send_file(upload(CSV, retention_period="79 weeks")), 400, "BadRequestError",
             "Unsupported value for retention_period '79 weeks'. Supported periods are from 1 to 78 weeks.",
             "retention too long")
expect_error(lambda: send_file(upload(CSV, retention_period="3 days")), 400, "BadRequestError",
             "Unsupported value for retention_period '3 days'. Supported periods are from 1 to 78 weeks.",
             "retention in days")
expect_error(lambda: send_file(upload(CSV, confirm_email_before_download="yes")), 400, "BadRequestError",
             "Unsupported value for confirm_email_before_download: 'yes'. Use a boolean true or false value.",
             "confirm not a boolean")
expect_error(lambda: send_file(upload(CSV, filename="no-extension")), 400, "BadRequestError",
             "`filename` must end with a file extension. For example, filename.csv", "filename without extension")
expect_error(lambda: send_file(upload(CSV), template=SMS), 400, "BadRequestError",
             "Can only send a file by email", "file in a text message")

print("RESULT " + json.dumps({
    "letter": letter["id"], "first": first["id"],
    "with_check": with_check["id"], "with_check_body": with_check["content"]["body"],
    "no_check": no_check["id"], "no_check_body": no_check["content"]["body"],
}))
print("python client files: all checks passed")
