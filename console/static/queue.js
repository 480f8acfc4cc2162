// The agent page's queue: waiting callers added and removed live (Socket.IO events
// queue_item_added / queue_item_removed), their waiting time ticking here, and the claim
// form sent without leaving the page (it works without this script too); the callback
// requests likewise (callback_changed, the "Call back" form).
"use strict";
(function () {
  var list = document.getElementById("queue-items");
  var socket = window.consoleSocket;
  if (!list || !socket) { return; }
  var empty = document.getElementById("queue-empty");
  var message = document.getElementById("queue-message");
  var template = document.getElementById("queue-item-template");
  var lang = list.dataset.lang;
  // The server's clock minus this browser's: waiting times count from the server's.
  var skew = Date.parse(list.dataset.now) - Date.now();
  var kinds = {}, languages = {};
  document.querySelectorAll("#queue-labels [data-kind]").forEach(function (li) {
    kinds[li.dataset.kind] = li.textContent;
  });
  document.querySelectorAll("#queue-labels [data-language]").forEach(function (li) {
    languages[li.dataset.language] = li.textContent;
  });

  function itemOf(sid) {
    return Array.prototype.find.call(list.children, function (li) {
      return li.dataset.callSid === sid;
    });
  }

  function showEmpty() { empty.hidden = list.children.length > 0; }

  function field(li, name) { return li.querySelector("[data-field=" + name + "]"); }

  function build(item) {
    var li = template.content.firstElementChild.cloneNode(true);
    li.dataset.callSid = item.call_sid;
    li.dataset.queuedAt = item.queued_at;
    var form = li.querySelector("form");  // none for a supervisor
    if (form) {
      form.action = form.getAttribute("action").replace("CALL_SID", encodeURIComponent(item.call_sid));
    }
    field(li, "language").textContent = languages[item.language] || item.language || "—";
    field(li, "kind").textContent = kinds[item.kind] || "—";
    var names = item.administration ? item.administration.names : null;
    // A name in the page's language, else Arabic for Darija, else French (as the server).
    field(li, "administration").textContent = names ?
      (names[lang] || (lang === "ary" && names.ar) || names.fr) : "—";
    field(li, "phone").textContent = item.phone || "";
    return li;
  }

  function add(item) {
    if (itemOf(item.call_sid)) { return; }
    var li = build(item);
    // Longest waiting first.
    var after = Array.prototype.find.call(list.children, function (other) {
      return other.dataset.queuedAt > item.queued_at;
    });
    list.insertBefore(li, after || null);
    tick();
    showEmpty();
  }

  function remove(sid) {
    var li = itemOf(sid);
    if (li) { li.remove(); }
    showEmpty();
  }

  function tick() {
    var now = Date.now() + skew;
    list.querySelectorAll("[data-testid=queue-item]").forEach(function (li) {
      var seconds = Math.max(0, Math.floor((now - Date.parse(li.dataset.queuedAt)) / 1000));
      var rest = seconds % 60;
      field(li, "waited").textContent = Math.floor(seconds / 60) + ":" + (rest < 10 ? "0" : "") + rest;
    });
  }

  function tell(text) {
    message.textContent = text || "";
    message.hidden = !text;
  }

  // What was missed while the socket was down: the list as it stands now.
  function resync() {
    fetch(list.dataset.source, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (body) {
        if (!body) { return; }
        skew = Date.parse(body.now) - Date.now();
        var current = {};
        body.items.forEach(function (item) { current[item.call_sid] = true; add(item); });
        Array.prototype.slice.call(list.children).forEach(function (li) {
          if (!current[li.dataset.callSid]) { li.remove(); }
        });
        showEmpty();
      })
      .catch(function () { /* the next reconnect tries again */ });
  }

  var connectedOnce = false;
  socket.on("connect", function () {
    if (connectedOnce) { resync(); }
    connectedOnce = true;
  });
  socket.on("queue_item_added", add);
  socket.on("queue_item_removed", function (event) { remove(event.call_sid); });

  // A claim or a call-back button's form, sent without leaving the page: `then` gets its
  // JSON answer; if the fetch fails, the form is sent the plain way.
  function sendForm(event, then) {
    var form = event.target;
    event.preventDefault();
    var button = form.querySelector("button");
    button.disabled = true;
    tell("");
    fetch(form.action, { method: "POST", body: new FormData(form), credentials: "same-origin",
                         headers: { Accept: "application/json" } })
      .then(function (response) {
        return response.json().then(function (body) {
          button.disabled = false;
          then(body, form.closest("li"));
        });
      })
      .catch(function () { button.disabled = false; HTMLFormElement.prototype.submit.call(form); });
  }

  list.addEventListener("submit", function (event) {
    sendForm(event, function (body, item) {
      if (body.url) { window.location.assign(body.url); return; }
      tell(body.message);
      if (body.error === "taken") { remove(item.dataset.callSid); }
    });
  });

  // Callback requests: taken or closed ones leave the list, released ones come back
  // (Socket.IO callback_changed); "Call back" is sent without leaving the page.
  var callbacks = document.getElementById("callback-items");
  var callbacksEmpty = document.getElementById("callbacks-empty");
  var callbackTemplate = document.getElementById("callback-item-template");
  var dateFormat = new Intl.DateTimeFormat("fr-FR", {
    timeZone: callbacks.dataset.timezone, day: "2-digit", month: "2-digit", year: "numeric",
    hour: "2-digit", minute: "2-digit" });

  function callbackOf(id) {
    return callbacks.querySelector("[data-callback-id='" + id + "']");
  }

  function showCallbacksEmpty() { callbacksEmpty.hidden = callbacks.children.length > 0; }

  function addCallback(item) {
    var old = callbackOf(item.id);
    if (old) { old.remove(); }
    var li = callbackTemplate.content.firstElementChild.cloneNode(true);
    li.dataset.callbackId = item.id;
    li.dataset.requestedAt = item.requested_at;
    var form = li.querySelector("form");  // none for a supervisor
    if (form) { form.action = form.getAttribute("action").replace("999999999", String(item.id)); }
    field(li, "phone").textContent = item.phone || "";
    field(li, "language").textContent = languages[item.language] || item.language || "—";
    var time = field(li, "requested");
    time.setAttribute("datetime", item.requested_at);
    time.textContent = dateFormat.format(new Date(item.requested_at)).replace(",", "");
    field(li, "attempt-count").textContent = String(item.attempts);
    field(li, "attempts").hidden = !item.attempts;
    // Oldest request first.
    var after = Array.prototype.find.call(callbacks.children, function (other) {
      return other.dataset.requestedAt > item.requested_at;
    });
    callbacks.insertBefore(li, after || null);
    showCallbacksEmpty();
  }

  function removeCallback(id) {
    var li = callbackOf(id);
    if (li) { li.remove(); }
    showCallbacksEmpty();
  }

  socket.on("callback_changed", function (event) {
    if (event.state === "waiting" && event.item) { addCallback(event.item); }
    else { removeCallback(event.id); }
  });

  callbacks.addEventListener("submit", function (event) {
    sendForm(event, function (body, item) {
      tell(body.message);
      if (body.ok || body.error === "taken") { removeCallback(item.dataset.callbackId); }
    });
  });

  tick();
  window.setInterval(tick, 1000);
})();
