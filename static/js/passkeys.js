// Passkeys: forms marked data-passkey="register" (settings) or "login" (login page).
// On submit: ask the server for WebAuthn options (a fresh challenge), let the browser's
// authenticator answer, put the answer (JSON) in the form's hidden "credential" field and send
// the form as usual. Messages come translated in the form's data-* attributes. Served from our own origin only (CSP: script-src 'self').
(function () {
  "use strict";

  if (window.__devthreadPasskeys) { return; } // the script may be included twice on a page
  window.__devthreadPasskeys = true;

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  function toBytes(b64url) {
    var b64 = b64url.replace(/-/g, "+").replace(/_/g, "/");
    var binary = atob(b64 + "===".slice((b64.length + 3) % 4));
    var bytes = new Uint8Array(binary.length);
    for (var i = 0; i < binary.length; i++) { bytes[i] = binary.charCodeAt(i); }
    return bytes.buffer;
  }

  function toB64url(buffer) {
    var bytes = new Uint8Array(buffer);
    var binary = "";
    for (var i = 0; i < bytes.length; i++) { binary += String.fromCharCode(bytes[i]); }
    return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function creationOptions(json) {
    if (PublicKeyCredential.parseCreationOptionsFromJSON) {
      return PublicKeyCredential.parseCreationOptionsFromJSON(json);
    }
    var options = Object.assign({}, json);
    options.challenge = toBytes(json.challenge);
    options.user = Object.assign({}, json.user, { id: toBytes(json.user.id) });
    options.excludeCredentials = (json.excludeCredentials || []).map(function (c) {
      return Object.assign({}, c, { id: toBytes(c.id) });
    });
    return options;
  }

  function requestOptions(json) {
    if (PublicKeyCredential.parseRequestOptionsFromJSON) {
      return PublicKeyCredential.parseRequestOptionsFromJSON(json);
    }
    var options = Object.assign({}, json);
    options.challenge = toBytes(json.challenge);
    options.allowCredentials = (json.allowCredentials || []).map(function (c) {
      return Object.assign({}, c, { id: toBytes(c.id) });
    });
    return options;
  }

  function credentialJSON(credential) {
    if (typeof credential.toJSON === "function") { return credential.toJSON(); }
    var r = credential.response;
    var response = { clientDataJSON: toB64url(r.clientDataJSON) };
    if (r.attestationObject) {
      response.attestationObject = toB64url(r.attestationObject);
      response.transports = r.getTransports ? r.getTransports() : [];
    } else {
      response.authenticatorData = toB64url(r.authenticatorData);
      response.signature = toB64url(r.signature);
      if (r.userHandle) { response.userHandle = toB64url(r.userHandle); }
    }
    return {
      id: credential.id,
      rawId: toB64url(credential.rawId),
      type: credential.type,
      response: response,
      clientExtensionResults: credential.getClientExtensionResults(),
      authenticatorAttachment: credential.authenticatorAttachment || null,
    };
  }

  function say(form, text) {
    var status = form.querySelector(".passkey-status");
    if (status) { status.textContent = text; }
  }

  function ask(form) {
    var kind = form.getAttribute("data-passkey");
    return fetch(form.getAttribute("data-options"), {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken(), Accept: "application/json" },
    })
      .then(function (response) {
        if (!response.ok) { throw new Error("options " + response.status); }
        return response.json();
      })
      .then(function (json) {
        if (kind === "register") {
          return navigator.credentials.create({ publicKey: creationOptions(json) });
        }
        return navigator.credentials.get({ publicKey: requestOptions(json) });
      });
  }

  function setUp(form) {
    var button = form.querySelector('button[type="submit"]');
    if (!window.PublicKeyCredential || !navigator.credentials) {
      say(form, form.getAttribute("data-unsupported") || "");
      return;
    }
    if (button) { button.hidden = false; }
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (button) { button.disabled = true; }
      say(form, form.getAttribute("data-waiting") || "");
      var remember = form.getAttribute("data-remember");
      if (remember && form.elements.remember) {
        var box = document.querySelector(remember);
        form.elements.remember.value = box && box.checked ? "y" : "";
      }
      ask(form)
        .then(function (credential) {
          form.elements.credential.value = JSON.stringify(credentialJSON(credential));
          form.submit(); // a plain submission: no second "submit" event
        })
        .catch(function () {
          if (button) { button.disabled = false; }
          say(form, form.getAttribute("data-failed") || "");
        });
    });
  }

  function start() {
    document.querySelectorAll("form[data-passkey]").forEach(setUp);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
