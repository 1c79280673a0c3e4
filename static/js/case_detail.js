// The live deliberation page. The server renders the page complete and stamps the last event
// it reflects in data-last-seq; this script resumes from there over a websocket. It folds
// nothing itself: a text delta carries the prose to append (inserted with textContent), and
// every other event carries the fragments the server rendered from its own fold
// (cases/live.py, escaped by Django's templates), which are swapped in by id. The page asks
// for batched frames: each frame is a JSON array of events, in sequence order.
(function () {
  "use strict";

  var root = document.getElementById("deliberation");
  if (!root) return;
  var lastSeq = Number(root.dataset.lastSeq);
  var retries = 0;
  var TERMINAL = { consensus: true, no_consensus: true, failed: true };
  var STOP_CODES = { 4400: true, 4401: true, 4404: true };
  var connection = root.querySelector('[data-field="connection"]');

  function status(text) {
    connection.textContent = text;
  }

  function append(part) {
    var stream = document.querySelector(
      "#member-" + Number(part.member) + ' [data-stream="' + Number(part.round) + '"]'
    );
    if (!stream) return;
    stream.appendChild(document.createTextNode(part.text));
    stream.scrollTop = stream.scrollHeight;
  }

  function swap(id, html) {
    var old = document.getElementById(id);
    if (!old) return;
    var template = document.createElement("template");
    template.innerHTML = html; // server-rendered, autoescaped markup (never raw member text)
    var fresh = template.content.firstElementChild;
    if (!fresh) return;
    var opened = old.querySelector("details[open]");
    var details = fresh.querySelector("details");
    if (opened && details) details.open = true;
    old.replaceWith(fresh);
  }

  function apply(event) {
    if (event.append) append(event.append);
    if (event.html) {
      Object.keys(event.html).forEach(function (id) {
        swap(id, event.html[id]);
      });
      var outcome = document.getElementById("outcome");
      if (outcome && outcome.dataset.state) root.dataset.state = outcome.dataset.state;
    }
    lastSeq = event.seq;
    root.dataset.lastSeq = String(lastSeq);
    if (TERMINAL[root.dataset.state]) {
      // The decision record (escalation, sign-offs) is server-rendered: reload it now.
      document.body.dispatchEvent(new CustomEvent("deliberation-ended"));
    }
  }

  function connect() {
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    var socket = new WebSocket(scheme + location.host + root.dataset.wsPath);
    socket.onopen = function () {
      retries = 0;
      status("Live");
      socket.send(JSON.stringify({ resume_from: lastSeq, batch: true }));
    };
    socket.onmessage = function (message) {
      var data = JSON.parse(message.data);
      var events = Array.isArray(data) ? data : [data];
      for (var i = 0; i < events.length; i++) {
        var event = events[i];
        if (event.seq <= lastSeq) continue;
        if (event.seq !== lastSeq + 1) {
          socket.close(); // never expected (the server fills gaps); reconnecting resumes
          return;
        }
        apply(event);
        if (TERMINAL[root.dataset.state]) {
          status("Deliberation ended");
          socket.onclose = null;
          socket.close(1000);
          return;
        }
      }
    };
    socket.onclose = function (closed) {
      if (STOP_CODES[closed.code]) {
        status("Live updates are not available for this case. Reload the page.");
        return;
      }
      var delay = Math.min(15000, 500 * Math.pow(2, retries++));
      status("Connection lost; reconnecting…");
      window.setTimeout(connect, delay);
    };
  }

  if (!TERMINAL[root.dataset.state] && "WebSocket" in window) {
    status("Connecting…");
    connect();
  }
})();
