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

  // After an htmx form swap, move focus to the first error so keyboard users land on it.
  document.addEventListener("htmx:afterSettle", function (evt) {
    if (!evt.detail.requestConfig) return; // live updates never move the focus
    var id = evt.detail.target && evt.detail.target.id;
    var root = id ? document.getElementById(id) : null;
    var invalid = root && root.querySelector("[aria-invalid=true]");
    if (invalid) invalid.focus();
  });
})();
