/* The public portal's page behaviour. No inline scripts. */
(function () {
  "use strict";

  // Disable submit buttons once a form is sent, against double submission.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || event.defaultPrevented) {
      return;
    }
    var question = form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
      return;
    }
    window.setTimeout(function () {
      form.querySelectorAll("button[type=submit]").forEach(function (button) {
        button.disabled = true;
      });
    }, 0);
  });

  // The accused fields matter only for 检举控告类.
  function toggleAccused() {
    var category = document.getElementById("id_category");
    var box = document.getElementById("accused-fields");
    if (!category || !box) {
      return;
    }
    box.hidden = category.value !== "accusation";
  }
  document.addEventListener("change", function (event) {
    if (event.target && event.target.id === "id_category") {
      toggleAccused();
    }
  });
  document.addEventListener("DOMContentLoaded", toggleAccused);

  // Copy the 查询码 (where the browser allows it).
  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("[data-copy]") : null;
    if (!button || !navigator.clipboard) {
      return;
    }
    var target = document.getElementById(button.getAttribute("data-copy"));
    if (target) {
      navigator.clipboard.writeText(target.textContent.trim()).then(function () {
        button.textContent = "已复制";
      });
    }
  });

  window.addEventListener("pageshow", function (event) {
    if (event.persisted) {
      document.querySelectorAll("form button[type=submit]:disabled").forEach(function (button) {
        button.disabled = false;
      });
    }
  });
})();
