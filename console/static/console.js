// The console's only script (no inline script: the CSP allows this origin's files only).
"use strict";
(function () {
  document.documentElement.classList.add("js");

  // The forms' buttons are named "submit" (WTForms), which hides form.submit: call the
  // prototype's.
  function send(form) { HTMLFormElement.prototype.submit.call(form); }

  // The language menu submits itself when changed (its button stays for no-JS browsers).
  document.querySelectorAll("[data-autosubmit]").forEach(function (select) {
    select.addEventListener("change", function () { send(select.form); });
  });

  var stateEl = document.getElementById("agent-state");
  if (!stateEl || typeof io === "undefined") { return; }
  var reasonEl = document.getElementById("agent-state-reason");
  var liveEl = document.getElementById("live-status");
  var form = document.getElementById("state-form");
  var labels = {}, reasons = {};
  document.querySelectorAll("#state-labels [data-state]").forEach(function (li) {
    labels[li.dataset.state] = li.textContent;
  });
  document.querySelectorAll("#state-labels [data-reason]").forEach(function (li) {
    reasons[li.dataset.reason] = li.textContent;
  });
  var myUserId = Number(stateEl.dataset.userId);

  function show(state) {
    stateEl.dataset.state = state.state;
    stateEl.textContent = labels[state.state] || state.state;
    reasonEl.textContent = state.reason ? "(" + (reasons[state.reason] || state.reason) + ")" : "";
    form.elements.state.value = state.state === "offline" ? form.elements.state.value : state.state;
  }

  var socket = io({ transports: ["websocket", "polling"] });
  window.consoleSocket = socket;  // the page's other scripts listen on it (queue.js)
  socket.on("connect", function () { liveEl.hidden = true; });
  socket.on("disconnect", function () {
    liveEl.textContent = liveEl.dataset.offline;
    liveEl.hidden = false;
  });
  socket.on("connect_error", function () {
    liveEl.textContent = liveEl.dataset.offline;
    liveEl.hidden = false;
  });
  socket.on("agent_state_changed", function (state) {
    // Supervisors also hear the other agents' changes: this panel shows only one's own.
    if (state.user_id === myUserId) { show(state); }
  });

  // With the socket up, the state form changes the state without reloading the page.
  form.addEventListener("submit", function (event) {
    if (!socket.connected) { return; }
    event.preventDefault();
    socket.emit("change_state", {
      state: form.elements.state.value,
      reason: form.elements.reason.value || null
    }, function (answer) {
      if (answer && answer.error) { send(form); }  // the server explains it on the page
    });
  });
})();
