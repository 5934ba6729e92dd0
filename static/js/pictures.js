// Pictures in the composer: choose, drop or paste one, describe it, upload it (with a progress
// bar), and insert ![alt](url) where the cursor is. Plain script, loaded from our origin (CSP).
(function () {
  "use strict";

  var TYPES = ["image/png", "image/jpeg", "image/webp", "image/gif"];

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  function setup(tools) {
    if (tools.dataset.ready) { return; }
    tools.dataset.ready = "1";
    var textarea = document.getElementById(tools.dataset.for);
    if (!textarea) { return; }
    var input = tools.querySelector("[data-picture-input]");
    var dialog = tools.querySelector("[data-picture-dialog]");
    var altInput = dialog.querySelector("input[type=text]");
    var fileLabel = tools.querySelector("[data-picture-file]");
    var progressBox = tools.querySelector("[data-picture-progress]");
    var progress = progressBox.querySelector("progress");
    var status = tools.querySelector("[data-picture-status]");
    var messages = tools.querySelector("[data-picture-messages]").dataset;
    var maxBytes = parseInt(tools.dataset.maxBytes, 10);
    var pending = null;
    var cursor = { start: 0, end: 0 };
    tools.hidden = false;

    function say(text, isError) {
      status.textContent = text;
      status.classList.toggle("picture-error", !!isError);
    }

    function choose(file) {
      if (!file) { return; }
      if (TYPES.indexOf(file.type) < 0) { say(messages.notPicture, true); return; }
      if (file.size > maxBytes) { say(messages.tooLarge, true); return; }
      pending = file;
      cursor = { start: textarea.selectionStart, end: textarea.selectionEnd };
      fileLabel.textContent = file.name || "";
      altInput.value = "";
      say("");
      dialog.showModal();
      altInput.focus();
    }

    function insert(alt, url) {
      // Brackets and line breaks would end the Markdown image early.
      var clean = alt.replace(/[\[\]\\\r\n]/g, " ").trim();
      var text = "![" + clean + "](" + url + ")";
      textarea.focus();
      textarea.setSelectionRange(cursor.start, cursor.end);
      textarea.setRangeText(text, cursor.start, cursor.end, "end");
      // The preview (htmx) listens for input.
      textarea.dispatchEvent(new Event("input", { bubbles: true }));
    }

    function upload(file, alt) {
      var form = new FormData();
      form.append("file", file, file.name || "picture");
      form.append("alt", alt);
      var xhr = new XMLHttpRequest();
      xhr.open("POST", tools.dataset.uploadUrl);
      xhr.setRequestHeader("X-CSRFToken", csrfToken());
      xhr.setRequestHeader("Accept", "application/json");
      progress.value = 0;
      progress.textContent = "0%";
      progressBox.hidden = false;
      xhr.upload.addEventListener("progress", function (event) {
        if (event.lengthComputable) {
          var percent = Math.round((event.loaded / event.total) * 100);
          progress.value = percent;
          progress.textContent = percent + "%";
        }
      });
      xhr.addEventListener("load", function () {
        progressBox.hidden = true;
        var body = null;
        try { body = JSON.parse(xhr.responseText); } catch (ignored) { body = null; }
        if (xhr.status === 201 && body && body.url) {
          insert(alt, body.url);
          say(messages.done);
          return;
        }
        var error = body && body.error;
        var fieldMessages = error && error.fields && (error.fields.file || error.fields.alt);
        say((fieldMessages && fieldMessages[0]) || (error && error.message) || messages.failed, true);
      });
      xhr.addEventListener("error", function () {
        progressBox.hidden = true;
        say(messages.failed, true);
      });
      xhr.send(form);
    }

    function finish(confirmed) {
      var file = pending;
      pending = null;
      dialog.close();
      if (file && confirmed) {
        upload(file, altInput.value);
      } else {
        textarea.focus();
      }
    }

    dialog.querySelector("[data-picture-ok]").addEventListener("click", function () { finish(true); });
    dialog.querySelector("[data-picture-cancel]").addEventListener("click", function () { finish(false); });
    altInput.addEventListener("keydown", function (event) {
      // Enter would send the composer's form: here it confirms the picture.
      if (event.key === "Enter") { event.preventDefault(); finish(true); }
    });
    // Escape closes the dialog by itself: the picture is then dropped.
    dialog.addEventListener("cancel", function () { pending = null; });
    input.addEventListener("change", function () {
      choose(input.files[0]);
      input.value = "";
    });
    textarea.addEventListener("dragover", function (event) {
      if (event.dataTransfer && Array.prototype.indexOf.call(event.dataTransfer.types, "Files") >= 0) {
        event.preventDefault();
        textarea.classList.add("drop-target");
      }
    });
    textarea.addEventListener("dragleave", function () { textarea.classList.remove("drop-target"); });
    textarea.addEventListener("drop", function (event) {
      textarea.classList.remove("drop-target");
      var files = event.dataTransfer && event.dataTransfer.files;
      if (files && files.length) {
        event.preventDefault();
        choose(files[0]);
      }
    });
    textarea.addEventListener("paste", function (event) {
      var items = (event.clipboardData && event.clipboardData.items) || [];
      for (var i = 0; i < items.length; i++) {
        if (items[i].kind === "file" && TYPES.indexOf(items[i].type) >= 0) {
          event.preventDefault();
          choose(items[i].getAsFile());
          return;
        }
      }
    });
  }

  function setupAll(root) {
    Array.prototype.forEach.call(
      (root || document).querySelectorAll("[data-picture-tools]"), setup
    );
  }

  document.addEventListener("DOMContentLoaded", function () { setupAll(document); });
  // The composer comes back from htmx after a post (out of band): set the new one up too.
  document.addEventListener("htmx:load", function (event) { setupAll(event.target.parentNode || document); });
})();
