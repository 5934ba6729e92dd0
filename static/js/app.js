// DevThread page behaviour. Served from our own origin only (CSP: script-src 'self').
(function () {
  "use strict";

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  // htmx requests that are not form posts (buttons with hx-post) still need the CSRF token.
  document.addEventListener("htmx:configRequest", function (event) {
    event.detail.headers["X-CSRFToken"] = csrfToken();
  });

  // After a swapped-in form with errors, move focus to the first invalid field.
  document.addEventListener("htmx:afterSwap", function () {
    var invalid = document.querySelector('form [aria-invalid="true"]');
    if (invalid) {
      invalid.focus();
    }
  });
})();
