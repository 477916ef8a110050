// The shared kiosk: nothing of one signer may stay for the next.
// - On the signing page, a while without a touch, a key or a scroll clears the screen:
//   the hidden reset form signs the signer out (the server then sends the start page).
// - On the start page, the page asks the server again after the idle period, which then
//   shows the kiosk as locked.
// - Pages are replaced in the history, and a page restored from the back-forward cache
//   is fetched again, so "Back" never shows an earlier signer's page.
(function () {
  "use strict";
  var body = document.body;
  var reset = document.getElementById("kiosk-reset");

  if (window.history && window.history.replaceState) {
    window.history.replaceState(null, "", window.location.href);
  }
  window.addEventListener("pageshow", function (event) {
    if (event.persisted) { window.location.reload(); }
  });

  function idleTimer(seconds, done) {
    var timer = null;
    function restart() {
      window.clearTimeout(timer);
      timer = window.setTimeout(done, seconds * 1000);
    }
    ["keydown", "pointerdown", "scroll", "input", "touchstart"].forEach(function (name) {
      window.addEventListener(name, restart, { passive: true });
    });
    restart();
  }

  var signer = parseInt(body.dataset.kioskSigner || "", 10);
  if (signer > 0 && reset) {
    idleTimer(signer, function () { reset.submit(); });
  }
  var idle = parseInt(body.dataset.kioskIdle || "", 10);
  if (idle > 0 && body.dataset.kioskReload) {
    idleTimer(idle + 5, function () { window.location.replace(body.dataset.kioskReload); });
  }
})();
