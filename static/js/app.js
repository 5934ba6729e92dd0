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

  // Keep "3 minutes ago" true while the page stays open; the exact time stays in the title.
  var units = [
    ["year", 31536000], ["month", 2592000], ["week", 604800],
    ["day", 86400], ["hour", 3600], ["minute", 60]
  ];
  var formatter = window.Intl && Intl.RelativeTimeFormat
    ? new Intl.RelativeTimeFormat(document.documentElement.lang || "en", { numeric: "auto" })
    : null;

  function refreshTimes(root) {
    if (!formatter) { return; }
    var now = Date.now();
    (root || document).querySelectorAll("time[data-relative]").forEach(function (el) {
      var seconds = (new Date(el.getAttribute("datetime")).getTime() - now) / 1000;
      if (isNaN(seconds)) { return; }
      if (Math.abs(seconds) < 45) { el.textContent = formatter.format(0, "second"); return; }
      for (var i = 0; i < units.length; i++) {
        if (Math.abs(seconds) >= units[i][1] || units[i][0] === "minute") {
          el.textContent = formatter.format(Math.round(seconds / units[i][1]), units[i][0]);
          return;
        }
      }
    });
  }
  setInterval(refreshTimes, 60000);
  document.addEventListener("htmx:load", function (event) { refreshTimes(event.detail.elt); });
})();
