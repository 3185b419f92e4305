// warroom's own script: the CSRF header for htmx requests, and live
// updates over server-sent events. Pages work without it.
(function () {
  "use strict";
  document.addEventListener("htmx:configRequest", function (e) {
    var token = document.body.dataset.csrf;
    if (token) { e.detail.headers["X-CSRF-Token"] = token; }
  });

  // Live updates: the page names its stream in data-stream. Each event's
  // data is HTML for the element whose id is in the event's first line
  // ("<target id> <how>\n<html>"), how being prepend, append, replace or
  // reload (fetch the target's data-src and replace it).
  function follow(url) {
    if (!window.EventSource) { return; }
    var es = new EventSource(url);
    // data-live says whether the stream is connected (tests wait for it).
    es.onopen = function () { document.body.dataset.live = "open"; };
    es.onerror = function () {
      document.body.dataset.live = "retrying";
      // A stream refused for good (session ended, incident hidden) is
      // not retried by the browser: reloading shows why.
      if (es.readyState === EventSource.CLOSED) { window.location.reload(); }
    };
    es.addEventListener("update", function (e) {
      var nl = e.data.indexOf("\n");
      var head = (nl < 0 ? e.data : e.data.slice(0, nl)).split(" ");
      var html = nl < 0 ? "" : e.data.slice(nl + 1);
      apply(head[0], head[1], html);
    });
  }

  function apply(id, how, html) {
    var el = document.getElementById(id);
    if (!el) { return; }
    if (how === "reload") {
      reload(id);
      return;
    }
    var tpl = document.createElement("template");
    tpl.innerHTML = html;
    var nodes = Array.prototype.slice.call(tpl.content.children);
    nodes.forEach(function (n) {
      var old = n.id && document.getElementById(n.id);
      if (how === "replace") { if (old) { old.replaceWith(n); } return; }
      if (old) { return; } // already shown
      if (how === "prepend") { el.insertBefore(n, el.firstChild); }
      else { el.appendChild(n); }
      n.classList.add("new");
      if (window.htmx) { window.htmx.process(n); }
    });
  }

  // reload fetches an element's data-src and replaces it. A burst of
  // changes costs at most two fetches: one running, one after it.
  var loading = {};
  function reload(id) {
    if (loading[id]) { loading[id] = "again"; return; }
    var el = document.getElementById(id);
    if (!el || !el.dataset.src) { return; }
    loading[id] = true;
    fetch(el.dataset.src, { headers: { "HX-Request": "true" }, credentials: "same-origin" })
      .then(function (r) {
        // The session ended: reload, which leads through sign-in back here.
        if (r.status === 401) { window.location.reload(); return null; }
        return r.ok ? r.text() : null;
      })
      .then(function (t) {
        var cur = document.getElementById(id);
        if (t !== null && cur) { swap(cur, t); }
      })
      .finally(function () {
        var again = loading[id] === "again";
        loading[id] = false;
        if (again) { reload(id); }
      });
  }

  function swap(el, html) {
    var tpl = document.createElement("template");
    tpl.innerHTML = html;
    var n = tpl.content.firstElementChild;
    if (!n) { return; }
    // Keep the user's focus and typing: replace only unfocused panels.
    if (el.contains(document.activeElement) && document.activeElement !== document.body) { return; }
    el.replaceWith(n);
    if (window.htmx) { window.htmx.process(n); }
  }

  // A refused htmx form (a 4xx the form does not swap itself) shows the
  // server's message at the top of the page.
  document.addEventListener("htmx:responseError", function (e) {
    var box = document.getElementById("flash");
    if (!box) { return; }
    var tpl = document.createElement("template");
    tpl.innerHTML = e.detail.xhr.responseText;
    box.textContent = tpl.content.textContent.trim() || ("request failed: " + e.detail.xhr.status);
    box.hidden = false;
  });

  // The composer comes back empty after sending: keep typing in it.
  document.addEventListener("htmx:afterSwap", function (e) {
    if (e.detail.target && e.detail.target.id === "composer") {
      var text = document.getElementById("c-text");
      if (text) { text.focus(); }
    }
  });

  document.addEventListener("DOMContentLoaded", function () {
    var url = document.body.dataset.stream;
    if (url) { follow(url); }
    // The composer: Ctrl/Cmd+Enter sends.
    document.addEventListener("keydown", function (e) {
      if (e.key === "Enter" && (e.ctrlKey || e.metaKey) && e.target.form && e.target.form.classList.contains("composer")) {
        e.preventDefault();
        e.target.form.requestSubmit();
      }
    });
  });
})();
