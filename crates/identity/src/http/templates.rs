//! The main content of the brick's pages, as jinja sources for `web::render_fragment`; each is
//! a `(name, source)` pair. Every form carries the anti-forgery token (`csrf`).

/// A heading and one paragraph (403, 429, notices).
pub const MESSAGE: (&str, &str) = (
    "identity/message",
    r#"<div class="govuk-grid-row"><div class="govuk-grid-column-two-thirds">
<h1 class="govuk-heading-l">{{ title }}</h1>
<p class="govuk-body">{{ message }}</p>
</div></div>"#,
);

/// The email form of the sign-in pages (citizen and staff).
pub const SIGN_IN: (&str, &str) = (
    "identity/sign-in",
    r#"{% from "govuk/components/input/macro.jinja" import govukInput %}
{% from "govuk/components/button/macro.jinja" import govukButton %}
<div class="govuk-grid-row"><div class="govuk-grid-column-two-thirds">
<h1 class="govuk-heading-l">{{ heading }}</h1>
<p class="govuk-body">{{ intro }}</p>
<form method="post" action="{{ action }}" novalidate>
{{ csrf | safe }}
{% if return_to %}<input type="hidden" name="return_to" value="{{ return_to }}">{% endif %}
{{ govukInput({
  "label": { "text": "Email address", "classes": "govuk-label--s" },
  "id": "email", "name": "email", "type": "email", "autocomplete": "email", "spellcheck": false,
  "value": email, "errorMessage": errors["email"]
}) }}
{{ govukButton({ "text": "Continue", "preventDoubleClick": true }) }}
</form>
{% if passkey %}
<div class="guildhall-passkey" data-passkey-action="sign-in" data-options="{{ passkey.options }}"
  data-finish="{{ passkey.finish }}" data-csrf-token="{{ passkey.csrf_token }}"{% if return_to %} data-return-to="{{ return_to }}"{% endif %} hidden>
<h2 class="govuk-heading-m">Sign in with a passkey</h2>
<p class="govuk-body">If you have added a passkey to your account, you can use it instead of a code.</p>
<p class="govuk-error-message" data-passkey-error role="alert" hidden></p>
<button type="button" class="govuk-button govuk-button--secondary" data-module="govuk-button">Sign in with a passkey</button>
</div>
<script src="/identity/passkeys.js" defer></script>
{% endif %}
{% if external %}
<h2 class="govuk-heading-m">Or use another account</h2>
<a href="{{ external.href }}" role="button" draggable="false" class="govuk-button govuk-button--secondary" data-module="govuk-button">Sign in with {{ external.label }}</a>
{% endif %}
</div></div>"#,
);

/// The code form.
pub const CODE: (&str, &str) = (
    "identity/code",
    r#"{% from "govuk/components/input/macro.jinja" import govukInput %}
{% from "govuk/components/button/macro.jinja" import govukButton %}
<div class="govuk-grid-row"><div class="govuk-grid-column-two-thirds">
<h1 class="govuk-heading-l">Check your email</h1>
<p class="govuk-body">We have sent a code to <strong>{{ email }}</strong>. It works for 15 minutes.</p>
<form method="post" action="{{ action }}" novalidate>
{{ csrf | safe }}
{{ govukInput({
  "label": { "text": "Enter the 6-digit code", "classes": "govuk-label--s" },
  "id": "code", "name": "code", "inputmode": "numeric", "autocomplete": "one-time-code", "spellcheck": false,
  "classes": "govuk-input--width-10", "value": code, "errorMessage": errors["code"]
}) }}
{{ govukButton({ "text": "Continue", "preventDoubleClick": true }) }}
</form>
<p class="govuk-body"><a class="govuk-link" href="{{ again }}">Not received it? Send a new code</a></p>
</div></div>"#,
);

/// The name form for a new account.
pub const NAME: (&str, &str) = (
    "identity/name",
    r#"{% from "govuk/components/input/macro.jinja" import govukInput %}
{% from "govuk/components/button/macro.jinja" import govukButton %}
<div class="govuk-grid-row"><div class="govuk-grid-column-two-thirds">
<form method="post" action="{{ action }}" novalidate>
{{ csrf | safe }}
{{ govukInput({
  "label": { "text": "What is your name?", "classes": "govuk-label--l", "isPageHeading": true },
  "hint": { "text": "Councils will use this name when they write to you." },
  "id": "name", "name": "name", "autocomplete": "name", "spellcheck": false,
  "value": name, "errorMessage": errors["name"]
}) }}
{{ govukButton({ "text": "Save and continue", "preventDoubleClick": true }) }}
</form>
</div></div>"#,
);

