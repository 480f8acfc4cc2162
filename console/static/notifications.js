// The notifications page: the unread count follows the `notification` events of this
// user's own room (console/events.py), and says when new alerts came in.
(function () {
  "use strict";
  var count = document.querySelector("[data-unread]");
  var fresh = document.querySelector("[data-new-alerts]");
  if (!count || typeof io === "undefined") { return; }
  var socket = io({ transports: ["websocket", "polling"] });
  socket.on("notification", function (payload) {
    if (payload && typeof payload.unread === "number") {
      count.textContent = String(payload.unread);
    }
    if (fresh) { fresh.hidden = false; }
  });
})();
