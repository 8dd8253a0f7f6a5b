// Progressive enhancement of the "Ajouter à la fiche" buttons: the plain POST
// forms work without JavaScript; with it, the page does not reload and the
// result is announced to screen readers.
//
// Focus never leaves the button that was pressed (RGAA 12.8, 7.3): a result
// card's button stays where it is, enabled, and turns into "Retirer de la
// fiche : <place>" (the same button, posting to the removal address), and back.
// The structure page's add / remove pair moves focus to the other button.
(function () {
  "use strict";
  var live = document.createElement("p");
  live.className = "visually-hidden";
  live.setAttribute("role", "status");
  document.body.appendChild(live);

  // The page's one form that the cards' buttons submit (form="selection-form"): it
  // knows the visitor's selection and the labels in the page's language; the cards,
  // cached for every visitor, do not.
  var shared = document.getElementById("selection-form");

  // The button's own words, before its visually hidden " : <place>".
  function setLabel(button, label) {
    for (var node = button.firstChild; node; node = node.nextSibling) {
      if (node.nodeType === Node.TEXT_NODE && node.nodeValue.trim()) {
        node.nodeValue = label;
        return;
      }
    }
    button.insertBefore(document.createTextNode(label), button.firstChild);
  }

  // A card whose place is on the sheet says so beside its button, "Sur la fiche", in
  // words (not by a colour or a tick alone).
  function showSelected(button, selected) {
    if (!shared) return;
    var mark = button.parentNode.querySelector(".on-sheet");
    if (selected) {
      button.setAttribute("formaction", shared.dataset.removeAction);
      setLabel(button, shared.dataset.removeLabel);
      if (!mark && shared.dataset.onSheetLabel) {
        mark = document.createElement("span");
        mark.className = "on-sheet";
        mark.textContent = shared.dataset.onSheetLabel;
        button.parentNode.insertBefore(mark, button);
      }
    } else {
      button.removeAttribute("formaction");
      setLabel(button, shared.dataset.addLabel);
      if (mark) mark.remove();
    }
  }

  // A refusal (the sheet is full) is written beside the button that was pressed, where the
  // eyes are, as well as announced.
  function showRefusal(near, message) {
    var box = near && near.closest(".card-actions, [data-selection]");
    if (!box) return;
    var note = box.querySelector(".selection-refused");
    if (!note) {
      note = document.createElement("p");
      note.className = "selection-refused";
      box.appendChild(note);
    }
    note.textContent = message;
  }

  function clearRefusals() {
    document.querySelectorAll(".selection-refused").forEach(function (note) {
      note.remove();
    });
  }

  // The handout's "Imprimer la fiche": a button only where a script can print.
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      window.print();
    });
  });

  function cardButtons() {
    return shared ? document.querySelectorAll('button[form="selection-form"][name="slug"]') : [];
  }

  if (shared) {
    var selected = (shared.dataset.selected || "").split(" ");
    cardButtons().forEach(function (button) {
      if (selected.indexOf(button.value) !== -1) showSelected(button, true);
    });
  }

  // One request at a time: two quick clicks would otherwise race on the session,
  // and the second answer would forget the first place.
  var queue = Promise.resolve();

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches("[data-selection-form]") || !window.fetch) return;
    if (form.dataset.plain) return; // the fallback below: let the browser post it
    event.preventDefault();
    var submitter = event.submitter;
    var body = new FormData(form);
    if (submitter && submitter.name) body.append(submitter.name, submitter.value);
    // Only a card's button that shows "Retirer de la fiche" carries a formaction.
    var removing = Boolean(submitter && submitter.hasAttribute("formaction"));
    var action = removing ? submitter.formAction : form.action;
    queue = queue.then(function () {
      return send(form, submitter, action, body, removing);
    });
  });

  function send(form, submitter, action, body, removing) {
    return fetch(action, {
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
        if (!result.ok) {
          showRefusal(submitter || form, result.data.message);
          return;
        }
        clearRefusals();
        if (form === shared && submitter) {
          showSelected(submitter, !removing);
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
        // No answer we understand: post the form the plain way (a page load).
        form.dataset.plain = "true";
        if (form.requestSubmit) form.requestSubmit(submitter || undefined);
        else form.submit();
      });
  }
})();
