// Tells renraku which parts of a bulletin video this person played, for their viewing
// record (renraku/bulletin/video.py): every <video data-progress-url="…"> reports the
// ranges of its `played` TimeRanges (the browser's own union of what was played; a seek
// ahead adds nothing) that grew since the last report. At most every REPORT_MS while
// playing, and at once on pause, end and when the page is hidden or left, so closing
// the tab mid-video loses nothing that was played. No inline script: the
// Content-Security-Policy allows only our own files.
(function () {
  "use strict";

  const REPORT_MS = 12000;
  // Shorter than this is a tap on the seek bar, not watching.
  const MIN_RANGE_S = 0.5;

  // As renraku.js: Django's CSRF cookie, else the token the page gives htmx.
  function csrfToken() {
    const match = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
    if (match) return decodeURIComponent(match[1]);
    try {
      return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || "";
    } catch (error) {
      return "";
    }
  }

  function send(url, body, leaving) {
    // Leaving the page: a beacon outlives it in every browser (fetch's keepalive only in
    // recent Firefox). A beacon cannot carry headers, so the token goes in the form.
    if (leaving && navigator.sendBeacon) {
      body.set("csrfmiddlewaretoken", csrfToken());
      const queued = navigator.sendBeacon(url, body);
      return queued ? Promise.resolve() : Promise.reject(new Error("beacon refused"));
    }
    return fetch(url, {
      method: "POST",
      headers: {"X-CSRFToken": csrfToken()},
      body: body,
      credentials: "same-origin",
      keepalive: true,
    }).then((response) => {
      // A 400 would only come again; anything else (offline, a restart) is worth a retry.
      if (!response.ok && response.status !== 400) throw new Error(`progress ${response.status}`);
    });
  }

  function track(video) {
    const url = video.dataset.progressUrl;
    const reported = new Map(); // a range's start (to 0.1 s) → the end already reported
    let last = 0;

    function report(leaving) {
      last = Date.now();
      const duration = Number.isFinite(video.duration) && video.duration > 0 ? video.duration : 0;
      const played = video.played;
      for (let i = 0; i < played.length; i++) {
        const start = played.start(i);
        const end = played.end(i);
        const key = start.toFixed(1);
        const before = reported.get(key);
        if (end - start < MIN_RANGE_S || (before !== undefined && before >= end - 0.25)) continue;
        const body = new URLSearchParams({start: start.toFixed(3), end: end.toFixed(3)});
        if (duration) body.set("duration", duration.toFixed(3));
        reported.set(key, end);
        send(url, body, leaving).catch((error) => {
          // Sent again with the next report.
          if (before === undefined) reported.delete(key);
          else reported.set(key, before);
          console.error("renraku: video progress not recorded", error);
        });
      }
    }

    video.addEventListener("timeupdate", () => {
      if (!video.paused && Date.now() - last >= REPORT_MS) report(false);
    });
    video.addEventListener("pause", () => report(false));
    video.addEventListener("ended", () => report(false));
    // A phone often never fires pagehide (the app is swiped away): hidden is the last
    // moment a page can be sure to run.
    document.addEventListener("visibilitychange", () => {
      if (document.visibilityState === "hidden") report(true);
    });
    window.addEventListener("pagehide", () => report(true));
  }

  const tracked = new WeakSet();

  function start(root) {
    const selector = "video[data-progress-url]";
    const videos = [...root.querySelectorAll(selector)];
    if (root.matches && root.matches(selector)) videos.push(root);
    for (const video of videos) {
      if (tracked.has(video)) continue;
      tracked.add(video);
      track(video);
    }
  }

  window.addEventListener("DOMContentLoaded", () => start(document));
  // A post's page part swapped in by htmx.
  document.addEventListener("htmx:load", (event) => start(event.target));
})();
