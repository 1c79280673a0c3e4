// The new-case form: after a failed submit, focus goes to the error summary; on submit the
// button disables at once and says the panel is starting, so it cannot be pressed twice.
(function () {
  "use strict";
  var errors = document.getElementById("form-errors");
  if (errors) errors.focus();
  var form = document.getElementById("case-form");
  if (!form) return;
  form.addEventListener("submit", function () {
    var button = form.querySelector("button[type=submit]");
    if (!button || button.disabled) return;
    button.textContent = button.dataset.busyText;
    button.disabled = true;
    button.setAttribute("aria-disabled", "true");
    var note = document.getElementById("submit-status");
    if (note) note.textContent = button.dataset.busyText;
  });
})();
