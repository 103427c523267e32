// Guildhall passkeys: progressive enhancement only. The passkey blocks are rendered hidden; this
// script shows them when the browser supports WebAuthn and runs the ceremony when the button is
// pressed: fetch options (POST, session token in X-CSRF-Token), call navigator.credentials, post
// the answer back, then follow the redirect the server gives. Without JavaScript nothing changes.
(function () {
  "use strict";
  if (!window.PublicKeyCredential || !navigator.credentials || !window.fetch) return;

  function toBytes(base64url) {
    var base64 = base64url.replace(/-/g, "+").replace(/_/g, "/");
    while (base64.length % 4) base64 += "=";
    var text = atob(base64);
    var bytes = new Uint8Array(text.length);
    for (var i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
    return bytes.buffer;
  }

  function toBase64url(buffer) {
    var bytes = new Uint8Array(buffer);
    var text = "";
    for (var i = 0; i < bytes.length; i++) text += String.fromCharCode(bytes[i]);
    return btoa(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function withBinaryIds(list) {
    return (list || []).map(function (c) { return Object.assign({}, c, { id: toBytes(c.id) }); });
  }

  function creationOptions(json) {
    var o = Object.assign({}, json.publicKey);
    o.challenge = toBytes(o.challenge);
    o.user = Object.assign({}, o.user, { id: toBytes(o.user.id) });
    o.excludeCredentials = withBinaryIds(o.excludeCredentials);
    return { publicKey: o };
  }

  function requestOptions(json) {
    var o = Object.assign({}, json.publicKey);
    o.challenge = toBytes(o.challenge);
    if (o.allowCredentials) o.allowCredentials = withBinaryIds(o.allowCredentials);
    return { publicKey: o };
  }

  function credentialJson(credential) {
    var r = credential.response;
    var response = { clientDataJSON: toBase64url(r.clientDataJSON) };
    if (r.attestationObject) {
      response.attestationObject = toBase64url(r.attestationObject);
    } else {
      response.authenticatorData = toBase64url(r.authenticatorData);
      response.signature = toBase64url(r.signature);
      if (r.userHandle) response.userHandle = toBase64url(r.userHandle);
    }
    return {
      id: credential.id,
      rawId: toBase64url(credential.rawId),
      type: credential.type,
      response: response,
      extensions: credential.getClientExtensionResults ? credential.getClientExtensionResults() : {},
    };
  }

  function post(url, token, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": token },
      body: JSON.stringify(body || {}),
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (json) {
        if (!response.ok) throw new Error(json.error || "Sorry, there is a problem with the service.");
        return json;
      });
    });
  }

  function run(block, button) {
    var error = block.querySelector("[data-passkey-error]");
    var token = block.getAttribute("data-csrf-token");
    var registering = block.getAttribute("data-passkey-action") === "register";
    error.hidden = true;
    button.disabled = true;
    post(block.getAttribute("data-options"), token)
      .then(function (options) {
        return registering
          ? navigator.credentials.create(creationOptions(options))
          : navigator.credentials.get(requestOptions(options));
      })
      .then(function (credential) {
        if (!credential) throw new Error("No passkey was chosen.");
        return post(block.getAttribute("data-finish"), token, {
          credential: credentialJson(credential),
          return_to: block.getAttribute("data-return-to"),
        });
      })
      .then(function (answer) { window.location.assign(answer.redirect); })
      .catch(function (e) {
        error.textContent = e && e.name === "NotAllowedError"
          ? "The passkey request was cancelled or timed out. Try again."
          : (e && e.message) || "The passkey could not be used. Try again.";
        error.hidden = false;
        button.disabled = false;
      });
  }

  function start() {
    document.querySelectorAll("[data-passkey-action]").forEach(function (block) {
      var button = block.querySelector("button");
      block.hidden = false;
      button.addEventListener("click", function () { run(block, button); });
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