/// The account page.
pub const ACCOUNT: (&str, &str) = (
    "identity/account",
    r#"{% from "govuk/components/summary-list/macro.jinja" import govukSummaryList %}
{% from "govuk/components/button/macro.jinja" import govukButton %}
<div class="govuk-grid-row"><div class="govuk-grid-column-two-thirds">
<h1 class="govuk-heading-l">Your account</h1>
{{ govukSummaryList({ "rows": [
  { "key": { "text": "Name" }, "value": { "text": name },
    "actions": { "items": [{ "href": prefix ~ "/account/name", "text": "Change", "visuallyHiddenText": "name" }] } },
  { "key": { "text": "Email address" }, "value": { "text": email } }
] }) }}
<h2 class="govuk-heading-m">Passkeys</h2>
<p class="govuk-body">A passkey lets you sign in with your fingerprint, face or device PIN instead of a code. You can always sign in with a code sent to your email.</p>
{% if passkeys %}
<ul class="govuk-list" id="passkey-list">
{% for passkey in passkeys %}<li class="guildhall-passkey-item">
<p class="govuk-body govuk-!-margin-bottom-1"><strong>{{ passkey.name }}</strong></p>
<p class="govuk-body-s govuk-!-margin-bottom-2">Added {{ passkey.created_at }}{% if passkey.last_used_at %}, last used {{ passkey.last_used_at }}{% else %}, not used yet{% endif %}</p>
<form method="post" action="{{ prefix }}/account/passkeys/{{ passkey.id }}/remove" novalidate class="govuk-button-group">
{{ csrf | safe }}
<a class="govuk-link" href="{{ prefix }}/account/passkeys/{{ passkey.id }}/rename">Rename<span class="govuk-visually-hidden"> {{ passkey.name }}</span></a>
<button type="submit" class="govuk-button govuk-button--secondary" data-module="govuk-button">Remove<span class="govuk-visually-hidden"> {{ passkey.name }}</span></button>
</form>
</li>{% endfor %}
</ul>
{% else %}
<p class="govuk-body" id="passkey-list">You have not added a passkey.</p>
{% endif %}
{% if passkey %}
<div class="guildhall-passkey" data-passkey-action="register" data-options="{{ passkey.options }}"
  data-finish="{{ passkey.finish }}" data-csrf-token="{{ passkey.csrf_token }}" hidden>
<p class="govuk-error-message" data-passkey-error role="alert" hidden></p>
<button type="button" class="govuk-button" data-module="govuk-button">Add a passkey</button>
</div>
<script src="/identity/passkeys.js" defer></script>
{% endif %}
<h2 class="govuk-heading-m">Sign out everywhere</h2>
<p class="govuk-body">Sign out on every device where you are signed in, including this one.</p>
<form method="post" action="{{ prefix }}/account/sign-out-everywhere" novalidate>
{{ csrf | safe }}
{{ govukButton({ "text": "Sign out everywhere", "classes": "govuk-button--warning" }) }}
</form>
</div></div>"#,
);

/// The sign-out confirmation.
pub const SIGN_OUT: (&str, &str) = (
    "identity/sign-out",
    r#"{% from "govuk/components/button/macro.jinja" import govukButton %}
<div class="govuk-grid-row"><div class="govuk-grid-column-two-thirds">
<h1 class="govuk-heading-l">Sign out</h1>
{% if signed_in %}
<form method="post" action="{{ prefix }}/sign-out" novalidate>
{{ csrf | safe }}
{{ govukButton({ "text": "Sign out" }) }}
</form>
{% else %}
<p class="govuk-body">You are not signed in. <a class="govuk-link" href="{{ prefix }}/sign-in">Sign in</a></p>
{% endif %}
</div></div>"#,
);

/// The staff home page.
pub const STAFF_HOME: (&str, &str) = (
    "identity/staff-home",
    r#"{% from "govuk/components/summary-list/macro.jinja" import govukSummaryList %}
<div class="govuk-grid-row"><div class="govuk-grid-column-two-thirds">
<h1 class="govuk-heading-l">Staff home</h1>
{{ govukSummaryList({ "rows": [
  { "key": { "text": "Name" }, "value": { "text": name } },
  { "key": { "text": "Council" }, "value": { "text": council } },
  { "key": { "text": "Roles" }, "value": { "text": roles } }
] }) }}
{% if links %}
<h2 class="govuk-heading-m">Your work</h2>
<ul class="govuk-list govuk-list--spaced" id="staff-pages">
{% for link in links %}<li><a class="govuk-link" href="/{{ slug }}{{ link.path }}">{{ link.title }}</a><br><span class="govuk-body-s">{{ link.description }}</span></li>
{% endfor %}</ul>
{% endif %}
</div></div>"#,
);

/// The sandbox mailbox.
pub const DEV_EMAILS: (&str, &str) = (
    "identity/dev-emails",
    r#"<h1 class="govuk-heading-l">Sandbox mailbox</h1>
<p class="govuk-body">Email the sandbox sender has kept instead of sending, newest first. This page exists only in the demo.</p>
{% for email in emails %}
<div class="govuk-summary-card"><div class="govuk-summary-card__title-wrapper">
<h2 class="govuk-summary-card__title">{{ email.subject }}</h2></div>
<div class="govuk-summary-card__content">
<p class="govuk-body">To <span class="guildhall-email-to">{{ email.to }}</span> at {{ email.created_at }}</p>
<pre class="govuk-body guildhall-email-body">{{ email.body_text }}</pre>
</div></div>
{% else %}
<p class="govuk-body">No email yet.</p>
{% endfor %}"#,
);

/// The form that renames a passkey.
pub const RENAME_PASSKEY: (&str, &str) = (
    "identity/rename-passkey",
    r#"{% from "govuk/components/input/macro.jinja" import govukInput %}
{% from "govuk/components/button/macro.jinja" import govukButton %}
<div class="govuk-grid-row"><div class="govuk-grid-column-two-thirds">
<form method="post" action="{{ action }}" novalidate>
{{ csrf | safe }}
{{ govukInput({
  "label": { "text": "Rename your passkey", "classes": "govuk-label--l", "isPageHeading": true },
  "hint": { "text": "A name to tell your passkeys apart, like the device it is on." },
  "id": "name", "name": "name", "spellcheck": false, "value": name, "errorMessage": errors["name"]
}) }}
<div class="govuk-button-group">
{{ govukButton({ "text": "Save", "preventDoubleClick": true }) }}
<a class="govuk-link" href="{{ back }}">Cancel</a>
</div>
</form>
</div></div>"#,
);
