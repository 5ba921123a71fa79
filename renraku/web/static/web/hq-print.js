// The printed report's "Print" button (the Content-Security-Policy allows no onclick=):
// shown only when this script runs, since without it the button would do nothing.
(() => {
  window.addEventListener("DOMContentLoaded", () => {
    for (const button of document.querySelectorAll("[data-hq-print]")) {
      button.hidden = false;
      button.addEventListener("click", () => window.print());
    }
  });
})();
