// The live deliberation page. The server renders the page complete from the database and
// stamps the last event it reflects in data-last-seq; this script resumes from there over a
// websocket and applies each event to the same markup, exactly as cases/live.py folds them.
// Member output is untrusted: it is only ever inserted with textContent.
(function () {
  "use strict";

  var root = document.getElementById("deliberation");
  if (!root) return;
  var texts = JSON.parse(document.getElementById("live-texts").textContent);
  var n = Number(root.dataset.n);
  var q = Number(root.dataset.q);
  var f = Number(root.dataset.f);
  var lastSeq = Number(root.dataset.lastSeq);
  var socket = null;
  var retries = 0;
  var TERMINAL = { consensus: true, no_consensus: true, failed: true };
  var STOP_CODES = { 4400: true, 4401: true, 4404: true };

  function field(scope, name) {
    return scope.querySelector('[data-field="' + name + '"]');
  }
  function card(index) {
    return root.querySelector('.member-card[data-member="' + index + '"]');
  }
  function cards() {
    return Array.prototype.slice.call(root.querySelectorAll(".member-card"));
  }
  function setText(el, value) {
    if (el) el.textContent = value == null ? "" : String(value);
  }
  function show(el, visible) {
    if (el) el.hidden = !visible;
  }
  function format(template, values) {
    return template.replace(/\{(\w+)\}/g, function (_, key) {
      return key in values ? String(values[key]) : "{" + key + "}";
    });
  }

  // --- live tally -------------------------------------------------------------------------
  var liveVotes = {};
  Array.prototype.forEach.call(root.querySelectorAll("[data-field=tally-rows] tr"), function (tr) {
    liveVotes[tr.dataset.classKey] = Number(tr.dataset.votes);
  });

  function classLabel(key) {
    var all = cards();
    for (var i = 0; i < all.length; i++) {
      var dl = field(all[i], "proposal");
      if (dl && !dl.hidden && dl.dataset.classKey === key) return dl.dataset.label;
    }
    return key.replace(/^name:/, "");
  }

  function quorumText(votes) {
    return votes >= q ? "Quorum reached" : votes + " of " + q + " needed";
  }
  function renderTally(counts) {
    var body = field(root, "tally-rows");
    var keys = Object.keys(counts).sort(function (a, b) {
      return counts[b] - counts[a] || (a < b ? -1 : a > b ? 1 : 0);
    });
    body.replaceChildren();
    keys.forEach(function (key) {
      var tr = document.createElement("tr");
      tr.dataset.classKey = key;
      tr.dataset.votes = String(counts[key]);
      [classLabel(key), counts[key], quorumText(counts[key])].forEach(function (v) {
        var td = document.createElement("td");
        td.textContent = String(v);
        tr.appendChild(td);
      });
      body.appendChild(tr);
    });
    show(field(root, "tally-empty"), keys.length === 0);
  }

  // --- member cards -----------------------------------------------------------------------
  function setStatus(el, status) {
    el.dataset.status = status;
    var pill = field(el, "status");
    pill.className = "status-pill status-" + status;
    setText(pill, texts.status[status]);
  }
  function setDetail(el, text) {
    var p = field(el, "detail");
    setText(p, text);
    show(p, Boolean(text));
  }
  function roundSection(el, round) {
    return el.querySelector('.round[data-round="' + round + '"]');
  }
  function showProposal(el, p) {
    var dl = field(el, "proposal");
    dl.dataset.classKey = p.class_key;
    dl.dataset.label = p.icd10 ? p.diagnosis + " (" + p.icd10 + ")" : p.diagnosis;
    setText(field(dl, "diagnosis"), p.diagnosis);
    setText(field(dl, "icd10"), p.icd10 || "no valid code");
    setText(field(dl, "icd10-description"), p.icd10_description);
    setText(field(dl, "confidence"), p.confidence == null ? "" : p.confidence + "%");
    setText(field(dl, "reasoning"), p.reasoning);
    var list = field(dl, "differential");
    list.replaceChildren();
    (p.differential || []).forEach(function (d) {
      var li = document.createElement("li");
      li.textContent = d;
      list.appendChild(li);
    });
    show(dl, true);
    var mark = p.abstained
      ? texts.abstained
      : p.below_threshold
        ? format(texts.below_threshold, { min_confidence: root.dataset.minConfidence })
        : "";
    setText(field(el, "mark"), mark);
    show(field(el, "mark"), Boolean(mark));
    field(roundSection(el, 1), "stream").open = false;
  }
  function voteLabel(v) {
    if (v.abstained) return texts.abstained_vote;
    var chosen = v.for_member == null ? null : card(v.for_member);
    if (!chosen) return v.diagnosis;
    return v.diagnosis + " — proposal of " + chosen.querySelector("h3").textContent;
  }
  function showVote(el, v) {
    var dl = field(el, "vote");
    setText(field(dl, "vote-for"), voteLabel(v));
    setText(field(dl, "vote-reasoning"), v.reasoning);
    show(dl, true);
    field(roundSection(el, 2), "stream").open = false;
  }

  // --- outcome ----------------------------------------------------------------------------
  function setState(state) {
    root.dataset.state = state;
    var section = field(root, "outcome");
    section.className = "panel outcome outcome-" + state;
    setText(field(section, "outcome-title"), texts.state[state]);
  }
  function showDissent(flags) {
    var list = field(root, "dissent");
    list.replaceChildren();
    (flags || []).forEach(function (d) {
      var li = document.createElement("li");
      li.textContent = d.text;
      list.appendChild(li);
    });
    show(list, list.children.length > 0);
  }
  function showEscalation(id, reason) {
    var p = field(root, "escalation");
    if (id == null) return show(p, false);
    setText(field(p, "review-text"), texts.review[reason] || texts.human_review);
    var link = field(p, "escalation-link");
    link.href = "/escalations/" + Number(id) + "/";
    setText(link, "Open the escalation #" + Number(id));
    show(p, true);
  }
  function finish(payload) {
    setState(payload.outcome);
    var winner = payload.winner;
    if (winner) {
      setText(field(root, "winner-diagnosis"), winner.diagnosis);
      setText(field(root, "winner-icd10"), winner.icd10);
      setText(field(root, "winner-icd10-description"), winner.icd10_description);
    }
    show(field(root, "winner"), Boolean(winner));
    var template = texts.reason[payload.reason] || payload.reason;
    setText(
      field(root, "outcome-reason"),
      format(template, {
        votes: winner ? winner.votes : 0,
        n: n,
        q: q,
        f: f,
        faults: (payload.faults || []).length,
        abstentions: payload.abstentions || 0,
      })
    );
    showDissent(payload.dissent);
    renderTally(payload.tally || {});
    showEscalation(payload.escalation, payload.escalation_reason);
    ended();
  }
  // The decision record (escalation, sign-offs) is server-rendered; reload it once it changes.
  function ended() {
    document.body.dispatchEvent(new CustomEvent("deliberation-ended"));
  }
  function fail(payload) {
    setState("failed");
    show(field(root, "winner"), false);
    setText(field(root, "outcome-reason"), payload.reason);
    showEscalation(payload.escalation);
    ended();
    cards().forEach(function (el) {
      if (el.dataset.status === "waiting" || el.dataset.status === "thinking") {
        setStatus(el, "cancelled");
      }
    });
  }

  // --- the fold ---------------------------------------------------------------------------
  function apply(event) {
    var p = event.payload;
    var el = p.member == null ? null : card(p.member);
    switch (event.type) {
      case "round.started":
        cards().forEach(function (c) {
          if (p.round === 1 || c.dataset.status === "done") setStatus(c, "thinking");
        });
        break;
      case "member.delta":
      case "member.repair":
        if (!el) break;
        var stream = field(roundSection(el, p.round), "stream");
        field(stream, "text").textContent +=
          event.type === "member.delta" ? p.text : format(texts.repair_note, p);
        show(stream, true);
        setStatus(el, "thinking");
        break;
      case "member.proposal":
        if (!el) break;
        showProposal(el, p);
        setStatus(el, "done");
        break;
      case "member.vote":
        if (!el) break;
        showVote(el, p);
        setStatus(el, "done");
        if (p.class_key) liveVotes[p.class_key] = (liveVotes[p.class_key] || 0) + 1;
        renderTally(liveVotes);
        break;
      case "member.fault":
        if (!el) break;
        setStatus(el, p.status === "timeout" ? "timeout" : "faulted");
        setDetail(el, p.error);
        break;
      case "member.cancelled":
        if (!el) break;
        setStatus(el, "cancelled");
        setDetail(el, texts.cancelled_detail);
        break;
      case "deliberation.finished":
        finish(p);
        break;
      case "deliberation.failed":
        fail(p);
        break;
    }
    lastSeq = event.seq;
    root.dataset.lastSeq = String(lastSeq);
  }

  // --- the socket -------------------------------------------------------------------------
  function status(text) {
    setText(field(root, "connection"), text);
  }
  function connect() {
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    socket = new WebSocket(scheme + location.host + root.dataset.wsPath);
    socket.onopen = function () {
      retries = 0;
      status("Live");
      socket.send(JSON.stringify({ resume_from: lastSeq }));
    };
    socket.onmessage = function (message) {
      var event = JSON.parse(message.data);
      if (event.seq <= lastSeq) return;
      if (event.seq !== lastSeq + 1) {
        // Never expected (the server fills gaps); reconnecting resumes from lastSeq.
        socket.close();
        return;
      }
      apply(event);
      if (TERMINAL[root.dataset.state]) {
        status("Deliberation ended");
        socket.onclose = null;
        socket.close(1000);
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
