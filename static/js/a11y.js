// Site-wide help for keyboard and screen reader users; every page works without it.
// - After a failed submission, focus goes to an error summary whose links lead to the
//   fields. Pages that render their own summary (#error-summary, #form-errors) keep it;
//   forms that only mark their fields (aria-invalid) get one built from those marks.
// - A link to a group of fields (#item-12) puts the keyboard on its first field.
// - A message shown after a save is copied into a live region once the page has loaded,
//   so screen readers announce it instead of leaving it to be found.
(function () {
  "use strict";

  var main = document.getElementById("main");
  if (!main) { return; }

  function focusField(field) {
    if (!field) { return; }
    field.focus();
    if (field.scrollIntoView) { field.scrollIntoView({ block: "center" }); }
  }

  // A link to a field (or to a group of radios) focuses the field itself.
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("[data-error-summary] a[href^='#']");
    if (!link) { return; }
    var target = document.getElementById(decodeURIComponent(link.getAttribute("href").slice(1)));
    if (!target) { return; }
    if (!target.matches("input, select, textarea, button")) {
      target = target.querySelector("input:not([type=hidden]), select, textarea") || target;
    }
    event.preventDefault();
    focusField(target);
  });

  function labelFor(field) {
    var fieldset = field.closest("fieldset");
    if ((field.type === "radio" || field.type === "checkbox") && fieldset) {
      var legend = fieldset.querySelector("legend");
      if (legend && fieldset.querySelectorAll("input").length > 1) { return legend.textContent; }
    }
    var label = field.id && document.querySelector("label[for='" + field.id + "']");
    return label ? label.textContent : field.name;
  }

  function errorText(field) {
    var ids = (field.getAttribute("aria-describedby") || "").split(/\s+/);
    var fieldset = field.closest("fieldset[aria-describedby]");
    if (fieldset) { ids = ids.concat(fieldset.getAttribute("aria-describedby").split(/\s+/)); }
    for (var i = 0; i < ids.length; i += 1) {
      var node = ids[i] && document.getElementById(ids[i]);
      if (node && /error/.test(ids[i])) { return node.textContent; }
    }
    return "";
  }

  function clean(text) {
    return text.replace(/\*/g, "").replace(/\s+/g, " ").trim();
  }

  function buildSummary() {
    var fields = main.querySelectorAll("form [aria-invalid='true']");
    if (!fields.length) { return null; }
    var seen = {};
    var list = document.createElement("ul");
    list.className = "mb-0";
    fields.forEach(function (field) {
      var key = field.name || field.id;
      if (seen[key]) { return; }
      seen[key] = true;
      var item = document.createElement("li");
      var link = document.createElement("a");
      link.href = "#" + field.id;
      link.textContent = clean(labelFor(field));
      item.appendChild(link);
      var text = clean(errorText(field));
      if (text) { item.appendChild(document.createTextNode(": " + text)); }
      list.appendChild(item);
    });
    var summary = document.createElement("div");
    summary.className = "alert alert-danger error-summary";
    summary.id = "error-summary";
    summary.setAttribute("role", "alert");
    summary.setAttribute("tabindex", "-1");
    var heading = document.createElement("h2");
    heading.className = "h6";
    heading.textContent = main.getAttribute("data-error-title") || "";
    summary.appendChild(heading);
    summary.appendChild(list);
    var form = fields[0].closest("form");
    form.parentNode.insertBefore(summary, form);
    return summary;
  }

  var summary = document.getElementById("error-summary") || document.getElementById("form-errors");
  if (!summary) {
    summary = buildSummary();
  }
  if (!summary) {
    // Errors that belong to no one field (a wrong password) are summary enough.
    summary = main.querySelector("form .alert-danger");
    if (summary) {
      summary.setAttribute("tabindex", "-1");
      summary.setAttribute("role", "alert");
    }
  }
  if (summary) {
    if (!summary.id) { summary.id = "error-summary"; }
    summary.setAttribute("data-error-summary", "");
    summary.focus();
    return;
  }

  // Arriving at a group of fields by its address (a link from a summary on another
  // page) starts the keyboard there: on the chosen radio, or the group's first field.
  var landing = window.location.hash && document.getElementById(decodeURIComponent(window.location.hash.slice(1)));
  if (landing && landing.matches("fieldset, section")) {
    // After the browser's own scroll to the fragment, which would take the focus back.
    window.addEventListener("load", function () {
      window.setTimeout(function () {
        if (landing.contains(document.activeElement)) { return; }
        focusField(landing.querySelector("input:checked") ||
          landing.querySelector("input:not([type=hidden]), select, textarea"));
      }, 0);
    });
  }

  // Messages after a save: a live region that is empty when the page loads and filled
  // just after is what screen readers announce. The visible messages stay as they are
  // (a status region for anyone without this script) and give up their role to it.
  var region = main.querySelector("[data-announce]");
  if (region && region.textContent.trim()) {
    var announcer = document.createElement("div");
    announcer.className = "visually-hidden";
    announcer.id = "announcer";
    announcer.setAttribute("role", "status");
    announcer.setAttribute("aria-live", "polite");
    main.insertBefore(announcer, main.firstChild);
    region.removeAttribute("role");
    window.setTimeout(function () {
      announcer.textContent = region.textContent.replace(/\s+/g, " ").trim();
    }, 250);
  }
}());
