// Registers the service worker (offline page, push notifications) and, on the home page,
// lets a member of staff turn on alerts for this device.
(function () {
  if (!("serviceWorker" in navigator)) return;
  const registration = navigator.serviceWorker.register("/sw.js", {scope: "/"});

  function keyBytes(base64url) {
    const padded = (base64url + "===".slice((base64url.length + 3) % 4))
      .replace(/-/g, "+").replace(/_/g, "/");
    return Uint8Array.from(atob(padded), (c) => c.charCodeAt(0));
  }

  function csrfToken() {
    const match = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  async function enable(section, state) {
    const permission = await Notification.requestPermission();
    if (permission !== "granted") {
      state.textContent = state.dataset.denied || "通知が許可されていません。";
      return;
    }
    const reg = await registration;
    const subscription = await reg.pushManager.subscribe({
      userVisibleOnly: true,
      applicationServerKey: keyBytes(section.dataset.vapidKey),
    });
    const response = await fetch(section.dataset.subscribeUrl, {
      method: "POST",
      headers: {"Content-Type": "application/json", "X-CSRFToken": csrfToken()},
      body: JSON.stringify(subscription),
    });
    state.textContent = response.ok ? "この端末で緊急連絡を受け取ります。" : "登録できませんでした。";
  }

  window.addEventListener("DOMContentLoaded", async () => {
    const section = document.getElementById("push");
    if (!section || !("PushManager" in window)) return;
    const state = document.getElementById("push-state");
    const reg = await registration;
    const existing = await reg.pushManager.getSubscription();
    section.hidden = false;
    if (existing && Notification.permission === "granted") {
      state.textContent = "この端末で緊急連絡を受け取ります。";
      document.getElementById("push-enable").hidden = true;
      return;
    }
    document.getElementById("push-enable").addEventListener("click", () => {
      enable(section, state).catch((error) => {
        // Say it in words a person can act on; the technical reason is for the help desk.
        state.textContent = "この端末では通知を登録できませんでした（" + error.name + "）。" +
          "メールやSMSで受け取れます。";
      });
    });
  });
})();
