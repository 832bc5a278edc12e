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
    var hidden = box.querySelector("input[type=hidden]");
    var input = box.querySelector(".autocomplete-input");
    var list = box.querySelector(".autocomplete-results");
    var timer = null;
    var lastQuery = "";

    function clear() {
      list.replaceChildren();
    }

    input.addEventListener("input", function () {
      hidden.value = "";
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
      hidden.value = button.dataset.id;
      input.value = button.dataset.label;
      clear();
    });

    input.addEventListener("keydown", function (event) {
      if (event.key === "Escape") { clear(); }
    });
  }

  function init(root) {
    root.querySelectorAll(".autocomplete").forEach(setupAutocomplete);
  }

  document.addEventListener("DOMContentLoaded", function () { init(document); });
})();
