// The dev phone (console/devphone): places a simulated call through the server, which signs
// everything like Twilio; this script only shows the line, plays its prompts and sends keys
// and audio. No inline script (CSP): loaded with defer.
"use strict";
(function () {
  var root = document.getElementById("devphone");
  if (!root) { return; }
  var $ = function (id) { return document.getElementById("devphone-" + id); };
  var stateEl = $("state"), heardEl = $("heard"), digitsEl = $("digits"), typedEl = $("typed");
  var queueEl = $("queue"), agentEl = $("agent"), smsEl = $("sms"), errorEl = $("error");
  var audioEl = $("audio"), muteEl = $("mute"), fileEl = $("audio-file");
  var timeoutsEl = $("timeouts");
  var recordBtn = $("record"), sendFileBtn = $("send-audio"), silenceBtn = $("silence");
  var hangupBtn = $("hangup");
  var keyBtns = root.querySelectorAll("[data-key]");
  var labels = {}, errors = {};
  root.querySelectorAll("#devphone-labels [data-state]").forEach(function (li) {
    labels[li.dataset.state] = li.textContent;
  });
  root.querySelectorAll("#devphone-labels [data-error]").forEach(function (li) {
    errors[li.dataset.error] = li.textContent;
  });

  var call = null;        // the last screen the server sent
  var typed = "";         // keys typed into the current menu, not sent yet
  var busy = false;       // an action is on its way
  var actionError = false;  // the last action was refused: its reason stays shown
  var pollTimer = null, endedAt = 0;
  var playing = [], playTimer = null;
  var timeoutTimer = null;  // the menu's timeout, counted once its prompts are played

  // -- talking to the server ---------------------------------------------------------
  function post(url, fields) {
    var body = new FormData();
    body.append("csrf_token", root.dataset.csrf);
    Object.keys(fields || {}).forEach(function (name) { body.append(name, fields[name]); });
    return fetch(url, { method: "POST", body: body, credentials: "same-origin" })
      .then(function (response) {
        return response.json().catch(function () { return {}; }).then(function (answer) {
          if (!response.ok) {
            throw new Error(answer.error || (response.status === 413 ? errors["too-big"]
                                                                     : errors.network));
          }
          return answer;
        });
      }, function () { throw new Error(errors.network); });
  }

  function act(action, fields) {
    if (!call) { return Promise.resolve(); }
    busy = true;
    actionError = false;
    return post(root.dataset.callsUrl + "/" + call.sid + "/" + action, fields)
      .then(show, showError)
      .then(function () { busy = false; });
  }

  function showError(error) {
    actionError = true;
    errorEl.textContent = error.message;
    errorEl.hidden = false;
  }

  // -- the screen --------------------------------------------------------------------
  function fill(el, template, values) {
    el.textContent = template.replace(/\{(\w+)\}/g, function (_, name) { return values[name]; });
  }

  function show(screen) {
    if (!screen || !screen.sid) { return; }
    var fresh = !call || call.sid !== screen.sid || screen.step > call.step;
    if (call && call.sid === screen.sid && screen.step < call.step) { return; }  // late
    call = screen;
    errorEl.hidden = !screen.error && !actionError;
    if (screen.error) { fill(errorEl, errors[screen.error.code] || screen.error.code, screen.error); }
    stateEl.dataset.state = screen.state;
    stateEl.textContent = labels[screen.state] || screen.state;
    queueEl.hidden = !screen.queue;
    if (screen.queue) {
      fill(queueEl, queueEl.dataset.template,
           { position: screen.queue.position, seconds: screen.queue.waited });
    }
    agentEl.hidden = screen.agent === null || screen.agent === undefined;
    if (!agentEl.hidden) { fill(agentEl, agentEl.dataset.template, { agent: screen.agent }); }
    smsEl.replaceChildren.apply(smsEl, screen.sms.map(function (message) {
      var li = document.createElement("li");
      li.setAttribute("data-testid", "devphone-sms-item");
      li.textContent = message.body;
      return li;
    }));
    if (fresh) {
      clearTimeout(timeoutTimer);
      typed = "";
      typedEl.textContent = "";
      digitsEl.textContent = screen.digits;
      heardEl.replaceChildren.apply(heardEl, screen.heard.map(function (item) {
        var li = document.createElement("li");
        li.className = item.kind;
        li.setAttribute("data-testid", "devphone-heard-item");
        if (item.key) { li.dataset.key = item.key; }
        if (item.language) { li.lang = item.language.slice(0, 2) === "ar" ? "ar" : item.language.slice(0, 2); }
        li.textContent = item.kind === "music" ? "♪ ♪ ♪" : item.kind === "pause" ? "…" : item.text;
        return li;
      }));
      play(screen.heard);
    }
    var live = screen.state !== "ended";
    keyBtns.forEach(function (button) { button.disabled = screen.state !== "keys"; });
    silenceBtn.disabled = !(screen.state === "keys" || screen.state === "recording");
    recordBtn.disabled = !speakable() || !canRecord();
    sendFileBtn.disabled = !speakable() || !fileEl.files.length;
    hangupBtn.disabled = !live;
    if (!live && !endedAt) { endedAt = Date.now(); stopAudio(); clearTimeout(timeoutTimer); }
    schedulePoll();
  }

  // -- prompts, played in order --------------------------------------------------------
  function stopAudio() {
    playing = [];
    clearTimeout(playTimer);
    audioEl.pause();
  }

  function play(items) {
    stopAudio();
    playing = items.filter(function (item) { return item.audio || item.kind === "pause"; });
    next();
  }

  function next() {
    var item = playing.shift();
    if (!item) { return countTimeout(); }
    if (item.kind === "pause" || muteEl.checked) {
      playTimer = setTimeout(next, item.kind === "pause" ? item.seconds * 1000 : 0);
      return;
    }
    audioEl.src = item.audio;
    var started = audioEl.play();
    if (started && started.catch) { started.catch(next); }  // autoplay refused: skip it
  }
  audioEl.addEventListener("ended", next);
  audioEl.addEventListener("error", next);
  muteEl.addEventListener("change", function () {
    if (muteEl.checked) { stopAudio(); countTimeout(); }
  });

  // As Twilio does, a menu that hears nothing for its timeout moves on: with the keys typed
  // so far, or as silence.
  function countTimeout() {
    clearTimeout(timeoutTimer);
    if (!call || !call.gather || !timeoutsEl.checked) { return; }
    var sid = call.sid, step = call.step;
    timeoutTimer = setTimeout(function () {
      if (!call || call.sid !== sid || call.step !== step || busy) { return; }
      if (typed) { act("keys", { digits: typed }); } else { act("silence"); }
    }, call.gather.timeout * 1000);
  }
  timeoutsEl.addEventListener("change", countTimeout);

  // -- polling: the queue, an agent, a read-back, SMS ------------------------------------
  function schedulePoll() {
    clearTimeout(pollTimer);
    if (!call || (endedAt && Date.now() - endedAt > 60000)) { return; }
    pollTimer = setTimeout(function () {
      if (busy) { return schedulePoll(); }
      post(root.dataset.callsUrl + "/" + call.sid + "/poll").then(show, function () {
        schedulePoll();
      });
    }, 1500);
  }

  // -- dialling, keys, silence, hanging up ------------------------------------------------
  $("dial").addEventListener("submit", function (event) {
    event.preventDefault();
    if (call && call.state !== "ended") { return; }
    errorEl.hidden = true;
    actionError = false;
    call = null;
    endedAt = 0;
    busy = true;
    stateEl.textContent = labels.ringing;
    post(root.dataset.callsUrl, { number: $("number").value }).then(show, showError)
      .then(function () { busy = false; });
  });

  keyBtns.forEach(function (button) {
    button.addEventListener("click", function () {
      var gather = call && call.gather;
      if (!gather || busy) { return; }
      var key = button.dataset.key;
      if (gather.finish_on_key && key === gather.finish_on_key) {
        clearTimeout(timeoutTimer);
        return act("keys", { digits: typed });
      }
      typed += key;
      typedEl.textContent = typed;
      if (gather.num_digits && typed.length >= gather.num_digits) {
        clearTimeout(timeoutTimer);
        act("keys", { digits: typed });
      } else {
        stopAudio();  // a key interrupts the prompts (barge-in); the timeout starts again
        countTimeout();
      }
    });
  });

  silenceBtn.addEventListener("click", function () { act("silence"); });
  hangupBtn.addEventListener("click", function () { stopAudio(); act("hangup"); });

  // -- audio: a file, or the microphone, sent as an 8 kHz mono WAV -----------------------
  function wav(buffer) {
    var samples = buffer.getChannelData(0);
    var bytes = new DataView(new ArrayBuffer(44 + samples.length * 2));
    var text = function (offset, value) {
      for (var i = 0; i < value.length; i++) { bytes.setUint8(offset + i, value.charCodeAt(i)); }
    };
    text(0, "RIFF"); bytes.setUint32(4, 36 + samples.length * 2, true); text(8, "WAVE");
    text(12, "fmt "); bytes.setUint32(16, 16, true); bytes.setUint16(20, 1, true);
    bytes.setUint16(22, 1, true); bytes.setUint32(24, buffer.sampleRate, true);
    bytes.setUint32(28, buffer.sampleRate * 2, true); bytes.setUint16(32, 2, true);
    bytes.setUint16(34, 16, true); text(36, "data"); bytes.setUint32(40, samples.length * 2, true);
    for (var i = 0; i < samples.length; i++) {
      var s = Math.max(-1, Math.min(1, samples[i]));
      bytes.setInt16(44 + i * 2, s < 0 ? s * 0x8000 : s * 0x7fff, true);
    }
    return new Blob([bytes], { type: "audio/wav" });
  }

  // Any audio the browser can decode, as Twilio records it (8 kHz, mono, 16-bit PCM).
  function telephoneWav(blob) {
    var Offline = window.OfflineAudioContext || window.webkitOfflineAudioContext;
    if (!Offline) { return Promise.resolve(blob); }
    return blob.arrayBuffer().then(function (data) {
      return new Offline(1, 1, 8000).decodeAudioData(data);
    }).then(function (decoded) {
      var offline = new Offline(1, Math.max(1, Math.ceil(decoded.duration * 8000)), 8000);
      var source = offline.createBufferSource();
      source.buffer = decoded;
      source.connect(offline.destination);
      source.start();
      return offline.startRendering();
    }).then(wav, function () { return blob; });  // the server reads WAV, FLAC and Ogg too
  }

  function sendAudio(blob, name) {
    if (blob.size > Number(root.dataset.maxUpload)) { return showError(new Error(errors["too-big"])); }
    busy = true;
    telephoneWav(blob).then(function (audio) {
      return act("recording", { audio: new File([audio], name || "recording.wav") });
    });
  }

  // After the beep; or queued or with an agent, on the call's media stream (the agent's
  // live transcript).
  function speakable() {
    return !!call && (call.state === "recording" ||
                      ((call.state === "queued" || call.state === "agent") && call.stream));
  }

  fileEl.addEventListener("change", function () {
    sendFileBtn.disabled = !(speakable() && fileEl.files.length);
  });
  sendFileBtn.addEventListener("click", function () {
    if (fileEl.files.length) { sendAudio(fileEl.files[0], fileEl.files[0].name); }
  });

  function canRecord() {
    return !!(navigator.mediaDevices && navigator.mediaDevices.getUserMedia &&
              window.MediaRecorder);
  }
  $("no-microphone").hidden = canRecord();

  var recorder = null;
  recordBtn.addEventListener("click", function () {
    if (recorder) { recorder.stop(); return; }
    navigator.mediaDevices.getUserMedia({ audio: true }).then(function (stream) {
      var chunks = [];
      recorder = new MediaRecorder(stream);
      recorder.addEventListener("dataavailable", function (event) { chunks.push(event.data); });
      recorder.addEventListener("stop", function () {
        stream.getTracks().forEach(function (track) { track.stop(); });
        recorder = null;
        recordBtn.textContent = recordBtn.dataset.start;
        sendAudio(new Blob(chunks, { type: chunks.length ? chunks[0].type : "audio/webm" }));
      });
      recorder.start();
      recordBtn.textContent = recordBtn.dataset.stop;
    }, function () { showError(new Error(errors.audio)); });
  });
})();
