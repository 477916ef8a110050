// Reports: say that a report is on its way while the next one loads (no layout change).
document.addEventListener("DOMContentLoaded", () => {
  const form = document.querySelector(".report-filters");
  if (!form) return;
  form.addEventListener("submit", () => {
    form.setAttribute("aria-busy", "true");
  });
});
