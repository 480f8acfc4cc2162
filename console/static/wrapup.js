// The wrap-up form: its button waits until a disposition is chosen (the server requires it
// too); the page without JavaScript can still send the form (the server explains).
"use strict";
(function () {
  var form = document.getElementById("wrapup-form");
  if (!form) { return; }
  var disposition = form.elements.disposition;
  var button = form.querySelector("[type=submit]");
  function update() { button.disabled = !disposition.value; }
  disposition.addEventListener("change", update);
  update();
})();
