// Progressive enhancement of the "Ajouter à la fiche" buttons: the plain POST
// forms work without JavaScript; with it, the page does not reload and the
// result is announced to screen readers.
(function () {
  "use strict";
  var live = document.createElement("p");
  live.className = "visually-hidden";
  live.setAttribute("role", "status");
  document.body.appendChild(live);

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches("[data-selection-form]") || !window.fetch) return;
    event.preventDefault();
    fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      headers: { Accept: "application/json" },
      credentials: "same-origin",
    })
      .then(function (response) {
        return response.json().then(function (data) {
          return { ok: response.ok, data: data };
        });
      })
      .then(function (result) {
        live.textContent = result.data.message;
        document.querySelectorAll("[data-selection-count]").forEach(function (counter) {
          counter.textContent = "(" + result.data.count + ")";
        });
        if (!result.ok) return;
        var forms = form.closest("[data-selection]").querySelectorAll("[data-selection-form]");
        forms.forEach(function (each) {
          each.hidden = each === form;
        });
        var shown = Array.prototype.find.call(forms, function (each) {
          return !each.hidden;
        });
        if (shown) shown.querySelector("button").focus();
      })
      .catch(function () {
        form.submit();
      });
  });
})();
