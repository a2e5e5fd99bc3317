// Work lists: "select all on this page" for the bulk actions (checkboxes belong to form#bulk).
(function () {
  "use strict";
  document.addEventListener("change", function (event) {
    if (event.target.id !== "select-all") { return; }
    document.querySelectorAll("input.js-row-select").forEach(function (box) {
      box.checked = event.target.checked;
    });
  });
  // A fresh list (filter, tab, page) starts with nothing selected.
  document.body.addEventListener("htmx:afterSwap", function (event) {
    var all = document.getElementById("select-all");
    if (all && event.detail.target && event.detail.target.id === "rows") { all.checked = false; }
  });
})();
