// The case form: the administration found by name, acronym, synonym or code (the server's
// search), the CIN masked once a valid one is entered, and a form sent once only.
"use strict";
(function () {
  var CIN = /^[A-Za-z]{1,2}[\s.-]?[0-9]{1,6}$/;

  var search = document.getElementById("admin-search");
  var results = document.getElementById("admin-results");
  var code = document.querySelector("#case-form [name=administration]");
  var chosen = document.getElementById("admin-chosen");
  var timer = null;

  function choose(result) {
    code.value = result.code;
    chosen.textContent = result.name + (result.acronym ? " (" + result.acronym + ")" : "");
    results.replaceChildren();
  }

  function list(found) {
    results.replaceChildren();
    if (!found.length) {
      var none = document.createElement("li");
      none.textContent = search.dataset.none;
      results.appendChild(none);
      return;
    }
    found.forEach(function (result) {
      var li = document.createElement("li");
      var button = document.createElement("button");
      button.type = "button";
      button.className = "secondary";
      button.dataset.code = result.code;
      button.setAttribute("data-testid", "admin-result");
      button.textContent = result.code + " · " + result.name +
        (result.acronym ? " (" + result.acronym + ")" : "");
      button.addEventListener("click", function () { choose(result); });
      li.appendChild(button);
      results.appendChild(li);
    });
  }

  if (search && results && code) {
    search.addEventListener("input", function () {
      window.clearTimeout(timer);
      var query = search.value.trim();
      if (!query) { results.replaceChildren(); return; }
      timer = window.setTimeout(function () {
        fetch(search.dataset.url + "?q=" + encodeURIComponent(query),
              { credentials: "same-origin", headers: { Accept: "application/json" } })
          .then(function (response) { return response.ok ? response.json() : { results: [] }; })
          .then(function (body) { if (search.value.trim() === query) { list(body.results); } })
          .catch(function () { results.replaceChildren(); });
      }, 200);
    });
  }

  // The CIN: checked as typed, shown as dots once a valid one is entered (shown again
  // while the agent corrects it).
  var cin = document.querySelector("#case-form [name=cin]");
  if (cin) {
    var check = function () {
      var value = cin.value.trim();
      cin.setCustomValidity(value && !CIN.test(value) ? cin.dataset.invalid : "");
      if (value && CIN.test(value)) {
        cin.type = "password";
        cin.classList.add("masked");
      }
    };
    cin.addEventListener("change", check);
    cin.addEventListener("blur", check);
    cin.addEventListener("focus", function () { cin.type = "text"; cin.classList.remove("masked"); });
    check();
  }

  // Forms sent once: a second click while the first is on its way does nothing.
  document.querySelectorAll("#case-form, form[data-once]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (form.dataset.sent) { event.preventDefault(); return; }
      form.dataset.sent = "1";
    });
  });
})();
