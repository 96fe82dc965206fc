// The idle timeout of the session (iiz/middleware.py): a minute before it ends the warning
// (templates/_session_warning.html) appears with a button that keeps the session alive
// (POST to the keep-alive address); when it has ended, the page reloads and the server shows
// the login page. Activity in another tab counts too: each page load and each htmx request
// is noted in localStorage.
(() => {
  const KEY = "iiz-session-last-activity";
  const WARN_BEFORE = 60 * 1000;
  let form, idle, timer;

  const now = () => Date.now();
  const lastActivity = () => Math.max(Number(window.localStorage.getItem(KEY)) || 0, started);
  const started = now();
  const noteActivity = () => {
    try { window.localStorage.setItem(KEY, String(now())); } catch (error) { /* private mode: this tab only */ }
    schedule();
  };

  function schedule() {
    window.clearTimeout(timer);
    const ends = lastActivity() + idle;
    const left = ends - now();
    if (left <= 0) {
      window.location.reload();
    } else if (left <= WARN_BEFORE) {
      form.hidden = false;
      timer = window.setTimeout(schedule, Math.min(left, 5000));
    } else {
      form.hidden = true;
      timer = window.setTimeout(schedule, Math.min(left - WARN_BEFORE, 30000));
    }
  }

  document.addEventListener("DOMContentLoaded", () => {
    form = document.getElementById("session-warning");
    if (!form) return;  // not signed in
    idle = Number(form.dataset.idleSeconds) * 1000;
    if (!idle) return;
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      try {
        const response = await fetch(form.action, { method: "POST", body: new FormData(form), credentials: "same-origin" });
        if (response.status !== 204) { window.location.reload(); return; }
      } catch (error) {
        return;  // offline: the warning stays
      }
      noteActivity();
    });
    document.body.addEventListener("htmx:afterRequest", noteActivity);
    noteActivity();
  });
})();
