// DevThread keyboard support: shortcuts, focus kept across htmx swaps, and one live region.
// Served from our own origin only (CSP: script-src 'self').
(function () {
  "use strict";

  var FOCUSABLE = "a[href], button, input:not([type=hidden]), select, textarea, summary, [tabindex]";

  function reducedMotion() {
    return window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  }

  function visible(el) {
    return !!(el && el.isConnected && el.getClientRects().length);
  }

  // Focus an element that may not be focusable by itself (an article, a status line).
  function focusElement(el, options) {
    if (!el) { return false; }
    if (!el.matches(FOCUSABLE) || el.disabled) { el.setAttribute("tabindex", "-1"); }
    el.focus(options);
    return document.activeElement === el;
  }

  // --- The sticky header: focused elements must not hide under it -------------------------
  // scroll-padding-top (app.css) reads this; the header wraps to two lines on narrow screens.
  function measureHeader() {
    var header = document.querySelector(".site-header");
    if (!header) { return; }
    var height = Math.ceil(header.getBoundingClientRect().height);
    document.documentElement.style.setProperty("--header-height", height + "px");
  }

  // --- Focus across htmx swaps ----------------------------------------------------------
  // htmx keeps focus only on an element with an id that comes back. Buttons without ids
  // (reactions, bookmark, follow, Post, Comment, Reply, Send report) lost focus to <body>:
  // remember where focus was (an id, a data-focus key, or its place inside the nearest
  // element with an id) and put it back there, or on what replaced it.
  var remembered = null;
  var restoreQueued = false;

  function placeOf(el) {
    if (!el || el === document.body || !el.isConnected) { return null; }
    var place = { id: el.id || null, key: el.getAttribute("data-focus"), anchor: null, index: -1 };
    var form = el.closest("form");
    place.form = form && form.id ? form.id : null;
    var anchor = el.parentElement && el.parentElement.closest("[id]");
    if (anchor) {
      place.anchor = anchor.id;
      place.index = Array.prototype.indexOf.call(anchor.querySelectorAll(FOCUSABLE), el);
    }
    place.seen = el.hasAttribute("data-posts-seen");
    return place;
  }

  function remember() {
    var place = placeOf(document.activeElement);
    if (place) { remembered = place; }
  }

  function byId(id) { return id ? document.getElementById(id) : null; }

  function restoreTo(place) {
    var target = byId(place.id) || (place.key && document.querySelector('[data-focus="' + CSS.escape(place.key) + '"]'));
    if (visible(target) && focusElement(target)) { return true; }
    var anchor = byId(place.anchor);
    var again = anchor ? anchor.querySelectorAll(FOCUSABLE)[place.index] : null;
    if (again && visible(again) && focusElement(again)) { return true; }
    if (place.seen) {
      // "Show N new posts" was pressed: the banner is empty, the first new post is where to read on.
      return focusElement(document.querySelector("#feed-items article.post"));
    }
    if (!anchor) { return false; }
    if (again) {
      // Inside a disclosure that closed after sending (a reply): its summary.
      var details = again.closest("details");
      var summary = details && details.querySelector("summary");
      if (visible(summary) && focusElement(summary)) { return true; }
    }
    // Replaced by something else (a report form by its thank-you line): focus that.
    return focusElement(anchor);
  }

  function focusFirstInvalid(scopes) {
    for (var i = 0; i < scopes.length; i++) {
      var scope = scopes[i];
      if (!scope || !scope.querySelector) { continue; }
      var invalid = scope.matches('[aria-invalid="true"]') ? scope : scope.querySelector('[aria-invalid="true"]');
      if (invalid && visible(invalid)) { invalid.focus(); return true; }
    }
    return false;
  }

  function queueRestore(swapped) {
    if (restoreQueued) { return; }
    restoreQueued = true;
    // After every element of the swap has settled (htmx's own autofocus runs in the settle).
    setTimeout(function () {
      restoreQueued = false;
      var place = remembered;
      remembered = null;
      // A form that came back with errors: its first invalid field, in that form only.
      var scopes = [place && byId(place.form), swapped];
      if (place && focusFirstInvalid(scopes)) { return; }
      var active = document.activeElement;
      if (place && (!active || active === document.body || !active.isConnected)) {
        restoreTo(place);
      }
    }, 0);
  }

  // Where focus was when the request left (the control may be gone by the answer: "Show N new
  // posts" empties its banner at once), updated just before the swap if focus moved meanwhile.
  document.addEventListener("htmx:beforeRequest", function () { remembered = placeOf(document.activeElement); });
  document.addEventListener("htmx:beforeSwap", remember);
  document.addEventListener("htmx:oobBeforeSwap", function () {
    if (!remembered) { remember(); }
  });
  document.addEventListener("htmx:afterSettle", function (event) { queueRestore(event.target); });
  document.addEventListener("htmx:oobAfterSwap", function (event) {
    if (remembered) { queueRestore(event.detail && event.detail.target); }
  });

  // --- One live region per page -----------------------------------------------------------
  // A swapped-in element may ask for a line to be read out (data-announce): the page's one
  // #live-announcer changes its text; a new region element is often not read at all.
  function announce(text) {
    var region = document.getElementById("live-announcer");
    if (!region || !text) { return; }
    region.textContent = "";
    setTimeout(function () { region.textContent = text; }, 50);
  }
  document.addEventListener("htmx:afterSettle", function (event) {
    var el = event.target;
    if (!el || !el.querySelector) { return; }
    var source = el.hasAttribute("data-announce") ? el : el.querySelector("[data-announce]");
    if (source) { announce(source.getAttribute("data-announce")); }
  });

  // --- Shortcuts --------------------------------------------------------------------------
  function typing(event) {
    var el = event.target;
    if (!el || !el.closest) { return false; }
    return !!el.closest("input, textarea, select, [contenteditable]:not([contenteditable=false])");
  }

  function posts() {
    return Array.prototype.slice.call(document.querySelectorAll("#main article.post"));
  }

  function currentPost() {
    var active = document.activeElement;
    var post = active && active.closest ? active.closest("article.post") : null;
    if (post) { return post; }
    var all = posts();
    return all.length === 1 ? all[0] : null;
  }

  function movePost(step) {
    var all = posts();
    if (!all.length) { return; }
    var active = document.activeElement;
    var here = active && active.closest ? all.indexOf(active.closest("article.post")) : -1;
    var next = here < 0 ? (step > 0 ? 0 : all.length - 1) : Math.min(Math.max(here + step, 0), all.length - 1);
    var post = all[next];
    focusElement(post, { preventScroll: true });
    post.scrollIntoView({ block: "start", behavior: reducedMotion() ? "auto" : "smooth" });
  }

  function react() {
    var post = currentPost();
    var button = post && post.querySelector(".reaction-bar button");
    if (!button) { return; }
    if (!post.contains(document.activeElement)) { focusElement(post, { preventScroll: true }); }
    button.click();
  }

  function comment() {
    var box = document.querySelector("#comments > form.comment-form textarea");
    if (box && visible(box)) { box.focus(); return; }
    var comments = document.getElementById("comments");
    if (comments) {
      // The post's page, signed out: the discussion (and its "Log in" link) is where to go.
      focusElement(comments);
      return;
    }
    var post = currentPost();
    var link = post && post.querySelector('a[href$="#comments"]');
    if (!link) { return; }
    // Open the post's page and focus its comment field there (without the #comments fragment:
    // Chromium's scroll to a fragment takes the focus away again).
    sessionStorage.setItem("dt-focus", "comment");
    window.location.assign(link.getAttribute("href").split("#")[0]);
  }

  function compose() {
    var box = document.querySelector("#composer textarea");
    if (box && visible(box)) { box.focus(); return; }
    if (document.getElementById("live-socket")) {
      sessionStorage.setItem("dt-focus", "composer");
      window.location.assign("/");
    }
  }

  function search() {
    var box = document.querySelector('#main input[type="search"], #q');
    if (box && visible(box)) { box.focus(); box.select(); return; }
    window.location.assign("/search");
  }

  var helpOpener = null;

  function openHelp() {
    var dialog = document.getElementById("shortcuts-dialog");
    if (!dialog || dialog.open) { return; }
    helpOpener = document.activeElement;
    dialog.showModal();
  }

  document.addEventListener("close", function (event) {
    if (event.target.id !== "shortcuts-dialog") { return; }
    if (helpOpener && helpOpener.isConnected && helpOpener !== document.body) { helpOpener.focus(); }
    helpOpener = null;
  }, true);

  var actions = { j: function () { movePost(1); }, k: function () { movePost(-1); }, r: react,
                  c: comment, n: compose, "/": search, "?": openHelp };

  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") { closeDisclosure(event); return; }
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey || event.isComposing) { return; }
    if (typing(event) || document.querySelector("dialog[open]")) { return; }
    var action = actions[event.key];
    if (!action) { return; }
    event.preventDefault();
    action();
  });

  // Escape closes the open disclosure (Reply, Edit, Report...) holding focus, back on its summary.
  function closeDisclosure(event) {
    if (event.defaultPrevented || document.querySelector("dialog[open]")) { return; }
    var active = document.activeElement;
    var details = active && active.closest ? active.closest("details[open]") : null;
    if (!details) { return; }
    details.open = false;
    var summary = details.querySelector("summary");
    if (summary) { summary.focus(); }
    event.preventDefault();
  }

  // --- On load ----------------------------------------------------------------------------
  function onLoad() {
    measureHeader();
    window.addEventListener("resize", measureHeader);
    var wanted = sessionStorage.getItem("dt-focus");
    sessionStorage.removeItem("dt-focus");
    var box = null;
    if (wanted === "comment") { box = document.querySelector("#comments > form.comment-form textarea"); }
    if (wanted === "composer") { box = document.querySelector("#composer textarea"); }
    // A page sent back with errors (no JavaScript swap): its first invalid field.
    if (!box) { box = document.querySelector('#main form [aria-invalid="true"]'); }
    if (box && visible(box)) { box.focus(); }
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", onLoad);
  } else {
    onLoad();
  }
})();
