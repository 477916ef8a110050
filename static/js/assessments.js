// Progressive enhancement for the assessment pages. Everything works without it.
(function () {
  "use strict";

  // Move focus to the error summary after a failed save so it is announced.
  var summary = document.getElementById("error-summary");
  if (summary) {
    summary.focus();
  }

  // Per-standard progress, updated as answers are chosen.
  var form = document.getElementById("assessment-form");
  if (form) {
    var updateProgress = function () {
      var counts = {};
      form.querySelectorAll("fieldset[data-item]").forEach(function (fieldset) {
        var standard = fieldset.getAttribute("data-standard");
        counts[standard] = counts[standard] || { done: 0, total: 0 };
        counts[standard].total += 1;
        if (fieldset.querySelector("input[type=radio]:checked")) {
          counts[standard].done += 1;
        }
      });
      Object.keys(counts).forEach(function (standard) {
        var el = document.querySelector('[data-progress-for="' + standard + '"]');
        if (!el) { return; }
        el.textContent = el.textContent.replace(/^\d+/, String(counts[standard].done));
        el.classList.toggle("is-complete", counts[standard].done === counts[standard].total);
      });
    };

    // The not-applicable reason shows only when "Not applicable" is chosen.
    var syncReason = function (fieldset) {
      var reason = fieldset.querySelector("[data-na-reason]");
      var na = fieldset.querySelector("input[data-na-toggle]");
      if (!reason || !na) { return; }
      var input = reason.querySelector("input");
      var show = na.checked || (input && input.value) || reason.querySelector(".field-error");
      reason.classList.toggle("is-hidden", !show);
    };
    form.querySelectorAll("fieldset[data-item]").forEach(syncReason);

    var dirty = false;
    form.addEventListener("change", function (event) {
      dirty = true;
      var fieldset = event.target.closest("fieldset[data-item]");
      if (fieldset) { syncReason(fieldset); }
      updateProgress();
    });
    form.addEventListener("input", function () { dirty = true; });
    form.addEventListener("submit", function () { dirty = false; });
    window.addEventListener("beforeunload", function (event) {
      if (dirty) {
        event.preventDefault();
        event.returnValue = form.getAttribute("data-unsaved-warning") || "";
      }
    });
  }

  // On the review page, say when the reviewer's rating is 2 or more points from the official's.
  document.querySelectorAll("select[data-review-rating]").forEach(function (select) {
    var fieldset = select.closest("fieldset");
    var note = fieldset && fieldset.querySelector("[data-gap-note]");
    var own = fieldset && parseInt(fieldset.getAttribute("data-official-rating"), 10);
    if (!note) { return; }
    select.addEventListener("change", function () {
      var mine = parseInt(select.value, 10);
      var gap = isNaN(mine) || isNaN(own) ? 0 : mine - own;
      note.textContent = "";
      fieldset.classList.toggle("has-gap", Math.abs(gap) >= 2);
      if (Math.abs(gap) >= 2) {
        var strong = document.createElement("strong");
        strong.className = "gap-flag";
        strong.textContent = note.getAttribute("data-gap-template").replace("__N__", (gap > 0 ? "+" : "") + gap);
        note.appendChild(strong);
      }
    });
  });
})();
