//! The staff pages' templates (main content only; the web brick's layout wraps them). Every value
//! is escaped by the environment; only the anti-forgery input is marked safe. Selects are written
//! as govuk-frontend's markup because the web brick has no select macro.

/// Staff of another council, or without the role.
pub(crate) const FORBIDDEN: &str = r##"<div class="govuk-grid-row"><div class="govuk-grid-column-two-thirds">
<h1 class="govuk-heading-l">You cannot see this page</h1>
<p class="govuk-body">{{ message }}</p>
</div></div>"##;

/// The list with its filters, map and CSV links.
pub(crate) const LIST: &str = r##"{% from "govuk/components/button/macro.jinja" import govukButton %}
{% from "govuk/components/error-message/macro.jinja" import govukErrorMessage %}
<span class="govuk-caption-l">Report a problem</span>
<h1 class="govuk-heading-l">Reports</h1>
<form method="get" action="{{ prefix }}/staff/reports" novalidate class="reports-filters">
<div class="govuk-grid-row">
<div class="govuk-grid-column-one-third"><div class="govuk-form-group{% if error %} govuk-form-group--error{% endif %}">
<label class="govuk-label" for="status">Status</label>
{% if error %}{{ govukErrorMessage({"text": error, "id": "status-error"}) }}{% endif %}
<select class="govuk-select{% if error %} govuk-select--error{% endif %}" id="status" name="status"{% if error %} aria-describedby="status-error"{% endif %}>
<option value="">Any status</option>
{% for s in statuses %}<option value="{{ s.value }}"{% if s.selected %} selected{% endif %}>{{ s.text }}</option>{% endfor %}
</select></div></div>
<div class="govuk-grid-column-one-third"><div class="govuk-form-group">
<label class="govuk-label" for="category">Category</label>
<select class="govuk-select" id="category" name="category">
<option value="">Any category</option>
{% for c in categories %}<option value="{{ c.value }}"{% if c.selected %} selected{% endif %}>{{ c.value }}</option>{% endfor %}
</select></div></div>
<div class="govuk-grid-column-one-third"><div class="govuk-form-group">
<label class="govuk-label" for="body">Sent to</label>
<select class="govuk-select" id="body" name="body">
<option value="">Any body</option>
{% for b in bodies %}<option value="{{ b.value }}"{% if b.selected %} selected{% endif %}>{{ b.text }}</option>{% endfor %}
</select></div></div>
</div>
{{ govukButton({"text": "Filter reports", "classes": "govuk-button--secondary"}) }}
</form>
<div id="staff-report-map" class="reports-map" data-areas="{{ areas }}" data-markers="{{ markers }}"></div>
<script src="/reports/map/report-map.js" defer></script>
{% if body %}<p class="govuk-body"><a class="govuk-link" href="{{ body.csv }}" download>Download {{ body.name }}'s reports as CSV</a></p>{% endif %}
<table class="govuk-table" id="reports">
<caption class="govuk-table__caption govuk-table__caption--m">{{ rows | length }} report{% if rows | length != 1 %}s{% endif %}{% if rows | length >= limit %} (the newest {{ limit }}){% endif %}</caption>
<thead class="govuk-table__head"><tr class="govuk-table__row">
<th scope="col" class="govuk-table__header">Report</th><th scope="col" class="govuk-table__header">Made</th>
<th scope="col" class="govuk-table__header">Category</th><th scope="col" class="govuk-table__header">Where</th>
<th scope="col" class="govuk-table__header">Sent to</th><th scope="col" class="govuk-table__header">Status</th></tr></thead>
<tbody class="govuk-table__body">
{% for r in rows %}<tr class="govuk-table__row">
<td class="govuk-table__cell"><a class="govuk-link" href="{{ prefix }}/staff/reports/{{ r.id }}">{{ r.id }}</a></td>
<td class="govuk-table__cell">{{ r.created_at }}</td><td class="govuk-table__cell">{{ r.category }}</td>
<td class="govuk-table__cell">{{ r.place }}</td>
<td class="govuk-table__cell">{{ r.bodies }}{% if r.failed %} <strong class="govuk-tag govuk-tag--red">Not sent</strong>{% endif %}</td>
<td class="govuk-table__cell"><strong class="govuk-tag {{ r.colour }}">{{ r.status }}</strong></td></tr>
{% else %}<tr class="govuk-table__row"><td class="govuk-table__cell" colspan="6">No reports match these filters.</td></tr>{% endfor %}
</tbody></table>
<h2 class="govuk-heading-m">Download as CSV</h2>
<ul class="govuk-list">
{% for b in bodies %}<li><a class="govuk-link" href="{{ b.csv }}" download>{{ b.text }}</a></li>{% endfor %}
</ul>
"##;

