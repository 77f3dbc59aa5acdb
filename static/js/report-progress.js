/* Follows a report's job on its page: polls the status endpoint every 2 s, moves the
   progress bar, and reloads the page once the report has succeeded or failed (to show
   the preview and download, or the error and Retry). Without script, the page's
   <noscript> note offers a Refresh link instead. */
(function () {
  "use strict";

  var INTERVAL_MS = 2000;
  var MAX_FAILURES = 5;
  var root = document.querySelector("[data-report-status-url]");
  if (!root) {
    return;
  }
  var url = root.getAttribute("data-report-status-url");
  var bar = root.querySelector("[data-report-progress]");
  var text = root.querySelector("[data-report-progress-text]");
  var badge = root.querySelector("[data-report-status]");
  var pollError = root.querySelector("[data-report-poll-error]");
  var badgeClasses = {
    queued: "text-bg-secondary",
    running: "text-bg-info",
    succeeded: "text-bg-success",
    failed: "text-bg-danger"
  };
  var failures = 0;

  function show(data) {
    bar.value = data.progress;
    bar.textContent = data.progress + "%";
    text.textContent = data.progress + "%";
    badge.textContent = data.status;
    Object.keys(badgeClasses).forEach(function (status) {
      badge.classList.toggle(badgeClasses[status], status === data.status);
    });
    root.setAttribute("data-report-state", data.status);
  }

  function giveUp() {
    pollError.hidden = false;
  }

  function poll() {
    fetch(url, {
      credentials: "same-origin",
      cache: "no-store",
      headers: { Accept: "application/json" }
    })
      .then(function (response) {
        var type = response.headers.get("Content-Type") || "";
        // A redirect to the sign-in page (session over) or a 404 (access gone): stop.
        if (!response.ok || type.indexOf("application/json") !== 0) {
          throw new Error("status " + response.status);
        }
        return response.json();
      })
      .then(function (data) {
        failures = 0;
        show(data);
        if (data.finished) {
          window.location.reload();
          return;
        }
        window.setTimeout(poll, INTERVAL_MS);
      })
      .catch(function () {
        failures += 1;
        if (failures >= MAX_FAILURES) {
          giveUp();
          return;
        }
        window.setTimeout(poll, INTERVAL_MS * failures);
      });
  }

  window.setTimeout(poll, INTERVAL_MS);
})();
