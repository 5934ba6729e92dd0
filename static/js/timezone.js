// The browser's time zone for the pages' times (app/i18n.py): kept in the "tz" cookie, which
// the server reads when the account has not chosen a zone. Changed only when it differs.
(function () {
  "use strict";
  var zone;
  try {
    zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  } catch (error) {
    return;
  }
  if (!zone || !/^[A-Za-z0-9_+\-\/]{1,64}$/.test(zone)) return;
  var current = document.cookie.match(/(?:^|;\s*)tz=([^;]*)/);
  if (current && current[1] === zone) return;
  var secure = location.protocol === "https:" ? "; Secure" : "";
  document.cookie =
    "tz=" + zone + "; Path=/; Max-Age=31536000; SameSite=Lax" + secure;
})();
