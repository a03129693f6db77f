// Tells the server the browser's time zone (a cookie scoring.local_time reads), so pages show
// times where the reader is; set on every page, sign-up included, and again if the zone moves.
(function () {
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  if (!zone) return;
  const cookie = "time_zone=" + encodeURIComponent(zone);
  if (document.cookie.split("; ").includes(cookie)) return;
  const secure = window.location.protocol === "https:" ? "; secure" : "";
  document.cookie = cookie + "; path=/; max-age=31536000; samesite=lax" + secure;
})();
