// A background job's page (templates/teach/job.html) without waiting for its refresh: polls the job's JSON
// every second, moves the progress bar and step along, and loads the page again (with the outcome) when the
// job ends. Without JavaScript the page's own refresh does the same, every few seconds.
(function () {
  "use strict";
  var box = document.querySelector("[data-job-status]");
  if (!box || box.getAttribute("data-job-done") === "true" || !window.fetch) { return; }
  var url = box.getAttribute("data-job-status");
  var bar = box.querySelector("progress");
  var count = box.querySelector(".job-count");
  var step = box.querySelector(".job-step");
  var status = box.querySelector(".job-status");
  var words = { queued: "Waiting to start", running: "Working" };
  function poll() {
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (job) {
        if (!job) { return; }
        if (job.status === "done" || job.status === "failed") { window.location.reload(); return; }
        if (bar) { bar.max = job.total; bar.value = job.progress; bar.textContent = job.progress + " of " + job.total; }
        if (count) { count.textContent = job.progress; }
        if (step) { step.textContent = job.step; }
        if (status && words[job.status]) { status.textContent = words[job.status]; }
        window.setTimeout(poll, 1000);
      })
      .catch(function () { window.setTimeout(poll, 3000); });
  }
  window.setTimeout(poll, 1000);
})();
