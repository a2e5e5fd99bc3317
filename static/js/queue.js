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
  // A page put back from htmx's history already holds them (and runs this script again): they are
  // not added twice. A signed-out session is answered with the login page, which is not a list.
  document.querySelectorAll("select[data-options-url]").forEach(function (select) {
    if (select.dataset.loaded === "1") { return; }
    fetch(select.getAttribute("data-options-url"), { credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok || response.redirected) { throw new Error(response.status); }
        return response.text();
      })
      .then(function (options) {
        select.querySelectorAll("optgroup").forEach(function (group) { group.remove(); });
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
