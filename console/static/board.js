// The supervisors' live board: its figures and agents redrawn from a fresh snapshot
// (Socket.IO `board_snapshot`) whenever an agent's state or the queue changes, and every
// few seconds for what has no event (calls starting and ending in the IVR).
"use strict";
(function () {
  var board = document.getElementById("board");
  if (!board || typeof io === "undefined") { return; }
  var liveEl = document.getElementById("live-status");
  var agentsEl = document.getElementById("board-agents");
  var REFRESH_MS = 10000;
  var labels = {}, reasons = {};
  document.querySelectorAll("#board-labels [data-state]").forEach(function (li) {
    labels[li.dataset.state] = li.textContent;
  });
  document.querySelectorAll("#board-labels [data-reason]").forEach(function (li) {
    reasons[li.dataset.reason] = li.textContent;
  });

  function cell(tag, text) {
    var el = document.createElement(tag);
    el.textContent = text;
    return el;
  }

  function show(snapshot) {
    if (!snapshot || snapshot.error) { return; }
    Object.keys(snapshot.kpis).forEach(function (name) {
      var el = board.querySelector("[data-kpi='" + name + "']");
      if (el) { el.textContent = String(snapshot.kpis[name]); }
    });
    var rows = snapshot.agents.map(function (agent) {
      var tr = document.createElement("tr");
      tr.dataset.userId = agent.user_id;
      tr.dataset.state = agent.state;
      var name = cell("th", agent.display_name);
      name.scope = "row";
      tr.append(name, cell("td", labels[agent.state] || agent.state),
                cell("td", agent.reason ? (reasons[agent.reason] || agent.reason) : ""));
      return tr;
    });
    agentsEl.replaceChildren.apply(agentsEl, rows);
    board.dataset.at = snapshot.at;
  }

  var socket = io({ transports: ["websocket", "polling"] });
  function refresh() { if (socket.connected) { socket.emit("board_snapshot", {}, show); } }
  socket.on("connect", function () { liveEl.hidden = true; refresh(); });
  function lost() {
    liveEl.textContent = liveEl.dataset.offline;
    liveEl.hidden = false;
  }
  socket.on("disconnect", lost);
  socket.on("connect_error", lost);
  ["agent_state_changed", "queue_item_added", "queue_item_removed",
   "callback_changed"].forEach(function (name) {
    socket.on(name, refresh);
  });
  setInterval(refresh, REFRESH_MS);
})();