/// One report with its forms.
pub(crate) const DETAIL: &str = r##"{% from "govuk/components/button/macro.jinja" import govukButton %}
{% from "govuk/components/radios/macro.jinja" import govukRadios %}
{% from "govuk/components/textarea/macro.jinja" import govukTextarea %}
{% from "govuk/components/error-message/macro.jinja" import govukErrorMessage %}
{% from "govuk/components/notification-banner/macro.jinja" import govukNotificationBanner %}
<div class="govuk-grid-row"><div class="govuk-grid-column-two-thirds">
{% if done == "status" %}{{ govukNotificationBanner({"type": "success", "text": "Status changed. The reporter will be emailed the update."}) }}
{% elif done == "reassign" %}{{ govukNotificationBanner({"type": "success", "text": "Report passed on. It will be sent to the new body."}) }}{% endif %}
<span class="govuk-caption-l">{{ report.category }}</span>
<h1 class="govuk-heading-l">Report {{ report.id }} <strong class="govuk-tag {{ report.colour }}">{{ report.status }}</strong></h1>
<dl class="govuk-summary-list">
<div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">Description</dt><dd class="govuk-summary-list__value" id="description">{{ report.description }}</dd></div>
<div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">Location</dt><dd class="govuk-summary-list__value">{{ report.lat }}, {{ report.lon }}{% if report.address %}<br>{{ report.address }}{% endif %}</dd></div>
{% for code, values in report.answers | items %}<div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">{{ code }}</dt><dd class="govuk-summary-list__value">{{ values | join(", ") }}</dd></div>{% endfor %}
<div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">Made</dt><dd class="govuk-summary-list__value">{{ report.created_at }} ({{ report.source }})</dd></div>
<div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">Last changed</dt><dd class="govuk-summary-list__value">{{ report.updated_at }}</dd></div>
{% if report.has_photo %}<div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">Photo</dt><dd class="govuk-summary-list__value"><a class="govuk-link" href="{{ prefix }}/staff/reports/{{ report.id }}/photo">View the photo</a></dd></div>{% endif %}
</dl>
<h2 class="govuk-heading-m">Reporter</h2>
<p class="govuk-body govuk-!-font-weight-bold">Staff only: never shown publicly.</p>
<dl class="govuk-summary-list" id="reporter">
<div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">Name</dt><dd class="govuk-summary-list__value">{{ reporter.name or "Not given" }}</dd></div>
<div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">Email</dt><dd class="govuk-summary-list__value">{{ reporter.email or "Not given" }}</dd></div>
<div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">Phone</dt><dd class="govuk-summary-list__value">{{ reporter.phone or "Not given" }}</dd></div>
{% if reporter.account_id %}<div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">Account</dt><dd class="govuk-summary-list__value">{{ reporter.account_id }}</dd></div>{% endif %}
</dl>
<h2 class="govuk-heading-m">Sent to</h2>
<dl class="govuk-summary-list" id="destinations">
{% for d in destinations %}<div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">{{ d.body }}</dt><dd class="govuk-summary-list__value">
{{ d.service_code }} by {{ d.route }}: <strong>{{ d.state }}</strong>{% if d.sent_at %} at {{ d.sent_at }}{% endif %}{% if d.external_id %} (their reference {{ d.external_id }}){% endif %}
{% if d.failure %}<p class="govuk-body govuk-!-margin-top-2">Why it was not sent: <span class="reports-failure">{{ d.failure }}</span></p>{% endif %}</dd></div>{% endfor %}
</dl>
<table class="govuk-table" id="attempts">
<caption class="govuk-table__caption govuk-table__caption--s">Sending attempts</caption>
<thead class="govuk-table__head"><tr class="govuk-table__row"><th scope="col" class="govuk-table__header">To</th><th scope="col" class="govuk-table__header">What</th><th scope="col" class="govuk-table__header">State</th><th scope="col" class="govuk-table__header govuk-table__header--numeric">Attempts</th><th scope="col" class="govuk-table__header">Last error</th></tr></thead>
<tbody class="govuk-table__body">{% for a in attempts %}<tr class="govuk-table__row"><td class="govuk-table__cell">{{ a.to }}</td><td class="govuk-table__cell">{{ a.kind }}</td><td class="govuk-table__cell">{{ a.state }}</td><td class="govuk-table__cell govuk-table__cell--numeric">{{ a.attempts }}</td><td class="govuk-table__cell">{{ a.last_error or "" }}</td></tr>
{% else %}<tr class="govuk-table__row"><td class="govuk-table__cell" colspan="5">Nothing to send: handled inside Guildhall.</td></tr>{% endfor %}</tbody></table>
<h2 class="govuk-heading-m">Public updates</h2>
{% for u in updates %}<div class="govuk-inset-text"><p class="govuk-body-s">{{ u.created_at }} · {{ u.status }}{% if u.body %} · {{ u.body }}{% endif %}</p><p class="govuk-body">{{ u.description }}</p></div>
{% else %}<p class="govuk-body">No updates yet.</p>{% endfor %}

