/* xinfang page behaviour. Loaded on every page; no inline scripts (a strict CSP will follow). */
(function () {
  "use strict";

  // <form data-confirm="确定…？">: ask before submitting a state-changing form.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement)) {
      return;
    }
    var question = form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
    }
  });

  // Disable the submit buttons of a form once it is sent, against double submission.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || event.defaultPrevented || form.method.toLowerCase() !== "post") {
      return;
    }
    window.setTimeout(function () {
      form.querySelectorAll("button[type=submit]").forEach(function (button) {
        button.disabled = true;
      });
    }, 0);
  });

  // Pages restored from the back/forward cache get their buttons back.
  window.addEventListener("pageshow", function (event) {
    if (event.persisted) {
      document.querySelectorAll("form button[type=submit]:disabled").forEach(function (button) {
        button.disabled = false;
      });
    }
  });
})();
