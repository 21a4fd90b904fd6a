/* The Bank page: let a refused row action (4xx) replace its row, so the reason shows where the action was.
 * htmx swaps only 2xx answers by default; the server marks a row refusal with the X-Row-Refusal header.
 * Without JavaScript the forms post and the page answers with the reason. Uses no eval, no inline styles. */
(function () {
  "use strict";
  document.addEventListener("htmx:beforeSwap", function (event) {
    var xhr = event.detail.xhr;
    if (xhr.status >= 400 && xhr.status < 500 && xhr.getResponseHeader("X-Row-Refusal")) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });
})();