<h2 class="govuk-heading-m" id="change-status">Change the status</h2>
<form method="post" action="{{ prefix }}/staff/reports/{{ report.id }}/status" novalidate>
{{ csrf | safe }}
{{ govukRadios({"name": "status", "idPrefix": "status", "fieldset": {"legend": {"text": "Status", "classes": "govuk-fieldset__legend--s"}},
  "items": statuses, "errorMessage": errors["status"]}) }}
{{ govukTextarea({"name": "update", "id": "update", "label": {"text": "Public update", "classes": "govuk-label--s"},
  "hint": {"text": "Shown on the public report and emailed to the reporter."}, "value": update_text, "errorMessage": errors["update"]}) }}
{{ govukButton({"text": "Save and send update"}) }}
</form>

<h2 class="govuk-heading-m" id="reassign">Pass to another body</h2>
{% if targets %}
<form method="post" action="{{ prefix }}/staff/reports/{{ report.id }}/reassign" novalidate>
{{ csrf | safe }}
{% if froms | length == 1 %}<input type="hidden" name="from" value="{{ froms[0].value }}">
<p class="govuk-body">From {{ froms[0].text }}.</p>
{% else %}<div class="govuk-form-group{% if errors["from"] %} govuk-form-group--error{% endif %}">
<label class="govuk-label" for="from">Pass it from</label>
{% if errors["from"] %}{{ govukErrorMessage({"text": errors["from"].text, "id": "from-error"}) }}{% endif %}
<select class="govuk-select" id="from" name="from">{% for f in froms %}<option value="{{ f.value }}"{% if f.selected %} selected{% endif %}>{{ f.text }}</option>{% endfor %}</select></div>{% endif %}
<div class="govuk-form-group{% if errors["to"] %} govuk-form-group--error{% endif %}">
<label class="govuk-label" for="to">Pass it to</label>
<div class="govuk-hint" id="to-hint">The body and the category it reports under there. It will be sent to them again.</div>
{% if errors["to"] %}{{ govukErrorMessage({"text": errors["to"].text, "id": "to-error"}) }}{% endif %}
<select class="govuk-select{% if errors["to"] %} govuk-select--error{% endif %}" id="to" name="to" aria-describedby="to-hint{% if errors["to"] %} to-error{% endif %}">
<option value="">Choose a body</option>
{% for t in targets %}<option value="{{ t.value }}"{% if t.selected %} selected{% endif %}>{{ t.text }}</option>{% endfor %}
</select></div>
{{ govukButton({"text": "Pass it on", "classes": "govuk-button--secondary"}) }}
</form>
{% else %}<p class="govuk-body">The council has no other body to pass it to.</p>{% endif %}
</div></div>
"##;
