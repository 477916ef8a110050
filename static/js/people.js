// People pages: ask before destructive actions and stop double submissions.
// Loaded with `defer`; the server is still the guard (locks and constraints).
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement)) { return; }
    var question = form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
      return;
    }
    if (form.hasAttribute("data-submit-once")) {
      if (form.dataset.submitted === "true") {
        event.preventDefault();
        return;
      }
      form.dataset.submitted = "true";
      form.querySelectorAll("button[type=submit], input[type=submit]").forEach(function (button) {
        button.setAttribute("aria-disabled", "true");
      });
    }
  });
}());
