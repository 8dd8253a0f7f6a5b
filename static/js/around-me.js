// "Autour de moi": the browser's position becomes the search's starting point.
// Progressive enhancement: the button is hidden without JavaScript or geolocation, and
// the quartier list beside it always works; a refusal or a failure is said in words.
(function () {
  "use strict";
  if (!("geolocation" in navigator)) {
    return;
  }
  document.querySelectorAll("[data-around-me]").forEach(function (button) {
    var form = button.form;
    var status = document.getElementById(button.getAttribute("aria-describedby"));
    button.hidden = false;
    button.addEventListener("click", function () {
      button.disabled = true;
      status.textContent = button.dataset.waiting;
      navigator.geolocation.getCurrentPosition(
        function (position) {
          form.elements.lat.value = position.coords.latitude.toFixed(6);
          form.elements.lon.value = position.coords.longitude.toFixed(6);
          if (form.elements.quartier) {
            form.elements.quartier.value = "";
          }
          form.submit();
        },
        function () {
          button.disabled = false;
          status.textContent = button.dataset.refused;
          button.focus();
        },
        { enableHighAccuracy: false, timeout: 15000, maximumAge: 60000 }
      );
    });
  });
})();
