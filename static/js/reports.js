// Reports: say that a report is on its way while the next one loads, and offer a PDF
// prepared in the background as soon as it is ready (the status line is a live region).
document.addEventListener("DOMContentLoaded", () => {
  const form = document.querySelector(".report-filters");
  if (form) {
    form.addEventListener("submit", () => form.setAttribute("aria-busy", "true"));
  }

  document.querySelectorAll("[data-report-file]").forEach((item) => {
    const status = item.querySelector(".report-file-status");
    if (!status || status.querySelector("a") || status.querySelector(".text-danger")) return;
    let tries = 0;
    const check = () => {
      tries += 1;
      fetch(item.dataset.reportFile, { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then((response) => (response.ok ? response.json() : Promise.reject(response.status)))
        .then((data) => {
          if (data.status === "ready" && data.url) {
            const link = document.createElement("a");
            link.href = data.url;
            link.setAttribute("download", "");
            link.textContent = status.dataset.readyText || data.label;
            status.replaceChildren(link);
          } else if (data.status === "failed") {
            window.location.reload();
          } else if (tries < 60) {
            window.setTimeout(check, 2000);
          }
        })
        .catch(() => {});
    };
    window.setTimeout(check, 1500);
  });
});
