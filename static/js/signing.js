// Signing sessions: the session's page and the projector keep their count of who joined
// and signed up to date, asking the portal every few seconds. The count sits in a polite
// live region, so screen readers hear it change. Without JavaScript, reloading does the same.
(function () {
  "use strict";
  var count = document.querySelector("[data-count-url]");
  if (!count) { return; }
  var INTERVAL = 5000;
  var failures = 0;

  function check() {
    fetch(count.dataset.countUrl, {
      headers: { Accept: "application/json" },
      credentials: "same-origin",
      cache: "no-store",
    })
      .then(function (response) {
        return response.ok ? response.json() : Promise.reject(response.status);
      })
      .then(function (data) {
        failures = 0;
        if (count.textContent !== data.text) { count.textContent = data.text; }
        if (!data.ended) { window.setTimeout(check, INTERVAL); }
      })
      .catch(function () {
        failures += 1;
        // Signed out, or the server away: slow down, then stop.
        if (failures < 20) { window.setTimeout(check, INTERVAL * failures); }
      });
  }
  window.setTimeout(check, INTERVAL);
})();
