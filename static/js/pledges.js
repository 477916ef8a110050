// Forms marked data-once submit once: a double click does not post twice.
(function () {
  "use strict";
  document.querySelectorAll("form[data-once]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (form.dataset.submitted === "true") {
        event.preventDefault();
        return;
      }
      form.dataset.submitted = "true";
      form.querySelectorAll("button[type=submit]").forEach(function (button) {
        button.setAttribute("aria-disabled", "true");
        button.classList.add("disabled");
      });
    });
  });
  // After a failed submission, move focus to the error summary so it is announced.
  var summary = document.getElementById("form-errors");
  if (summary) {
    summary.focus();
  }
})();
