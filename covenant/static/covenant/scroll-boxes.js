// A chart box that scrolls sideways is a tab stop, a group named by the chart's caption, so
// that a keyboard user can scroll it (WCAG 2.1.1) and hears what it holds; a box whose chart
// fits is neither, so that Tab does not stop on a picture and the caption is read once.
// Without this script every box stays a named tab stop (as the page writes it). A box is
// looked at again whenever its size changes (a narrower window, a larger text).
(function () {
  "use strict";
  function mark(box) {
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
  }
  var observer = new ResizeObserver(function (entries) {
    entries.forEach(function (entry) { mark(entry.target); });
  });
  function watch() {
    document.querySelectorAll(".chart-scroll").forEach(function (box) {
      mark(box);
      observer.observe(box);
    });
  }
  document.addEventListener("DOMContentLoaded", watch);
  document.addEventListener("htmx:afterSettle", watch);
})();
