// The page API: window.cobrowse in the snippet, what the npm package's init() returns. It is a
// layer of promises and listeners over the customer module's controls; the events, the state
// and what each call does are the module's. It exists before the module is there, which is
// loaded only when co-browse starts: a call that needs the module has it loaded (`load`, once
// set) and waits for it; before then the state is idle. (Shared, as is, by the loader and the
// npm package: no globals here.)
function pageApi() {
  var EVENTS = ["code", "agentJoined", "modeChanged", "writeModeRequested", "navigating", "ended", "error"];
  var listeners = {};
  EVENTS.forEach(function (type) { listeners[type] = []; });
  var controls = null; // the module's, once started
  var broken = null; // why the module could not start
  var queued = []; // calls made before then: [run, fail]
  var load = null; // loads and starts the module (once), when a call needs it
  var starts = []; // start()s waiting for the code: [resolve, reject]
  var last = { state: "idle", code: null, mode: "pointer", writeModeRequested: false };

  function emit(type, event) {
    listeners[type].slice().forEach(function (fn) {
      try { fn(event); } catch (e) { console.error("co-browse: a listener of '" + type + "' threw:", e); }
    });
  }

  function asError(why) {
    return why instanceof Error ? why : new Error(String(why));
  }

  // Runs `run(controls)` once the module is there; a promise of its result.
  function whenStarted(run) {
    return new Promise(function (resolve, reject) {
      var go = function () { try { resolve(run(controls)); } catch (e) { reject(asError(e)); } };
      if (controls) { go(); } else if (broken) { reject(broken); } else {
        queued.push([go, reject]);
        if (load) { load(); }
      }
    });
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
          try { c.start(confirmed); } catch (e) { starts.pop(); reject(asError(e)); }
        });
      });
    },
    // Ends the session; `ended` follows. Without the module there is no session to end.
    exit: function () {
      if (!controls && !queued.length) { return Promise.resolve(); }
      return whenStarted(function (c) { c.exit(); });
    },
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

  return {
    api: api,
    // What the module calls with each event.
    onEvent: function (event) {
      last = event.state;
      if (event.type === "code") {
        starts.splice(0).forEach(function (s) { s[0]({ code: event.code }); });
      } else if (event.type === "ended") {
        var error = asError("co-browse did not start: " + (event.message || event.reason));
        error.reason = event.reason;
        starts.splice(0).forEach(function (s) { s[1](error); });
      } else if (event.type === "writeModeRequested") {
        event.allow = function () { controls.answerWrite(true); };
        event.deny = function () { controls.answerWrite(false); };
      }
      emit(event.type, event);
    },
    // Failures the module reports (`cobrowse:error` on window) and the starter's own.
    onError: function (detail) { emit("error", detail); },
    // How to load the module when a call needs it (the caller makes it run once); calls made
    // before it was known load it now.
    loader: function (fn) {
      load = fn;
      if (queued.length) { load(); }
    },
    // The module started and handed its controls over.
    started: function (c) {
      controls = c;
      queued.splice(0).forEach(function (q) { q[0](); });
    },
    // The module cannot start: calls are refused with `why`.
    refuse: function (why) {
      broken = asError(why);
      queued.splice(0).forEach(function (q) { q[1](broken); });
      return broken;
    },
  };
}
