// The pages' only script (the Content-Security-Policy allows no inline script, onclick= or
// onchange=): registers the service worker (offline page, push notifications), submits
// filter forms on change, and on the home page tells a member of staff whether this device
// receives alerts, and how to make it.
(function () {
  "use strict";

  // <select data-autosubmit>: a filter that applies as soon as it is chosen.
  document.addEventListener("change", (event) => {
    const field = event.target;
    if (field.matches && field.matches("[data-autosubmit]") && field.form) field.form.submit();
  });

  const registration = "serviceWorker" in navigator
    ? navigator.serviceWorker.register("/sw.js", {scope: "/"})
    : null;
  if (registration) registration.catch((error) => console.error("renraku: service worker", error));

  function keyBytes(base64url) {
    const padded = (base64url + "===".slice((base64url.length + 3) % 4))
      .replace(/-/g, "+").replace(/_/g, "/");
    return Uint8Array.from(atob(padded), (c) => c.charCodeAt(0));
  }

  function csrfToken() {
    const match = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  // iPhone and iPad: web push only from iOS/iPadOS 16.4, and only in a web app opened from
  // the Home Screen; in a Safari tab there is no PushManager at all. iPadOS asks for desktop
  // pages and calls itself a Mac: a Mac with a touch screen is an iPad. Returns null when not
  // iOS, else {version: [major, minor] or null when the browser does not say}.
  function appleMobile() {
    const ua = navigator.userAgent;
    const phone = /iPhone|iPad|iPod/.test(ua);
    if (!phone && !(/Macintosh/.test(ua) && navigator.maxTouchPoints > 1)) return null;
    // "CPU iPhone OS 17_4 like Mac OS X"; an iPad as a Mac has a frozen "Mac OS X 10_15",
    // so there Safari's "Version/17.4" is the one to read.
    const match = phone ? ua.match(/ OS (\d+)_(\d+)/) : ua.match(/Version\/(\d+)\.(\d+)/);
    return {version: match ? [Number(match[1]), Number(match[2])] : null};
  }

  function olderThan(version, [major, minor]) {
    return version[0] < major || (version[0] === major && version[1] < minor);
  }

  function standalone() {
    return navigator.standalone === true ||
      window.matchMedia("(display-mode: standalone)").matches;
  }

  function pushSection(section) {
    const state = section.querySelector("#push-state");
    const button = section.querySelector("#push-enable");
    const ours = JSON.parse(section.dataset.endpoints || "[]");
    const ios = appleMobile();

    // One state at a time: its status line (from the template's data-*), its help, and the
    // button only where a tap can work.
    function show(name, help = name) {
      state.textContent = state.dataset[name];
      section.dataset.state = name;
      for (const block of section.querySelectorAll("[data-push-help]")) {
        block.hidden = block.dataset.pushHelp !== help;
      }
      button.hidden = !(name === "off" || name === "failed");
      section.hidden = false;
    }
    const blocked = () => show("blocked", ios ? "blocked-ios" : "blocked");

    async function enable(reg) {
      // Asked first, inside the tap: Safari grants a permission prompt only to a gesture.
      const asking = Notification.requestPermission();
      show("working");
      const permission = await asking;
      if (permission === "denied") return blocked();
      if (permission !== "granted") return show("off");
      const existing = await reg.pushManager.getSubscription();
      // Someone else's on a shared device, or one the push service has since dropped.
      if (existing && !ours.includes(existing.endpoint)) await existing.unsubscribe();
      const subscription = await reg.pushManager.subscribe({
        userVisibleOnly: true,
        applicationServerKey: keyBytes(section.dataset.vapidKey),
      });
      const response = await fetch(section.dataset.subscribeUrl, {
        method: "POST",
        headers: {"Content-Type": "application/json", "X-CSRFToken": csrfToken()},
        body: JSON.stringify(subscription),
      });
      if (!response.ok) {
        throw new Error(`subscribe answered ${response.status}: ${await response.text()}`);
      }
      ours.push(subscription.endpoint);
      show("on");
    }

    async function start() {
      if (ios && ios.version && olderThan(ios.version, [16, 4])) return show("old");
      if (ios && !standalone()) return show("install");
      if (!registration || !("PushManager" in window) || !("Notification" in window)) {
        return show("unsupported");
      }
      if (Notification.permission === "denied") return blocked();
      const reg = await registration;
      const existing = await reg.pushManager.getSubscription();
      // "Receives" only when the server has this very subscription for this person.
      if (existing && Notification.permission === "granted" && ours.includes(existing.endpoint)) {
        return show("on");
      }
      show("off");
      button.addEventListener("click", () => {
        enable(reg).catch((error) => {
          // The person reads what to do; the technical reason is for the help desk.
          console.error("renraku: push registration failed", error);
          show("failed");
        });
      });
    }

    start().catch((error) => {
      console.error("renraku: push state unknown", error);
      show("unsupported");
    });
  }

  window.addEventListener("DOMContentLoaded", () => {
    const section = document.getElementById("push");
    if (section) pushSection(section);
  });
})();
