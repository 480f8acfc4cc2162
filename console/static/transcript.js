// The live transcript of the held call: asks the server to watch the call (refused unless
// this user holds it or supervises), shows the segments so far, then each new one: a
// partial is replaced by the next partial of the same number, then by its final. A final
// segment can be picked into the case form's description.
"use strict";
(function () {
  var list = document.getElementById("transcript");
  if (!list || typeof io === "undefined") { return; }
  var statusEl = document.getElementById("transcript-status");
  var callSid = list.dataset.callSid;

  function pick(text) {
    var description = document.querySelector("#case-form [name=description]");
    if (!description) { return; }
    var current = description.value.replace(/\s+$/, "");
    description.value = current ? current + "\n" + text : text;
    description.dispatchEvent(new Event("input", { bubbles: true }));
  }

  function item(segment) {
    var li = document.createElement("li");
    li.dataset.seq = String(segment.seq);
    var text = document.createElement("span");
    text.className = "text";
    text.textContent = segment.text;
    li.appendChild(text);
    if (segment.final) {
      li.dataset.testid = "transcript-segment";
      li.setAttribute("data-testid", "transcript-segment");
      var button = document.createElement("button");
      button.type = "button";
      button.className = "pick secondary";
      button.textContent = list.dataset.pick;
      button.setAttribute("data-testid", "pick-segment");
      button.addEventListener("click", function () { pick(segment.text); });
      li.appendChild(button);
    } else {
      li.className = "partial";
    }
    return li;
  }

  function show(segment) {
    if (!segment || segment.call_sid !== callSid || typeof segment.seq !== "number") { return; }
    var existing = list.querySelector('li[data-seq="' + segment.seq + '"]');
    if (existing) {
      if (existing.getAttribute("data-testid") === "transcript-segment") { return; }  // final already
      existing.replaceWith(item(segment));
      return;
    }
    var next = Array.prototype.find.call(list.children, function (li) {
      return Number(li.dataset.seq) > segment.seq;
    });
    list.insertBefore(item(segment), next || null);
    list.scrollTop = list.scrollHeight;
  }

  var socket = io({ transports: ["websocket", "polling"] });
  socket.on("connect", function () {
    socket.emit("watch_call", { call_sid: callSid }, function (answer) {
      if (!answer || answer.error) {
        statusEl.textContent = list.dataset.refused;
        statusEl.hidden = false;
        return;
      }
      statusEl.hidden = true;
      answer.segments.forEach(show);
    });
  });
  socket.on("transcript_segment", show);
})();
