/* Case pages: petitioner rows, fields shown for one channel or category, and the repeat-candidate panel.
   Everything works without JavaScript (all fields visible, one petitioner row, no live panel). */
(function () {
  "use strict";

  // <button data-formset-add="p">: append a row cloned from <template id="p-empty-row">.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-formset-add]");
    if (!button) {
      return;
    }
    var prefix = button.getAttribute("data-formset-add");
    var total = document.getElementById("id_" + prefix + "-TOTAL_FORMS");
    var template = document.getElementById(prefix + "-empty-row");
    var body = document.querySelector("[data-formset-body='" + prefix + "']");
    if (!total || !template || !body) {
      return;
    }
    var index = parseInt(total.value, 10) || 0;
    var max = document.getElementById("id_" + prefix + "-MAX_NUM_FORMS");
    if (max && index >= parseInt(max.value, 10)) {
      return;
    }
    var html = template.innerHTML.replace(/__prefix__/g, String(index));
    body.insertAdjacentHTML("beforeend", html);
    total.value = String(index + 1);
    var first = body.lastElementChild && body.lastElementChild.querySelector("input");
    if (first) {
      first.focus();
    }
  });

  // <div data-show-when="channel=assigned">: shown only while the control named "channel" has that value.
  function applyShowWhen(root) {
    root.querySelectorAll("[data-show-when]").forEach(function (el) {
      var rule = el.getAttribute("data-show-when").split("=");
      var control = document.querySelector("[name='" + rule[0] + "']");
      if (!control) {
        return;
      }
      var hasError = el.querySelector(".is-invalid, .invalid-feedback");
      el.classList.toggle("d-none", control.value !== rule[1] && !hasError);
    });
  }
  document.addEventListener("change", function (event) {
    if (event.target.name && document.querySelector("[data-show-when^='" + event.target.name + "=']")) {
      applyShowWhen(document);
    }
  });
  document.addEventListener("DOMContentLoaded", function () {
    applyShowWhen(document);
  });

  // Typing a petitioner's identity, the title or the content asks the server for repeat candidates
  // (the panel listens for "xf-probe" and debounces).
  document.addEventListener("input", function (event) {
    var target = event.target;
    if (!target.classList || !target.classList.contains("xf-repeat-probe") || target.type === "radio") {
      return;
    }
    var panel = document.getElementById("repeat-panel");
    if (panel && window.htmx) {
      window.htmx.trigger(panel, "xf-probe");
    }
  });
})();
