// The human review queue: new escalations arrive over ws/escalations/ and are inserted in
// priority order without a reload. Everything from the server is inserted with textContent.
// On every (re)connect the page sends the highest escalation id it shows, and the server
// first sends the open escalations created since: nothing is missed while disconnected.
(function () {
  "use strict";
  const root = document.getElementById("escalation-queue");
  if (!root || !root.dataset.ws) return;
  const rows = document.getElementById("queue-rows");
  const note = document.getElementById("live-note");
  let delay = 1000;
  let connectedBefore = false;

  function lastId() {
    return Array.from(rows.querySelectorAll("tr[data-escalation-id]")).reduce(function (max, row) {
      return Math.max(max, Number(row.dataset.escalationId) || 0);
    }, 0);
  }

  function cell(tr, text) {
    const td = document.createElement("td");
    if (text !== undefined) td.textContent = text;
    tr.appendChild(td);
    return td;
  }

  function render(e) {
    const tr = document.createElement("tr");
    tr.dataset.escalationId = String(e.id);
    tr.classList.add("arrived");
    const priority = cell(tr, String(e.priority));
    priority.className = "priority";
    priority.dataset.priority = String(e.priority);
    if (e.severity) {
      const sev = document.createElement("span");
      sev.className = "severity";
      sev.textContent = " (severity " + e.severity + ")";
      priority.appendChild(sev);
    }
    const caseCell = cell(tr);
    caseCell.className = "case-cell";
    const link = document.createElement("a");
    link.href = e.url;
    link.textContent = "Case " + e.case;
    caseCell.appendChild(link);
    const summary = document.createElement("p");
    summary.className = "summary";
    summary.textContent = e.summary;
    caseCell.appendChild(summary);
    const reason = document.createElement("span");
    reason.className = "reason reason-" + String(e.reason).replace(/[^a-z_]/g, "");
    reason.dataset.reason = e.reason;
    reason.textContent = e.reason_display;
    cell(tr).appendChild(reason);
    const list = document.createElement("ul");
    list.className = "candidates";
    const candidates = Array.isArray(e.candidates) ? e.candidates : [];
    candidates.forEach(function (text) {
      const li = document.createElement("li");
      li.textContent = String(text);
      list.appendChild(li);
    });
    if (!candidates.length) {
      const li = document.createElement("li");
      li.className = "muted";
      li.textContent = "No valid proposals";
      list.appendChild(li);
    }
    cell(tr).appendChild(list);
    cell(tr, "just now").className = "age";
    const status = document.createElement("span");
    status.className = "status-pill status-open";
    status.textContent = "Open";
    const claim = cell(tr);
    claim.className = "claim";
    claim.appendChild(status);
    return tr;
  }

  function insert(e) {
    if (rows.querySelector('tr[data-escalation-id="' + Number(e.id) + '"]')) return;
    const empty = rows.querySelector("tr.empty");
    if (empty) empty.remove();
    const tr = render(e);
    const after = Array.from(rows.querySelectorAll("tr[data-escalation-id]")).find(function (row) {
      const cellP = row.querySelector("td.priority");
      return cellP && Number(cellP.dataset.priority) < e.priority;
    });
    rows.insertBefore(tr, after || null);
  }

  function connect() {
    const scheme = location.protocol === "https:" ? "wss://" : "ws://";
    const socket = new WebSocket(scheme + location.host + root.dataset.ws);
    root.dataset.state = "connecting";
    socket.addEventListener("open", function () {
      root.dataset.state = "live";
      delay = 1000;
      if (note) note.hidden = false;
      const after = lastId();
      if (after > 0 || connectedBefore) socket.send(JSON.stringify({ resume_after: after }));
      connectedBefore = true;
    });
    socket.addEventListener("message", function (message) {
      const data = JSON.parse(message.data);
      if (data.type === "escalation.created") insert(data);
    });
    socket.addEventListener("close", function (event) {
      root.dataset.state = "closed";
      if (note) note.hidden = true;
      if (event.code >= 4400 && event.code < 4500) return; // refused: do not retry
      setTimeout(connect, delay);
      delay = Math.min(delay * 2, 30000);
    });
  }

  connect();
})();
