// Work lists: "select all on this page" for the bulk actions (checkboxes belong to form#bulk).
(function () {
  "use strict";
  document.addEventListener("change", function (event) {
    if (event.target.id !== "select-all") { return; }
    document.querySelectorAll("input.js-row-select").forEach(function (box) {
      box.checked = event.target.checked;
    });
  });
  // The bulk form's lead departments (about 1,400 in a province) come from their own address, which the
  // browser keeps until a department changes, rather than with every page. Until they arrive, or if
  // they cannot be fetched, "Dispatch selected" goes to a page that asks for the department.
  document.querySelectorAll("select[data-options-url]").forEach(function (select) {
    fetch(select.getAttribute("data-options-url"), { credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) { throw new Error(response.status); }
        return response.text();
      })
      .then(function (options) {
        select.insertAdjacentHTML("beforeend", options);
        select.dataset.loaded = "1";
      })
      .catch(function () { select.dataset.loaded = "0"; });
  });
  // A fresh list (filter, tab, page) starts with nothing selected.
  document.body.addEventListener("htmx:afterSwap", function (event) {
    var all = document.getElementById("select-all");
    if (all && event.detail.target && event.detail.target.id === "rows") { all.checked = false; }
  });
})();
