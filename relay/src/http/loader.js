// The snippet's loader: fetches cobrowse.json, imports the customer module and starts it, and
// builds the page API, window.cobrowse, on the controls the module hands back. The API exists
// as soon as this script runs; calls made before the module is there wait for it.
// (The events, the state and what each call does are the module's; this is only a layer of
// promises and listeners. The TypeScript declarations of the npm package describe it.)
(function () {
  "use strict";
  if (window.cobrowse) { return; } // a second snippet on the page
  var me = document.currentScript;
  var options = window._cobrowse || {};
  var EVENTS = ["code", "agentJoined", "modeChanged", "writeModeRequested", "navigating", "ended", "error"];
  var listeners = {};
  EVENTS.forEach(function (type) { listeners[type] = []; });
  var controls = null; // the module's, once started
  var broken = null; // why the module could not start
  var queued = []; // calls made before then: [run, fail]
  var starts = []; // start()s waiting for the code: [resolve, reject]
  var idle = { state: "idle", code: null, mode: "pointer", writeModeRequested: false };
  var last = idle;

  function emit(type, event) {
    listeners[type].slice().forEach(function (fn) {
      try { fn(event); } catch (e) { console.error("co-browse: a listener of '" + type + "' threw:", e); }
    });
  }

  function fail(why) {
    return why instanceof Error ? why : new Error(String(why));
  }

  // Runs `run(controls)` once the module is there; a promise of its result.
  function whenStarted(run) {
    return new Promise(function (resolve, reject) {
      var go = function () { try { resolve(run(controls)); } catch (e) { reject(fail(e)); } };
      if (controls) { go(); } else if (broken) { reject(broken); } else { queued.push([go, reject]); }
    });
  }

  function onEvent(event) {
    last = event.state;
    if (event.type === "code") {
      starts.splice(0).forEach(function (s) { s[0]({ code: event.code }); });
    } else if (event.type === "ended") {
      var error = fail("co-browse did not start: " + (event.message || event.reason));
      error.reason = event.reason;
      starts.splice(0).forEach(function (s) { s[1](error); });
    } else if (event.type === "writeModeRequested") {
      event.allow = function () { controls.answerWrite(true); };
      event.deny = function () { controls.answerWrite(false); };
    }
    emit(event.type, event);
  }

  function known(type) {
    if (EVENTS.indexOf(type) < 0) {
      throw new TypeError("co-browse: no event '" + type + "' (known: " + EVENTS.join(", ") + ")");
    }
  }

  var api = {
    // Starts a session (the one underway, if any) and resolves with its code. The consent is
    // the customer's: the widget asks it, or, with `ui: false`, the page asked it and says so
    // with start({ confirmed: true }).
    start: function (how) {
      var confirmed = !!(how && how.confirmed === true);
      return whenStarted(function (c) {
        var now = c.state();
        if (now.state !== "idle" && now.code) { return { code: now.code }; }
        return new Promise(function (resolve, reject) {
          starts.push([resolve, reject]);
          try { c.start(confirmed); } catch (e) { starts.pop(); reject(fail(e)); }
        });
      });
    },
    // Ends the session; `ended` follows.
    exit: function () { return whenStarted(function (c) { c.exit(); }); },
    // { state: 'idle' | 'waiting' | 'active', code, mode: 'pointer' | 'write', writeModeRequested }
    state: function () { return controls ? controls.state() : Object.assign({}, last); },
    on: function (type, fn) {
      known(type);
      if (typeof fn !== "function") { throw new TypeError("co-browse: on('" + type + "', fn) needs a function"); }
      listeners[type].push(fn);
      return function () { api.off(type, fn); };
    },
    off: function (type, fn) {
      known(type);
      var at = listeners[type].indexOf(fn);
      if (at >= 0) { listeners[type].splice(at, 1); }
    },
  };
  window.cobrowse = api;
  // Failures the module reports (and its own, below) reach the API's listeners too.
  window.addEventListener("cobrowse:error", function (e) { emit("error", e.detail); });

  function started(c) {
    controls = c;
    queued.splice(0).forEach(function (q) { q[0](); });
    window.dispatchEvent(new CustomEvent("cobrowse:ready", { detail: { state: c.state() } }));
  }
  function refuseCalls(why) {
    broken = fail(why);
    queued.splice(0).forEach(function (q) { q[1](broken); });
  }
  function broke(why) {
    refuseCalls(why);
    console.error("co-browse could not start:", why);
    window.dispatchEvent(new CustomEvent("cobrowse:error", { detail: { context: "loader", message: broken.message } }));
  }

  // The relay, prefix included (it may serve under one); cobrowse.json says the rest.
  var relay = (me && me.getAttribute("data-cobrowse-url")) || (me && me.src.replace(/\/cobrowse\.js([?#].*)?$/, ""));
  if (!relay) { broke("the snippet needs a data-cobrowse-url attribute"); return; }
  relay = relay.replace(/\/+$/, "");
  fetch(relay + "/cobrowse.json", { credentials: "omit" })
    .then(function (response) {
      if (!response.ok) { throw new Error("cobrowse.json answered " + response.status); }
      return response.json();
    })
    .then(function (boot) {
      var base = relay + boot.module;
      return import(base + "master_wasm.js").then(function (m) {
        return m.default({ module_or_path: base + "master_wasm_bg.wasm" }).then(function () {
          var go = function () {
            try {
              var c = m.start(relay, boot.settings, options, onEvent);
              // In a frame the module stays passive: the top page's API is the one to use.
              if (c) { started(c); } else { refuseCalls("co-browsing is the top page's (this page is in a frame)"); }
            } catch (e) { broke(e); }
          };
          if (document.body) { go(); } else { document.addEventListener("DOMContentLoaded", go); }
        });
      });
    })
    .catch(broke);
})();
