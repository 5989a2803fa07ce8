// A chart box that scrolls sideways is a tab stop, so that a keyboard user can scroll it
// (WCAG 2.1.1); a box whose chart fits is not one, so that Tab does not stop on a picture.
// Without this script every box stays a tab stop (its tabindex is in the page).
(function () {
  "use strict";
  function mark() {
    document.querySelectorAll(".chart-scroll").forEach(function (box) {
      if (box.scrollWidth > box.clientWidth) {
        box.setAttribute("tabindex", "0");
      } else if (box !== document.activeElement) {
        box.removeAttribute("tabindex");
      }
    });
  }
  document.addEventListener("DOMContentLoaded", mark);
  document.addEventListener("htmx:afterSettle", mark);
  window.addEventListener("resize", mark);
})();
