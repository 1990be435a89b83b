// Lanyard console: small progressive enhancements. Every page works without this file.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  // Destructive forms ask first.
  document.querySelectorAll("form[data-confirm]").forEach((form) => {
    form.addEventListener("submit", (event) => {
      if (!window.confirm(form.dataset.confirm)) event.preventDefault();
    });
  });

  // A job's live log: poll for new (already redacted) output until the job is final.
  const log = document.getElementById("log");
  if (log && log.dataset.job) {
    const status = document.getElementById("job-status");
    let after = -1;
    const poll = async () => {
      try {
        const response = await fetch(`/jobs/${encodeURIComponent(log.dataset.job)}/output?after=${after}`,
          { credentials: "same-origin", headers: { Accept: "application/json" } });
        if (!response.ok) return;
        const chunk = await response.json();
        if (chunk.text) {
          const atBottom = log.scrollTop + log.clientHeight >= log.scrollHeight - 8;
          log.append(document.createTextNode(chunk.text));
          if (atBottom) log.scrollTop = log.scrollHeight;
        }
        after = chunk.next;
        if (status) { status.textContent = chunk.status; status.className = `status ${chunk.status}`; }
        if (!chunk.done) setTimeout(poll, chunk.text ? 200 : 1000);
      } catch (_) {
        setTimeout(poll, 3000);
      }
    };
    poll();
  }
});
