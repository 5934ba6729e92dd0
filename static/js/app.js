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

  // A swapped-in form with errors: keys.js moves focus to its first invalid field.

  // --- Live updates -------------------------------------------------------------------
  // The socket pushes out-of-band fragments for every page; keep only those whose target
  // exists here, and never add an element (a message, a notification) that is already shown.
  var lastEventId = null;
  var socket = null;

  function oobTarget(el) {
    var spec = el.getAttribute("hx-swap-oob") || "true";
    var colon = spec.indexOf(":");
    if (colon >= 0) { return { style: spec.slice(0, colon), selector: spec.slice(colon + 1) }; }
    return { style: spec, selector: el.id ? "#" + CSS.escape(el.id) : null };
  }

  function keepFragment(el) {
    var target = oobTarget(el);
    if (!target.selector || !document.querySelector(target.selector)) { return false; }
    var appends = /^(beforeend|afterbegin|beforebegin|afterend)$/.test(target.style);
    if (appends) {
      // These insert the pushed element's children: skip any child already on the page.
      Array.prototype.slice.call(el.children).forEach(function (child) {
        if (child.id && document.getElementById(child.id)) { child.remove(); }
      });
      if (!el.children.length) { return false; }
    }
    return true;
  }

  htmx.defineExtension("dt-live", {
    transformResponse: function (text) {
      if (text.indexOf("hx-swap-oob") < 0) { return text; }
      var template = document.createElement("template");
      template.innerHTML = text;
      var children = Array.prototype.slice.call(template.content.children);
      children.forEach(function (el) {
        if (!el.hasAttribute("hx-swap-oob")) { return; }
        var id = el.getAttribute("data-event-id");
        if (id && !isNaN(parseInt(id, 10))) {
          lastEventId = Math.max(lastEventId || 0, parseInt(id, 10));
        }
        if (!keepFragment(el)) { el.remove(); }
      });
      return template.innerHTML;
    }
  });

  document.addEventListener("htmx:wsClose", function (event) {
    event.detail.elt.setAttribute("data-live", "closed");
  });

  // The server's first frame (the badges) comes once it has registered the socket: from then
  // on nothing pushed is missed (the tests wait for this mark, not only for the open socket).
  document.addEventListener("htmx:wsAfterMessage", function (event) {
    if (!event.detail.elt.hasAttribute("data-live-ready")) {
      event.detail.elt.setAttribute("data-live-ready", "");
    }
  });

  document.addEventListener("htmx:wsOpen", function (event) {
    event.detail.elt.setAttribute("data-live", "open");
    socket = event.detail.socketWrapper;
    if (lastEventId !== null) {
      // Back after a disconnect: ask for what we missed.
      socket.send(JSON.stringify({ type: "resume", last_event_id: lastEventId }));
    }
  });

  // Someone is typing: clear the line a few seconds after the last signal.
  var typingTimers = {};
  document.addEventListener("htmx:oobAfterSwap", function (event) {
    var el = event.detail.target;
    if (!el || !el.hasAttribute) { return; }
    if (el.hasAttribute("data-typing")) {
      clearTimeout(typingTimers[el.id]);
      typingTimers[el.id] = setTimeout(function () { el.textContent = ""; }, 5000);
    }
    // A message arrived in the conversation on screen: it is read now.
    var conversation = document.querySelector("[data-conversation-id]");
    if (el.classList && el.classList.contains("messages") && conversation && document.visibilityState === "visible") {
      var id = conversation.getAttribute("data-conversation-id");
      htmx.ajax("POST", "/messages/" + id + "/read", { swap: "none" });
    }
  });

  // Tell the others we are typing, at most every three seconds.
  var lastTyping = 0;
  document.addEventListener("input", function (event) {
    var box = event.target;
    if (!box.matches || !box.matches("[data-typing-conversation]") || !socket) { return; }
    var now = Date.now();
    if (now - lastTyping < 3000) { return; }
    lastTyping = now;
    socket.send(JSON.stringify({
      type: "typing",
      conversation_id: parseInt(box.getAttribute("data-typing-conversation"), 10)
    }));
  });

  // "Show N new posts": after loading them, start counting again.
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-posts-seen]");
    if (!button) { return; }
    if (socket) { socket.send(JSON.stringify({ type: "posts_seen" })); }
    setTimeout(function () {
      var banner = document.getElementById("new-posts");
      if (banner) { banner.innerHTML = ""; }
    }, 0);
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
