// The held call's page: when the caller hangs up, the screen pop says so (the agent is
// then in wrap-up; the event held_call_ended goes to the agent's own room only).
"use strict";
(function () {
  var page = document.getElementById("call-page");
  var notice = document.getElementById("call-ended");
  if (!page || !notice || typeof io === "undefined") { return; }
  var socket = window.consoleSocket || io({ transports: ["websocket", "polling"] });
  socket.on("held_call_ended", function (event) {
    if (event.call_sid === page.dataset.callSid) { notice.hidden = false; }
  });
})();
