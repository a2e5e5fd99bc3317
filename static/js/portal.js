// Behaviour shared by every page; no inline scripts anywhere (CSP).
(function () {
  "use strict";

  // Selects marked js-autosubmit submit their form on change (the language switch).
  document.addEventListener("change", function (event) {
    var el = event.target;
    if (el.classList && el.classList.contains("js-autosubmit") && el.form) {
      el.form.submit();
    }
  });

  // A required field left empty: the form goes to the server unasked, which answers with the message
  // next to the field (nothing is done), instead of confirming an action that cannot succeed.
  function hasEmptyRequired(form) {
    for (var i = 0; i < form.elements.length; i++) {
      var el = form.elements[i];
      if (el.required && el.type !== "file" && el.type !== "radio" && el.type !== "checkbox" && !String(el.value || "").trim()) {
        return true;
      }
    }
    return false;
  }

  // Destructive actions ask first: <form data-confirm="...">, once the form is filled in.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute && form.getAttribute("data-confirm");
    if (question && !hasEmptyRequired(form) && !window.confirm(question)) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);

  // Fragments loaded into the shared modal open it; a response with HX-Trigger "closeModal" closes it.
  document.addEventListener("htmx:afterSwap", function (event) {
    if (event.detail.target && event.detail.target.id === "portal-modal-content") {
      bootstrap.Modal.getOrCreateInstance(document.getElementById("portal-modal")).show();
    }
  });
  document.body.addEventListener("closeModal", function () {
    var modal = bootstrap.Modal.getInstance(document.getElementById("portal-modal"));
    if (modal) { modal.hide(); }
  });
})();
