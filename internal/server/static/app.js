// escarp dashboard: progressive enhancement only; every page works without it.
(function () {
  "use strict";
  var el = document.querySelector("[data-refresh]");
  if (el) {
    var s = parseInt(el.getAttribute("data-refresh"), 10) || 2;
    setTimeout(function () { window.location.reload(); }, s * 1000);
  }
})();
