// The look-up box: a reference's Verhoeff check digit is checked as it is typed (the port of
// shared/references.py), so a digit misheard on the phone is caught before the search; the
// server checks it again. Phone numbers and CINs are left to the server.
"use strict";
(function () {
  var D = [
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 2, 3, 4, 0, 6, 7, 8, 9, 5],
    [2, 3, 4, 0, 1, 7, 8, 9, 5, 6], [3, 4, 0, 1, 2, 8, 9, 5, 6, 7],
    [4, 0, 1, 2, 3, 9, 5, 6, 7, 8], [5, 9, 8, 7, 6, 0, 4, 3, 2, 1],
    [6, 5, 9, 8, 7, 1, 0, 4, 3, 2], [7, 6, 5, 9, 8, 2, 1, 0, 4, 3],
    [8, 7, 6, 5, 9, 3, 2, 1, 0, 4], [9, 8, 7, 6, 5, 4, 3, 2, 1, 0]
  ];
  var P = [
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], [1, 5, 7, 6, 2, 8, 3, 0, 9, 4],
    [5, 8, 0, 3, 7, 9, 6, 1, 4, 2], [8, 9, 1, 6, 0, 4, 3, 5, 2, 7],
    [9, 4, 5, 3, 1, 2, 6, 8, 7, 0], [4, 2, 8, 6, 5, 7, 3, 9, 0, 1],
    [2, 7, 9, 3, 8, 0, 6, 4, 1, 5], [7, 0, 4, 6, 9, 1, 3, 2, 5, 8]
  ];
  var LENGTH = 10;

  function verhoeffValid(digits) {
    var c = 0;
    for (var i = 0; i < digits.length; i++) {
      c = D[c][P[i % 8][Number(digits.charAt(digits.length - 1 - i))]];
    }
    return c === 0;
  }

  // The problem with what is typed so far, or "" (the same rules as console/lookup.py:
  // digits not starting with 0 are a reference).
  function problem(form, value) {
    var compact = value.replace(/[\s.\-]/g, "");
    if (!/^[1-9][0-9]*$/.test(compact)) { return ""; }
    if (compact.length > LENGTH) { return form.dataset.referenceLength; }
    if (compact.length < LENGTH) { return ""; }  // still typing
    return verhoeffValid(compact) ? "" : form.dataset.referenceCheck;
  }

  document.querySelectorAll("form#lookup-form").forEach(function (form) {
    var input = form.elements.query;
    var message = form.querySelector("[data-testid=lookup-error]");
    function check() {
      var text = problem(form, input.value);
      input.setCustomValidity(text);
      input.setAttribute("aria-invalid", text ? "true" : "false");
      message.textContent = text;
      return text;
    }
    input.addEventListener("input", check);
    form.addEventListener("submit", function (event) {
      var compact = input.value.replace(/[\s.\-]/g, "");
      if (/^[1-9][0-9]*$/.test(compact) && compact.length < LENGTH) {
        message.textContent = form.dataset.referenceLength;
        event.preventDefault();
      } else if (check()) {
        event.preventDefault();
      }
    });
  });
})();
