// After "Got it" the home page opens at #main: move the keyboard focus there as well, so
// a screen reader goes on from the page's content instead of the top of the page.
(function () {
  "use strict";
  if (window.location.hash !== "#main") { return; }
  var main = document.getElementById("main");
  if (main) { main.focus(); }
})();
