// The human review queue: new escalations arrive over ws/escalations/ and are inserted in
// priority order without a reload, as rows the server renders (autoescaped, the same partial
// as the rows already on the page). On every (re)connect the page sends the highest escalation
// id it shows, and the server first sends the open escalations created since: nothing is
// missed while disconnected.
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

  // A new escalation's row is the server's own rendering of it (the same partial as the
  // rows already on the page), so wording, plurals and codes cannot differ.
  function insert(e) {
    const id = Number(e.id);
    if (rows.querySelector('tr[data-escalation-id="' + id + '"]')) return;
    const url = new URL(location.href);
    url.searchParams.set("row", String(id));
    fetch(url.toString(), { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (response) {
        return response.ok ? response.text() : "";
      })
      .then(function (html) {
        if (!html || rows.querySelector('tr[data-escalation-id="' + id + '"]')) return;
        const holder = document.createElement("tbody");
        holder.innerHTML = html.trim(); // server-rendered, autoescaped markup
        const tr = holder.querySelector("tr[data-escalation-id]");
        if (!tr) return;
        tr.classList.add("arrived");
        const empty = rows.querySelector("tr.empty");
        if (empty) empty.remove();
        const priority = Number(tr.querySelector("td.priority").dataset.priority);
        const after = Array.from(rows.querySelectorAll("tr[data-escalation-id]")).find(
          function (row) {
            const cellP = row.querySelector("td.priority");
            return cellP && Number(cellP.dataset.priority) < priority;
          }
        );
        rows.insertBefore(tr, after || null);
      });
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
