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
    // Cards' buttons submit the page's one form (form="selection-form"): the
    // clicked button carries the place's slug.
    var submitter = event.submitter;
    var body = new FormData(form);
    if (submitter && submitter.name) body.append(submitter.name, submitter.value);
    fetch(form.action, {
      method: "POST",
      body: body,
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
        if (submitter && submitter.dataset.doneLabel) {
          submitter.textContent = submitter.dataset.doneLabel;
          submitter.disabled = true;
          return;
        }
        // The add / remove pair of a structure page: show the other one.
        var pair = form.closest("[data-selection]");
        if (!pair) return;
        var forms = pair.querySelectorAll("[data-selection-form]");
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
