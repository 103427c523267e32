//! The main content of the consent pages, as `(name, source)` pairs for `web::render_fragment`.
//! Every form carries the anti-forgery token (`csrf`); everything not marked safe is escaped.

/// The request page: who asks, what it will read, why, until when; Agree or Decline.
pub const REQUEST: (&str, &str) = (
    "consent/request",
    r#"{% from "govuk/components/summary-list/macro.jinja" import govukSummaryList %}
{% from "govuk/components/radios/macro.jinja" import govukRadios %}
{% from "govuk/components/button/macro.jinja" import govukButton %}
{% from "govuk/components/tag/macro.jinja" import govukTag %}
<div class="govuk-grid-row"><div class="govuk-grid-column-two-thirds">
{% set what %}{% for scope in grant.scopes %}<p class="govuk-body">{{ scope.register }}:</p>
<ul class="govuk-list govuk-list--bullet">{% for field in scope.fields %}<li>{{ field }}</li>{% endfor %}</ul>{% endfor %}{% endset %}
{% if grant.pending %}
<h1 class="govuk-heading-l">{{ grant.who }} is asking to see your information</h1>
<p class="govuk-body">It can only see what is listed here, only for the reason given, and only until the date shown.
You can change your mind at any time on your <a class="govuk-link" href="{{ your_data }}">Your data</a> page.</p>
{{ govukSummaryList({ "rows": [
  { "key": { "text": "Who is asking" }, "value": { "text": grant.who } },
  { "key": { "text": "What it will see" }, "value": { "html": what } },
  { "key": { "text": "Why" }, "value": { "text": grant.purpose } },
  { "key": { "text": "Until" }, "value": { "text": until_if_agreed ~ ", if you agree now (" ~ grant.until ~ ")" } }
] }) }}
<form method="post" action="{{ action }}" novalidate>
{{ csrf | safe }}
{{ govukRadios({
  "name": "decision",
  "fieldset": { "legend": { "text": "Do you agree to share this information?", "classes": "govuk-fieldset__legend--m" } },
  "items": [
    { "value": "agree", "text": "Yes, I agree" },
    { "value": "decline", "text": "No, I do not agree" }
  ],
  "errorMessage": errors["decision"]
}) }}
{{ govukButton({ "text": "Continue", "preventDoubleClick": true }) }}
</form>
{% else %}
<h1 class="govuk-heading-l">You have answered this request</h1>
{{ govukSummaryList({ "rows": [
  { "key": { "text": "Who asked" }, "value": { "text": grant.who } },
  { "key": { "text": "What it can see" }, "value": { "html": what } },
  { "key": { "text": "Why" }, "value": { "text": grant.purpose } },
  { "key": { "text": "Status" }, "value": { "html": govukTag({ "text": grant.state, "classes": grant.tag_class }) } }
] }) }}
<p class="govuk-body"><a class="govuk-link" href="{{ return_to }}">Continue</a></p>
<p class="govuk-body">You can see and revoke your permissions on your <a class="govuk-link" href="{{ your_data }}">Your data</a> page.</p>
{% endif %}
</div></div>"#,
);

/// "Your data": every grant with a Revoke button, and every read of the citizen's data.
pub const YOUR_DATA: (&str, &str) = (
    "consent/your-data",
    r#"{% from "govuk/components/button/macro.jinja" import govukButton %}
{% from "govuk/components/tag/macro.jinja" import govukTag %}
<h1 class="govuk-heading-l">Your data</h1>
<p class="govuk-body">Council services read registers about you only with your permission. Here is every
permission you have been asked for, and every time your information was read or someone tried to read it.</p>
<h2 class="govuk-heading-m" id="permissions">Permissions you have given</h2>
{% if grants %}
<table class="govuk-table" aria-labelledby="permissions" id="grants">
<thead class="govuk-table__head"><tr class="govuk-table__row">
<th scope="col" class="govuk-table__header">Service</th>
<th scope="col" class="govuk-table__header">What it can see</th>
<th scope="col" class="govuk-table__header">Why</th>
<th scope="col" class="govuk-table__header">Status</th>
<th scope="col" class="govuk-table__header">Until</th>
<th scope="col" class="govuk-table__header"><span class="govuk-visually-hidden">Action</span></th>
</tr></thead>
<tbody class="govuk-table__body">
{% for grant in grants %}
<tr class="govuk-table__row" id="grant-{{ grant.id }}" data-state="{{ grant.state_code }}">
<td class="govuk-table__cell">{{ grant.who }}</td>
<td class="govuk-table__cell">{% for scope in grant.scopes %}{{ scope.register }}: {{ scope.fields | join(", ") }}{% if not loop.last %}<br>{% endif %}{% endfor %}</td>
<td class="govuk-table__cell">{{ grant.purpose }}</td>
<td class="govuk-table__cell">{{ govukTag({ "text": grant.state, "classes": grant.tag_class }) }}</td>
<td class="govuk-table__cell">{{ grant.until }}</td>
<td class="govuk-table__cell">
{% if grant.revocable %}
<form method="post" action="{{ grant.revoke_action }}" novalidate>
{{ csrf | safe }}
{{ govukButton({ "html": "Revoke<span class=\"govuk-visually-hidden\"> permission for " ~ (grant.who | e) ~ "</span>", "classes": "govuk-button--warning govuk-!-margin-bottom-0" }) }}
</form>
{% elif grant.pending %}
<a class="govuk-link" href="{{ grant.answer_href }}">Answer<span class="govuk-visually-hidden"> the request from {{ grant.who }}</span></a>
{% endif %}
</td>
</tr>
{% endfor %}
</tbody>
</table>
{% else %}
<p class="govuk-body">No service has asked to see your information.</p>
{% endif %}
<h2 class="govuk-heading-m" id="reads">Who has looked at your information</h2>
{% if reads %}
<p class="govuk-body">Newest first{% if reads | length >= limit %}, the latest {{ limit }}{% endif %}.</p>
<table class="govuk-table" aria-labelledby="reads" id="access-log">
<thead class="govuk-table__head"><tr class="govuk-table__row">
<th scope="col" class="govuk-table__header">When</th>
<th scope="col" class="govuk-table__header">Who</th>
<th scope="col" class="govuk-table__header">Register and record</th>
<th scope="col" class="govuk-table__header">Which information</th>
<th scope="col" class="govuk-table__header">Why</th>
<th scope="col" class="govuk-table__header">Result</th>
</tr></thead>
<tbody class="govuk-table__body">
{% for read in reads %}
<tr class="govuk-table__row" data-outcome="{{ "allowed" if read.allowed else "refused" }}">
<td class="govuk-table__cell">{{ read.when }}</td>
<td class="govuk-table__cell">{{ read.who }}</td>
<td class="govuk-table__cell">{{ read.register }}, record {{ read.key }}</td>
<td class="govuk-table__cell">{{ read.fields | join(", ") }}</td>
<td class="govuk-table__cell">{{ read.purpose }}</td>
<td class="govuk-table__cell">{% if read.allowed %}{{ govukTag({ "text": "Allowed", "classes": "govuk-tag--green" }) }}{% else %}{{ govukTag({ "text": "Refused", "classes": "govuk-tag--red" }) }} <span class="govuk-body-s">{{ read.reason }}</span>{% endif %}</td>
</tr>
{% endfor %}
</tbody>
</table>
{% else %}
<p class="govuk-body">Nobody has read your information.</p>
{% endif %}"#,
);
