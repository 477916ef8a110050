// Records requests: while a bundle is being prepared, ask its status every few seconds and
// offer the download link as soon as it is ready, announced in the page's live region.
// Without JavaScript the page's Reload link does the same.
document.addEventListener("DOMContentLoaded", () => {
  const announcer = document.getElementById("bundle-announcer");
  const rows = document.querySelectorAll("[data-bundle-status]");
  const INTERVAL = 3000;
  const MAX_TRIES = 100; // about five minutes; then the Reload link is still there

  rows.forEach((row) => {
    const cell = row.querySelector(".bundle-status");
    if (!cell) return;
    let tries = 0;
    const show = (data) => {
      if (data.status === "ready" && data.url) {
        const link = document.createElement("a");
        link.href = data.url;
        link.textContent = cell.dataset.readyText;
        const when = document.createElement("span");
        when.className = "visually-hidden";
        when.textContent = ` ${cell.dataset.when}`;
        link.append(when);
        const until = document.createElement("span");
        until.className = "small";
        until.textContent = data.until;
        cell.replaceChildren(link, document.createElement("br"), until);
        if (announcer) announcer.textContent = announcer.dataset.readyText;
        return true;
      }
      if (data.status !== "pending") {
        cell.replaceChildren(document.createTextNode(data.label));
        if (data.error) {
          const error = document.createElement("span");
          error.className = "small";
          error.textContent = data.error;
          cell.append(document.createElement("br"), error);
        }
        if (announcer) announcer.textContent = data.label;
        return true;
      }
      return false;
    };
    const check = () => {
      tries += 1;
      fetch(row.dataset.bundleStatus, {
        headers: { Accept: "application/json" },
        credentials: "same-origin",
      })
        .then((response) => (response.ok ? response.json() : Promise.reject(response.status)))
        .then((data) => {
          if (!show(data) && tries < MAX_TRIES) window.setTimeout(check, INTERVAL);
        })
        .catch(() => {
          if (tries < MAX_TRIES) window.setTimeout(check, INTERVAL);
        });
    };
    window.setTimeout(check, INTERVAL);
  });
});
