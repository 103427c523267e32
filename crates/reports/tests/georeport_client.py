"""Reads a live Guildhall Open311 server with the PyPI `georeport` client, in JSON and XML, and
prints what it read as one JSON document for the Rust test to check."""
import json
import sys

from georeport import GeoReport

root, jurisdiction, api_key, request_id = sys.argv[1:5]
out = {}
for fmt in ("json", "xml"):
    client = GeoReport(root, jurisdiction=jurisdiction, api_key=api_key, output_format=fmt)
    out[fmt] = {
        "services": client.get_service_list(),
        "definition": client.get_service_definition("speeding"),
        "requests": client.get_service_requests(),
        "open": client.get_service_requests(status="open", service_code="speeding"),
        "request": client.get_service_request(request_id),
    }
print(json.dumps(out))
