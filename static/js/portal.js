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

  // Long department lists (a grouped <select>, a grouped checkbox list marked data-filter-list) get a
  // search box that hides what does not match as one types; without JavaScript the plain list works.
  function matches(text, query) {
    return !query || text.toLowerCase().indexOf(query) >= 0;
  }

  function searchBox(before, placeholder) {
    var box = document.createElement("input");
    box.type = "search";
    box.className = "form-control form-control-sm mb-1 filter-box";
    box.placeholder = placeholder || "";
    box.setAttribute("aria-label", placeholder || "");
    before.parentNode.insertBefore(box, before);
    return box;
  }

  function filterSelect(select) {
    var box = searchBox(select, select.getAttribute("data-filter-placeholder"));
    box.addEventListener("input", function () {
      var query = box.value.trim().toLowerCase();
      Array.prototype.forEach.call(select.querySelectorAll("optgroup"), function (group) {
        var groupHit = matches(group.label, query);
        var any = false;
        Array.prototype.forEach.call(group.children, function (option) {
          option.hidden = !(groupHit || matches(option.text, query) || option.selected);
          any = any || !option.hidden;
        });
        group.hidden = !any;
      });
    });
  }

  function filterChecks(container) {
    var first = container.querySelector("input[data-filter-placeholder]");
    var box = searchBox(container, first && first.getAttribute("data-filter-placeholder"));
    box.addEventListener("input", function () {
      var query = box.value.trim().toLowerCase();
      Array.prototype.forEach.call(container.children, function (group) {
        var title = group.firstElementChild ? group.firstElementChild.textContent : "";
        var groupHit = matches(title, query);
        var any = false;
        Array.prototype.forEach.call(group.querySelectorAll("input[type=checkbox]"), function (input) {
          var label = input.closest("label");
          var show = groupHit || input.checked || matches(label ? label.textContent : "", query);
          if (label) { label.hidden = !show; }
          any = any || show;
        });
        group.hidden = !any;
      });
    });
  }

  function enhance(root) {
    Array.prototype.forEach.call(root.querySelectorAll("select[data-filter-list]"), function (select) {
      if (!select.dataset.filtered) { select.dataset.filtered = "1"; filterSelect(select); }
    });
    Array.prototype.forEach.call(root.querySelectorAll("div.dept-checks"), function (container) {
      if (!container.dataset.filtered) { container.dataset.filtered = "1"; filterChecks(container); }
    });
  }
  enhance(document);
  document.addEventListener("htmx:afterSwap", function (event) {
    if (event.detail.target) { enhance(event.detail.target); }
  });

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
