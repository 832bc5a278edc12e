// Liaison's own behaviour: small, no eval, no inline handlers (the CSP forbids both).
(function () {
  "use strict";

  function csrfToken() {
    return document.body.dataset.csrfToken || "";
  }

  document.addEventListener("htmx:configRequest", function (event) {
    event.detail.headers["X-CSRFToken"] = csrfToken();
  });

  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target.matches && target.matches("select[data-autosubmit]")) {
      target.form.submit();
    }
  });

  function setupAutocomplete(box) {
    var url = box.dataset.autocompleteUrl;
    var multiple = box.classList.contains("autocomplete-multiple");
    var chips = box.querySelector(".chips");
    var hidden = multiple ? null : box.querySelector("input[type=hidden]");
    var input = box.querySelector(".autocomplete-input");
    var list = box.querySelector(".autocomplete-results");
    var timer = null;
    var lastQuery = "";

    function clear() {
      list.replaceChildren();
    }

    input.addEventListener("input", function () {
      if (hidden) { hidden.value = ""; }
      window.clearTimeout(timer);
      timer = window.setTimeout(function () {
        var q = input.value.trim();
        if (!q) { clear(); return; }
        lastQuery = q;
        var separator = url.indexOf("?") === -1 ? "?" : "&";
        fetch(url + separator + "q=" + encodeURIComponent(q), { credentials: "same-origin" })
          .then(function (r) { return r.text(); })
          .then(function (html) {
            if (q !== lastQuery) { return; }
            var doc = new DOMParser().parseFromString(html, "text/html");
            list.replaceChildren.apply(list, Array.from(doc.body.children));
          });
      }, 200);
    });

    list.addEventListener("click", function (event) {
      var button = event.target.closest("button[data-id]");
      if (!button) { return; }
      if (multiple) {
        addChip(button.dataset.id, button.dataset.label);
        input.value = "";
      } else {
        hidden.value = button.dataset.id;
        input.value = button.dataset.label;
      }
      clear();
    });

    function addChip(id, label) {
      var exists = Array.from(chips.querySelectorAll("input")).some(function (i) { return i.value === id; });
      if (exists) { return; }
      var li = document.createElement("li");
      li.className = "chip";
      var value = document.createElement("input");
      value.type = "hidden";
      value.name = box.dataset.name;
      value.value = id;
      var text = document.createElement("bdi");
      text.textContent = label;
      var remove = document.createElement("button");
      remove.type = "button";
      remove.className = "chip-remove";
      remove.setAttribute("aria-label", chips.getAttribute("data-remove-label") || "Remove");
      remove.textContent = "×";
      li.append(value, text, " ", remove);
      chips.append(li);
    }

    if (chips) {
      chips.addEventListener("click", function (event) {
        var remove = event.target.closest(".chip-remove");
        if (remove) { remove.closest(".chip").remove(); }
      });
    }

    input.addEventListener("keydown", function (event) {
      if (event.key === "Escape") { clear(); }
    });
  }

  function init(root) {
    root.querySelectorAll(".autocomplete").forEach(setupAutocomplete);
  }

  document.addEventListener("DOMContentLoaded", function () { init(document); });
})();
