/* Strongroom: small progressive enhancements. Everything works without it.
 * Loaded with `defer` and the CSP nonce; uses no eval and sets no inline styles.
 *
 * - <details data-menu> disclosures (tenant switcher, user menu): close on
 *   Escape (focus returns to the summary), on a click outside, and when
 *   another menu opens.
 * - <form data-confirm="Question?">: asks before submitting (for destructive
 *   actions without htmx; with htmx use hx-confirm).
 * - [data-autofocus] (e.g. the form error summary): focused once on load.
 */
(function () {
  "use strict";

  function openMenus() {
    return Array.prototype.slice.call(document.querySelectorAll("details[data-menu][open]"));
  }

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    openMenus().forEach(function (menu) {
      menu.open = false;
      var summary = menu.querySelector("summary");
      if (summary && menu.contains(document.activeElement)) summary.focus();
    });
  });

  document.addEventListener("click", function (event) {
    openMenus().forEach(function (menu) {
      if (!menu.contains(event.target)) menu.open = false;
    });
  });

  document.addEventListener(
    "toggle",
    function (event) {
      var menu = event.target;
      if (!menu.matches || !menu.matches("details[data-menu]") || !menu.open) return;
      openMenus().forEach(function (other) {
        if (other !== menu) other.open = false;
      });
    },
    true
  );

  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute && form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) event.preventDefault();
  });

  document.addEventListener("DOMContentLoaded", function () {
    var target = document.querySelector("[data-autofocus]");
    if (target) target.focus();
  });
})();
