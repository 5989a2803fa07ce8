// A chart box that scrolls sideways is a tab stop, a group named by the chart's caption, so
// that a keyboard user can scroll it (WCAG 2.1.1) and hears what it holds; a box whose chart
// fits is neither, so that Tab does not stop on a picture and the caption is read once.
// Without this script every box stays a named tab stop (as the page writes it).
(function () {
  "use strict";
  function mark() {
    document.querySelectorAll(".chart-scroll").forEach(function (box) {
      if (!box.dataset.labelledby) {
        box.dataset.labelledby = box.getAttribute("aria-labelledby") || "";
      }
      if (box.scrollWidth > box.clientWidth) {
        box.setAttribute("tabindex", "0");
        box.setAttribute("role", "group");
        box.setAttribute("aria-labelledby", box.dataset.labelledby);
      } else if (box !== document.activeElement) {
        box.removeAttribute("tabindex");
        box.removeAttribute("role");
        box.removeAttribute("aria-labelledby");
      }
    });
  }
  document.addEventListener("DOMContentLoaded", mark);
  document.addEventListener("htmx:afterSettle", mark);
  window.addEventListener("resize", mark);
})();
