// The library pages' only script: propose the browser's time zone (pages work without it).
(function () {
  "use strict";
  var zone;
  try {
    zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  } catch (e) {
    return;
  }
  if (!zone) {
    return;
  }
  document.querySelectorAll("[data-tz-proposal]").forEach(function (form) {
    form.querySelector("[data-tz-value]").value = zone;
    form.querySelector("[data-tz-name]").textContent = zone;
    form.hidden = false;
  });
  var input = document.querySelector("[data-tz-default]");
  if (input && !input.value) {
    input.value = zone;
  }
})();
