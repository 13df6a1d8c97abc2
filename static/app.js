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

  // After an htmx form swap, move focus to the first error so keyboard users land on it.
  document.addEventListener("htmx:afterSettle", function (evt) {
    if (!evt.detail.requestConfig) return; // live updates never move the focus
    var id = evt.detail.target && evt.detail.target.id;
    var root = id ? document.getElementById(id) : null;
    var invalid = root && root.querySelector("[aria-invalid=true]");
    if (invalid) invalid.focus();
  });
})();
