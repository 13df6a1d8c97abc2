// Knotenpunkt's small client: an honest connection indicator and lossless live reconnects.
// Loaded after htmx and its SSE extension; no inline scripts (the CSP forbids them).
(function () {
  "use strict";

  var lastIds = new Map(); // sse-connect URL -> id of the last event received

  // The SSE extension re-creates an EventSource after a hard failure; pass the position we
  // reached so that the server replays what was missed (the browser only sends
  // Last-Event-ID on its own automatic reconnects).
  htmx.createEventSource = function (url) {
    var last = lastIds.get(url);
    var target = new URL(url, window.location.href);
    if (last) target.searchParams.set("after", last);
    return new EventSource(target.pathname + target.search, { withCredentials: true });
  };

  function connectUrl(elt) {
    var root = elt.closest("[sse-connect]");
    return root ? root.getAttribute("sse-connect") : null;
  }

  function setStatus(state) {
    var status = document.getElementById("connection-status");
    if (!status || status.dataset.state === state) return;
    status.dataset.state = state;
    status.textContent = status.dataset[state + "Text"] || status.textContent;
  }

  document.addEventListener("htmx:sseMessage", function (evt) {
    var url = connectUrl(evt.target);
    if (url && evt.detail && evt.detail.lastEventId) lastIds.set(url, evt.detail.lastEventId);
  });
  var source = null; // the page's open EventSource, once there is one
  document.addEventListener("htmx:sseOpen", function (evt) {
    source = evt.detail && evt.detail.source;
    setStatus("connected");
  });
  document.addEventListener("htmx:sseError", function () { setStatus("disconnected"); });
  window.addEventListener("offline", function () { setStatus("disconnected"); });
  // A stream that survived a network blip is still live; one that did not reports sseOpen
  // again when it reconnects.
  window.addEventListener("online", function () {
    if (source && source.readyState === EventSource.OPEN) setStatus("connected");
  });

  // Cards arriving live: put each where it belongs on every card list of the page (or take
  // it away when it no longer passes that list's filters), and announce it politely.
  function attr(elt, name) { return elt.getAttribute(name) || ""; }

  function passes(list, card) {
    var only = attr(list, "data-only");
    if (only) return only === attr(card, "data-id");
    var status = attr(list, "data-filter-status");
    if (status ? attr(card, "data-status") !== status : attr(card, "data-status") === "archived") {
      return false;
    }
    var same = [["kind", "kind"], ["resource", "resource"], ["region", "region"],
                ["organisation", "organisation"]];
    for (var i = 0; i < same.length; i++) {
      var wanted = attr(list, "data-filter-" + same[i][0]);
      if (wanted && wanted !== attr(card, "data-" + same[i][1])) return false;
    }
    var words = attr(list, "data-filter-lexemes").split(" ").filter(Boolean);
    if (!words.length) return true;
    var has = new Set(attr(card, "data-lexemes").split(" "));
    return words.every(function (word) { return has.has(word); });
  }

  function place(list, card) {
    var items = list.querySelector("[data-card-list]");
    var id = Number(attr(card, "data-id"));
    var old = items.querySelector('[data-id="' + id + '"]');
    if (!passes(list, card)) {
      if (old) old.remove();
    } else {
      var copy = card.cloneNode(true);
      if (old) {
        old.replaceWith(copy);
      } else {
        // Newest first, as the server lists them.
        var later = Array.prototype.find.call(items.children, function (other) {
          return Number(attr(other, "data-id")) < id;
        });
        items.insertBefore(copy, later || null);
      }
      htmx.process(copy);
    }
    var count = list.querySelector("[data-count]");
    if (count) count.textContent = String(items.children.length);
    var empty = list.querySelector("[data-empty]");
    if (empty) empty.hidden = items.children.length > 0;
    var note = list.querySelector("[data-changed-note]");
    if (note && old && attr(old, "data-version") !== attr(card, "data-version")) {
      note.hidden = false;
      // The parts of a card's page that follow from the card (moves, matches, redemptions,
      // history) are fetched again; the edit form is left alone while someone types in it.
      htmx.trigger(document.body, "kp:card-changed");
    }
  }

  document.addEventListener("htmx:sseBeforeMessage", function (evt) {
    if (!evt.target.hasAttribute("data-card-stream")) return;
    evt.preventDefault(); // placed here instead of swapped in
    var url = connectUrl(evt.target);
    if (url && evt.detail.lastEventId) lastIds.set(url, evt.detail.lastEventId);
    var fragment = document.createElement("template");
    fragment.innerHTML = evt.detail.data;
    var card = fragment.content.querySelector("[data-id]");
    if (!card) return;
    document.querySelectorAll("[data-live-cards]").forEach(function (list) { place(list, card); });
    var said = fragment.content.querySelector("[data-announce]");
    var announcer = document.getElementById("live-announcer");
    if (said && announcer) announcer.textContent = said.textContent;
  });

  // A region fetched again on a live event (hx-trigger="sse:…") waits while someone has typed
  // into one of its forms and not sent it: a live update never throws their text away. The
  // region is fetched once the form is sent (its answer replaces the region) or its fields
  // hold what they held when it came (typed back, or reset).
  function typedIn(region) {
    var fields = region.querySelectorAll("input, textarea, select");
    for (var i = 0; i < fields.length; i++) {
      var field = fields[i];
      if (field.type === "hidden" || field.type === "submit" || field.type === "button") continue;
      if (field.tagName === "SELECT") {
        var marked = Array.prototype.some.call(field.options, function (o) { return o.defaultSelected; });
        if (!marked && !field.multiple) { // the first option is the one it came with
          if (field.selectedIndex > 0) return true;
          continue;
        }
        for (var k = 0; k < field.options.length; k++) {
          if (field.options[k].selected !== field.options[k].defaultSelected) return true;
        }
      } else if (field.type === "checkbox" || field.type === "radio") {
        if (field.checked !== field.defaultChecked) return true;
      } else if (field.value !== field.defaultValue) {
        return true;
      }
    }
    return false;
  }

  document.addEventListener("htmx:confirm", function (evt) {
    var trigger = evt.detail.triggeringEvent;
    if (!trigger || String(trigger.type).indexOf("sse:") !== 0) return;
    if (!typedIn(evt.target)) return;
    evt.preventDefault();
    evt.target.setAttribute("data-live-waiting", trigger.type);
  });

  function fetchIfWaiting(evt) {
    var region = evt.target.closest && evt.target.closest("[data-live-waiting]");
    if (!region || typedIn(region)) return;
    var type = attr(region, "data-live-waiting");
    region.removeAttribute("data-live-waiting");
    htmx.trigger(region, type);
  }
  document.addEventListener("input", fetchIfWaiting);
  document.addEventListener("change", fetchIfWaiting);
  document.addEventListener("reset", function (evt) { setTimeout(function () { fetchIfWaiting(evt); }); });

  // After an htmx form swap, move focus to the first error so keyboard users land on it; if
  // the focused button went away with the swap (a region marked data-focus-keep), keep the
  // focus in that region instead of losing it to the page's start.
  document.addEventListener("htmx:afterSettle", function (evt) {
    if (!evt.detail.requestConfig) return; // live updates never move the focus
    var id = evt.detail.target && evt.detail.target.id;
    var root = id ? document.getElementById(id) : null;
    var invalid = root && root.querySelector("[aria-invalid=true]");
    if (invalid) {
      invalid.focus();
    } else if (root && root.hasAttribute("data-focus-keep") && lostFocus()) {
      focusFirstButton(root);
    }
  });

  function lostFocus() {
    var active = document.activeElement;
    return !active || active === document.body || !document.body.contains(active);
  }

  function focusFirstButton(root) {
    var buttons = root.querySelectorAll("button");
    for (var i = 0; i < buttons.length; i++) {
      if (buttons[i].offsetParent !== null) { buttons[i].focus(); return; }
    }
  }

  // A session's agenda board arriving live (the `board` event): the board is replaced, the
  // moderator's forms learn its version (and fetch their buttons again), one's own hand shows
  // the right button, and what changed is announced politely.
  var offset = null; // the server's clock minus ours, in ms (see observeServerTime)

  // A fragment says when the server rendered it; it reaches us a little later (or, replayed,
  // much later), so each observation underestimates the offset: the largest is the best.
  function observeServerTime(board) {
    var serverNow = Date.parse(attr(board, "data-server-now"));
    if (isNaN(serverNow)) return;
    var seen = serverNow - Date.now();
    if (offset === null || seen > offset) offset = seen;
  }

  function copyVersion(board) {
    var version = Number(attr(board, "data-version"));
    document.querySelectorAll("[data-board-controls] input[name=version]").forEach(function (input) {
      if (version > Number(input.value)) input.value = String(version);
    });
  }

  function showHand(board) {
    var hand = document.getElementById("session-hand");
    if (!hand) return;
    var open = attr(board, "data-hands-open") === "true";
    var person = attr(hand, "data-person");
    var listed = !!(person && board.querySelector('[data-speaker-person="' + person + '"]'));
    var hadFocus = hand.contains(document.activeElement);
    var raise = hand.querySelector("[data-hand-raise]");
    var lower = hand.querySelector("[data-hand-lower]");
    var closed = hand.querySelector("[data-hand-closed]");
    if (raise) raise.hidden = !open || listed;
    if (lower) lower.hidden = !open || !listed;
    if (closed) closed.hidden = open;
    if (hadFocus && lostFocusIn(hand)) focusFirstButton(hand);
  }

  function lostFocusIn(root) {
    var active = document.activeElement;
    return !active || !root.contains(active) || active.offsetParent === null;
  }

  document.addEventListener("htmx:sseBeforeMessage", function (evt) {
    if (!evt.target.hasAttribute("data-board-stream")) return;
    evt.preventDefault(); // placed here instead of swapped in
    var url = connectUrl(evt.target);
    if (url && evt.detail.lastEventId) lastIds.set(url, evt.detail.lastEventId);
    var fragment = document.createElement("template");
    fragment.innerHTML = evt.detail.data;
    var board = fragment.content.querySelector("#session-board");
    var old = document.getElementById("session-board");
    if (!board || !old) return;
    var itemChanged = attr(old, "data-current-item") !== attr(board, "data-current-item");
    old.replaceWith(board);
    observeServerTime(board);
    copyVersion(board);
    showHand(board);
    tick();
    var said = fragment.content.querySelector("[data-announce]");
    var announcer = document.getElementById("live-announcer");
    if (said && announcer) announcer.textContent = said.textContent;
    htmx.trigger(document.body, "kp:board-changed");
    if (itemChanged) htmx.trigger(document.body, "kp:board-item-changed");
    addNotesEditors(board);
  });

  // An item that came onto the board after the page was loaded gets its notes editor: it is
  // fetched as stored now and put in the board's order; editors already there (and what is
  // typed in them) are left alone.
  var editorsComing = new Set();

  function addNotesEditors(board) {
    var section = document.getElementById("session-notes");
    var container = section && section.querySelector("[data-notes-editors]");
    if (!container) return;
    var url = attr(section, "data-editor-url");
    var ids = Array.prototype.map.call(
      board.querySelectorAll(".agenda-board li[data-item]"),
      function (li) { return attr(li, "data-item"); });
    function editor(id) { return container.querySelector('form[data-notes-item="' + id + '"]'); }
    ids.forEach(function (id, index) {
      if (editor(id) || editorsComing.has(id)) return;
      editorsComing.add(id);
      fetch(url.replace("ITEM", id), { credentials: "same-origin", headers: { "HX-Request": "true" } })
        .then(function (response) { return response.ok ? response.text() : null; })
        .catch(function () { return null; })
        .then(function (html) {
          editorsComing.delete(id);
          if (!html || editor(id)) return;
          var fragment = document.createElement("template");
          fragment.innerHTML = html;
          var form = fragment.content.querySelector("form[data-notes-item]");
          if (!form) return;
          var next = null;
          for (var i = index + 1; i < ids.length && !next; i++) next = editor(ids[i]);
          container.insertBefore(form, next);
          htmx.process(form);
          var empty = section.querySelector("[data-notes-empty]");
          if (empty) empty.hidden = true;
        });
    });
  }

  // Notes written by everyone at once (sessions/_notes_editor.html). Each editor remembers the
  // text of the revision its hidden version names (`known`; null when unknown, after a refusal):
  // a textarea holding anything else has unsaved changes. It also keeps the newest stored
  // notes it knows (`stored`): a `notes` event carries only the changed lines from one version
  // to the next and is applied to them when they are at that version; a page that missed a
  // change fetches the editor instead. A save's answer or newer stored notes replace the text
  // only when there are no unsaved changes; otherwise the person's text and the version they
  // started from stay, and their next save is merged on the server. While the connection is
  // down an edit waits and is sent once it is back; a save that fails says plainly that it was
  // not saved.
  var notesStates = new WeakMap(); // editor form -> its state

  function notesParts(form) {
    return {
      area: form.querySelector("[data-notes-text]"),
      version: form.querySelector("[data-notes-version]"),
      status: form.querySelector("[data-notes-status]"),
    };
  }

  function notesState(form) {
    var state = notesStates.get(form);
    if (!state) {
      var parts = notesParts(form);
      var known = parts.area ? parts.area.defaultValue : "";
      state = {
        known: known, sent: null, again: false, waiting: false, fetching: false, wanted: 0,
        stored: { version: parts.version ? Number(parts.version.value) : 0, text: known },
      };
      notesStates.set(form, state);
    }
    return state;
  }

  function notesSay(form, key, text) {
    var status = notesParts(form).status;
    if (status) status.textContent = text !== undefined ? text : attr(status, "data-" + key + "-text");
  }

  function notesEditor(elt) {
    return elt && elt.matches && elt.matches("[data-notes-text]") && elt.form ? elt.form : null;
  }

  function disconnected() {
    var status = document.getElementById("connection-status");
    return navigator.onLine === false || (!!status && status.dataset.state === "disconnected");
  }

  function setNotes(form, text, version) {
    var parts = notesParts(form);
    var state = notesState(form);
    if (parts.area.value !== text) {
      var focused = document.activeElement === parts.area;
      var start = parts.area.selectionStart, end = parts.area.selectionEnd;
      parts.area.value = text;
      if (focused) parts.area.setSelectionRange(Math.min(start, text.length), Math.min(end, text.length));
    }
    parts.version.value = String(version);
    state.known = text;
  }

  // Newer stored notes are shown once nothing of the person's is unsaved or under way.
  function applyLatest(form) {
    var state = notesState(form);
    var parts = notesParts(form);
    if (state.sent !== null || parts.area.value !== state.known) return;
    if (state.stored.version > Number(parts.version.value)) {
      setNotes(form, state.stored.text, state.stored.version);
    }
  }

  function notesStored(form, text, version) {
    var state = notesState(form);
    if (version > state.stored.version) state.stored = { version: version, text: text };
  }

  // The changed lines of a `notes` event (merging.line_changes): [first line, how many, the
  // text in their place], applied from the last to the first.
  function applyLineChanges(text, changes) {
    var lines = text.match(/[^\n]*\n|[^\n]+/g) || [];
    for (var k = changes.length - 1; k >= 0; k--) lines.splice(changes[k][0], changes[k][1], changes[k][2]);
    return lines.join("");
  }

  function fetchNotes(form) {
    var state = notesState(form);
    if (state.fetching) return;
    state.fetching = true;
    fetch(form.action, { headers: { "HX-Request": "true" }, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (body) {
        if (body === null) return false;
        var fragment = document.createElement("template");
        fragment.innerHTML = body;
        var text = fragment.content.querySelector("[data-notes-text]");
        var version = fragment.content.querySelector("[data-notes-version]");
        if (text && version) notesStored(form, text.defaultValue, Number(version.value));
        applyLatest(form);
        return true;
      })
      .catch(function () { return false; }) // the next event tries again
      .then(function (fetched) {
        state.fetching = false;
        // A change announced while fetching may be newer than what came back.
        if (fetched && state.wanted > state.stored.version) fetchNotes(form);
      });
  }

  document.addEventListener("htmx:confirm", function (evt) {
    var form = notesEditor(evt.target);
    if (!form) return;
    var state = notesState(form);
    if (evt.target.value === state.known) { // nothing to save
      evt.preventDefault();
      state.waiting = false;
    } else if (disconnected()) { // kept, and sent when the connection is back
      evt.preventDefault();
      state.waiting = true;
      notesSay(form, "waiting");
    } else if (socketSave(form, evt.target)) { // sent over the page's socket instead
      evt.preventDefault();
    }
  });

  document.addEventListener("htmx:beforeRequest", function (evt) {
    var form = notesEditor(evt.detail.elt);
    if (!form) return;
    var state = notesState(form);
    state.sent = evt.detail.elt.value;
    state.waiting = false;
    notesSay(form, "saving");
  });

  document.addEventListener("htmx:afterRequest", function (evt) {
    var form = notesEditor(evt.detail.elt);
    if (!form) return;
    var xhr = evt.detail.xhr;
    var status = xhr ? xhr.status : 0;
    var fragment = document.createElement("template");
    if (status === 200 || status === 409 || status === 422) fragment.innerHTML = xhr.responseText;
    var answer = fragment.content.querySelector("form[data-notes-item]");
    var text = answer && answer.querySelector("[data-notes-text]");
    var version = answer && answer.querySelector("[data-notes-version]");
    var said = answer && answer.querySelector("[data-notes-status]");
    if (status !== 0 && (!text || !version)) status = -1; // no editor came back: not saved
    notesAnswered(form, status, text && text.defaultValue, version && Number(version.value),
      said ? said.textContent.trim() : "");
  });

  // A save's answer (by HTTP or over the socket): `status` 0 when none came (kept, and sent
  // again once the connection is back), 200 with the merged notes and their version; 409
  // brings the merged proposal (the other text, then mine marked) and the version stored now,
  // 422 the reason: either way what the person wrote stays unsaved. Anything else: not saved.
  function notesAnswered(form, status, text, version, said) {
    var state = notesState(form);
    var parts = notesParts(form);
    var sent = state.sent;
    var again = state.again;
    state.sent = null;
    state.again = false;
    if (status === 0) {
      state.waiting = true;
      notesSay(form, "waiting");
      return;
    }
    var typedOn = parts.area.value !== sent; // typed on while the save was under way
    if (status === 200 && typeof text === "string") {
      notesStored(form, text, version);
      if (!typedOn) setNotes(form, text, version);
      parts.area.removeAttribute("aria-invalid");
      notesSay(form, "saved");
      applyLatest(form);
      if (again && typedOn) htmx.trigger(parts.area, "kp:notes-send");
      return;
    }
    if (status === 409 || status === 422) {
      if (status === 409 && typeof text === "string" && !typedOn) {
        parts.area.value = text;
        parts.version.value = String(version);
      }
      state.known = null;
      parts.area.setAttribute("aria-invalid", "true");
    }
    notesSay(form, "failed", said || undefined);
  }

  // Saves go over one WebSocket per page while it is open (routes/note_socket.py): the same
  // text and version htmx would post, answered on the socket (`n` says which save). The page
  // opens it with its first save (that one is posted); while it is not open htmx posts them,
  // and a socket that closes with saves under way hands them back as unanswered, to be sent
  // again. One save per editor at a time: what is typed meanwhile is sent once the answer is in.
  var notesSocket = null;
  var socketOpen = false;
  var socketRetries = 0;
  var socketNumber = 0;
  var socketPending = new Map(); // n -> editor form
  var socketWanted = false; // opened with the first save: most people in a session only read

  function socketSave(form, area) {
    socketWanted = true; // this person writes notes: the socket is worth opening
    if (!notesSocket || !socketOpen) {
      openNotesSocket();
      return false;
    }
    var state = notesState(form);
    if (state.sent !== null) { // the last save is still under way
      state.again = true;
      return true;
    }
    var number = ++socketNumber;
    var message = JSON.stringify({
      n: number, item: Number(attr(form, "data-notes-item")),
      version: notesParts(form).version.value, text: area.value,
    });
    try { notesSocket.send(message); } catch (e) { return false; }
    socketPending.set(number, form);
    state.sent = area.value;
    state.waiting = false;
    notesSay(form, "saving");
    return true;
  }

  function openNotesSocket() {
    var section = document.querySelector("[data-notes-socket]");
    if (!socketWanted || !section || notesSocket || !window.WebSocket) return;
    var url = (location.protocol === "https:" ? "wss://" : "ws://") + location.host +
      attr(section, "data-notes-socket");
    var socket;
    try { socket = new WebSocket(url); } catch (e) { return; }
    notesSocket = socket;
    socket.onopen = function () {
      socketOpen = true;
      socketRetries = 0;
      sendWaitingNotes();
    };
    socket.onmessage = function (evt) {
      var answer;
      try { answer = JSON.parse(evt.data); } catch (e) { return; }
      var form = socketPending.get(answer.n);
      if (!form) return;
      socketPending.delete(answer.n);
      notesAnswered(form, answer.status, answer.text, answer.version, answer.message);
    };
    socket.onclose = function (evt) {
      notesSocket = null;
      socketOpen = false;
      var forms = Array.from(socketPending.values());
      socketPending.clear();
      forms.forEach(function (form) { notesAnswered(form, 0); });
      sendWaitingNotes(); // by HTTP now; kept again if the connection is down
      // Refused (4403: no longer allowed; 4400: a message it could not read): HTTP saves
      // from now on, which say why. Otherwise the socket is tried again, less and less often.
      if (evt.code === 4403 || evt.code === 4400) return;
      socketRetries = Math.min(socketRetries + 1, 6);
      setTimeout(openNotesSocket, 500 * Math.pow(2, socketRetries - 1) + Math.random() * 500);
    };
  }
  document.addEventListener("htmx:sseOpen", openNotesSocket);

  function sendWaitingNotes() {
    document.querySelectorAll("form[data-notes-item]").forEach(function (form) {
      var state = notesStates.get(form);
      var area = notesParts(form).area;
      if (state && state.waiting && area) htmx.trigger(area, "kp:notes-send");
    });
  }
  document.addEventListener("htmx:sseOpen", sendWaitingNotes);
  window.addEventListener("online", sendWaitingNotes);

  document.addEventListener("htmx:sseBeforeMessage", function (evt) {
    if (!evt.target.hasAttribute("data-notes-stream")) return;
    evt.preventDefault(); // placed here instead of swapped in
    var url = connectUrl(evt.target);
    if (url && evt.detail.lastEventId) lastIds.set(url, evt.detail.lastEventId);
    var fragment = document.createElement("template");
    fragment.innerHTML = evt.detail.data;
    var event = fragment.content.querySelector("[data-notes-event]");
    if (!event) return;
    var form = document.querySelector('form[data-notes-item="' + attr(event, "data-item") + '"]');
    if (!form) return;
    var state = notesState(form);
    var from = Number(attr(event, "data-from"));
    var version = Number(attr(event, "data-version"));
    if (version <= state.stored.version) return; // known already (the page, a save's answer)
    if (from !== state.stored.version) { // a change in between was missed
      state.wanted = Math.max(state.wanted, version);
      fetchNotes(form);
      return;
    }
    var changes;
    try { changes = JSON.parse(attr(event, "data-changes")); } catch (e) { changes = null; }
    if (!changes) { fetchNotes(form); return; }
    state.stored = { version: version, text: applyLineChanges(state.stored.text, changes) };
    applyLatest(form);
  });

  // Timers count in every page from the server's start time: down from the planned time
  // (data-planned-seconds; "+2:13" once it is over), or up for a speaker. Screen readers
  // hear only the moment the planned time is over, not every second.
  var overrun = new Map(); // a timer's start -> whether it was over when last seen

  function clock(seconds) {
    var whole = Math.abs(seconds);
    var rest = whole % 60;
    return (seconds < 0 ? "+" : "") + Math.floor(whole / 60) + ":" + (rest < 10 ? "0" : "") + rest;
  }

  function tick() {
    var timers = document.querySelectorAll("[data-timer]");
    if (!timers.length) return;
    if (offset === null) {
      var board = document.querySelector("[data-server-now]");
      if (board) observeServerTime(board);
    }
    var now = Date.now() + (offset || 0);
    timers.forEach(function (timer) {
      var started = Date.parse(attr(timer, "data-started-at"));
      var value = timer.querySelector("[data-timer-value]");
      if (isNaN(started) || !value) return;
      var elapsed = Math.max(0, Math.floor((now - started) / 1000));
      if (!timer.hasAttribute("data-planned-seconds")) {
        value.textContent = clock(elapsed);
        return;
      }
      var left = Number(attr(timer, "data-planned-seconds")) -
        Number(attr(timer, "data-used-seconds") || 0) - elapsed;
      var key = attr(timer, "data-started-at");
      var over = left < 0;
      value.textContent = clock(left);
      timer.classList.toggle("overrun", over);
      var was = overrun.get(key);
      if (over && was === false) {
        var announcer = document.getElementById("live-announcer");
        if (announcer) announcer.textContent = attr(timer, "data-overrun-text");
      }
      overrun.set(key, over);
    });
  }
  setInterval(tick, 1000);
  document.addEventListener("DOMContentLoaded", tick);

  // The moderator's frequent actions by keyboard (Alt+N next item, Alt+P previous, Alt+F floor
  // to the next speaker), never while someone types in a field.
  var SHORTCUTS = { KeyN: "n", KeyP: "p", KeyF: "f" };
  document.addEventListener("keydown", function (evt) {
    if (!evt.altKey || evt.ctrlKey || evt.metaKey || !SHORTCUTS[evt.code]) return;
    var typing = evt.target.closest && evt.target.closest("input, textarea, select, [contenteditable]");
    if (typing) return;
    var button = document.querySelector(
      '[data-board-controls] [data-shortcut="' + SHORTCUTS[evt.code] + '"]');
    if (!button || button.disabled) return;
    evt.preventDefault();
    // Controls swapped in a moment ago may not be set up by htmx yet: a click would then
    // submit the form the old way and reload the page.
    if (button.form) htmx.process(button.form);
    button.click();
  });
})();
