// Register DevThread's service worker (templates/pwa/sw.js): the site keeps working offline
// and can be installed. Its address comes from the page (the manifest link), its scope is /.
(function () {
  "use strict";
  var link = document.querySelector("link[rel=manifest][data-service-worker]");
  if (!link || !("serviceWorker" in navigator)) { return; }
  window.addEventListener("load", function () {
    navigator.serviceWorker
      .register(link.getAttribute("data-service-worker"), { scope: "/" })
      .catch(function () { /* no worker (private window, old browser): the site works as before */ });
  });
})();
