// The in-page half of `make bench`: `window.bench.*` runs one measurement on a freshly loaded
// page and resolves with its figures; the Rust driver reloads the page between measurements
// and interleaves the product with rrweb.
import initCustomer, * as customer from '/dist/master/master_wasm.js';
import initConsole, * as agentView from '/dist/slave/slave_wasm.js';
import * as w from '/pages/workloads.js';

const now = () => performance.now();
const frame = () => new Promise((r) => requestAnimationFrame(() => r()));
const macrotask = () => new Promise((r) => setTimeout(r, 0));

async function gzipSize(text) {
  const stream = new Blob([text]).stream().pipeThrough(new CompressionStream('gzip'));
  return (await new Response(stream).arrayBuffer()).byteLength;
}

// The previous page's heap (same renderer process) is freed over several collections after
// it unloads: collect until the heap stops shrinking, or the figures can come out negative.
async function collectGarbage() {
  if (typeof gc !== 'function') throw new Error('gc() is not exposed (--js-flags=--expose-gc)');
  let last = Infinity;
  for (let i = 0; i < 10; i++) {
    gc();
    await macrotask();
    const now = performance.memory.usedJSHeapSize;
    if (now >= last - 1024) break;
    last = now;
  }
}

// Long tasks (> 50 ms) seen since `from`, the longest one's duration.
function longTasks() {
  const seen = [];
  const obs = new PerformanceObserver((list) => seen.push(...list.getEntries()));
  obs.observe({ type: 'longtask', buffered: false });
  return () => { obs.takeRecords().forEach((e) => seen.push(e)); obs.disconnect(); return seen.reduce((m, e) => Math.max(m, e.duration), 0); };
}

// Our snapshot as a session takes it: in slices, each part encoded when ready.
function cobrowseSnapshot() {
  let snap;
  return new Promise((resolve) => { snap = new customer.BenchSnapshot(() => resolve()); }).then(() => snap);
}

// A recording stream, once its snapshot is complete.
function cobrowseRecorder() {
  let rec;
  return new Promise((resolve) => { rec = new customer.BenchRecorder(() => resolve()); }).then(() => rec);
}

// The longest stretch the main thread was busy, as a page script would feel it: a message loop
// timestamps each turn it gets; the widest gap between two turns spans the longest task(s) run
// in between. (The long task API only reports tasks over 50 ms.)
function busiest() {
  const channel = new MessageChannel();
  let last = now(), widest = 0, running = true;
  channel.port1.onmessage = () => {
    const t = now();
    widest = Math.max(widest, t - last);
    last = t;
    if (running) channel.port2.postMessage(0);
  };
  channel.port2.postMessage(0);
  return () => { running = false; widest = Math.max(widest, now() - last); channel.port1.close(); return widest; };
}

function rrwebRecord(onEvent) {
  const events = [];
  const stop = rrweb.record({ emit(e) { if (onEvent) onEvent(e); else events.push(e); } });
  return { stop, events };
}

const bench = {
  ready: Promise.all([initCustomer(), initConsole()]),

  // C1, C2, B1: one cold full snapshot of a page of `nodes` nodes (or the CSS-heavy page).
  async snapshot(kind, page, nodes) {
    await bench.ready;
    const count = page === 'css' ? w.buildCssHeavyPage() : w.buildPage(nodes);
    await frame();
    await macrotask();
    const longest = longTasks();
    const gaps = busiest();
    let ms, bytes, raw, parts;
    if (kind === 'cobrowse') {
      const t0 = now();
      const snap = await cobrowseSnapshot();
      ms = now() - t0;
      bytes = snap.bytes;
      parts = snap.parts;
      snap.stop();
    } else {
      const t0 = now();
      const rec = rrwebRecord();
      ms = now() - t0;
      rec.stop();
      if (!rec.events.some((e) => e.type === 2)) throw new Error('rrweb took no full snapshot');
      raw = JSON.stringify(rec.events);
      bytes = await gzipSize(raw);
    }
    const widest = gaps();
    await macrotask();
    // rrweb's snapshot is one task at least as long as the call; ours is sliced.
    const slowest = Math.max(longest(), widest);
    return { ms, bytes, raw: raw ? raw.length : null, nodes: count, parts: parts || 1,
             longest: kind === 'cobrowse' ? slowest : Math.max(slowest, ms) };
  },

  // Diagnosis: where a snapshot's time and bytes go (walk, postcard, deflate at `level`).
  async parts(nodes, level) {
    await bench.ready;
    const count = nodes ? w.buildPage(nodes) : w.buildCssHeavyPage();
    await frame();
    const [walk, encode, deflate, plain, packed] = customer.benchSnapshotParts(level);
    return { nodes: count, walk, encode, deflate, plain, packed };
  },

  // C3: the time a mutation workload takes with a recorder, until its changes are captured.
  async mutations(kind, name) {
    await bench.ready;
    const c = w.MUTATION_CASES[name];
    c.setup();
    let rec = null;
    let rr = null;
    if (kind === 'cobrowse') rec = await cobrowseRecorder();
    if (kind === 'rrweb') rr = rrwebRecord(() => {});
    await frame();
    await macrotask();
    if (rec) rec.flush();
    const t0 = now();
    c.run();
    await Promise.resolve(); // MutationObserver callbacks (rrweb serializes here)
    if (rec) rec.flush();    // what our next animation frame would do
    const ms = now() - t0;
    if (rec) rec.stop();
    if (rr) rr.stop();
    return { ms };
  },

  // C4: memory a running recorder retains, per node of the page.
  async memory(kind, nodes) {
    await bench.ready;
    const count = w.buildPage(nodes);
    await frame();
    await collectGarbage();
    const heap0 = performance.memory.usedJSHeapSize;
    const wasm0 = customer.benchWasmMemory();
    let keep;
    if (kind === 'cobrowse') { keep = await cobrowseRecorder(); keep.takeSnapshot(); }
    else keep = rrwebRecord(() => {});
    await frame();
    await macrotask();
    await collectGarbage();
    const heap = performance.memory.usedJSHeapSize - heap0;
    const wasm = customer.benchWasmMemory() - wasm0;
    window.__keep = keep;
    return { heap, wasm, nodes: count, perNode: (heap + wasm) / count };
  },

  // B2: bytes for a minute of a busy page (600 ticks of 100 ms, run back to back).
  async minute(kind, ticks) {
    await bench.ready;
    w.mutationMinuteSetup();
    const r = w.rng(7);
    if (kind === 'cobrowse') {
      const rec = await cobrowseRecorder();
      rec.takeSnapshot();
      for (let t = 0; t < ticks; t++) { w.mutationTick(r, t); rec.flush(); }
      const bytes = rec.batchBytes;
      rec.stop();
      return { bytes, batches: ticks };
    }
    const events = [];
    let started = false;
    const rr = rrwebRecord((e) => { if (started) events.push(e); });
    started = true;
    for (let t = 0; t < ticks; t++) { w.mutationTick(r, t); await Promise.resolve(); }
    await macrotask();
    rr.stop();
    // One gzip stream over the whole minute: the best case for rrweb (uploads batch events).
    return { bytes: await gzipSize(JSON.stringify(events)), batches: events.length };
  },

  // C6: a 200-row table re-rendered every 50 ms for `seconds`, the stream flushed every
  // animation frame as a session does: how many batches and bytes leave the page.
  async storm(seconds) {
    await bench.ready;
    const table = w.stormTableSetup();
    const rec = await cobrowseRecorder();
    rec.takeSnapshot();
    let renders = 0, running = true;
    const t0 = now();
    const timer = setInterval(() => { w.stormRender(table, renders++); }, 50);
    const pump = () => { rec.flush(); if (running) requestAnimationFrame(pump); };
    requestAnimationFrame(pump);
    await new Promise((r) => setTimeout(r, seconds * 1000));
    clearInterval(timer);
    running = false;
    await new Promise((r) => setTimeout(r, 400));
    rec.flush();
    // Every batch the stream built: those its own timer flushed at the end of a hold too.
    const batches = rec.batches, bytes = rec.batchBytes, ms = now() - t0;
    rec.stop();
    return { renders, batches, bytes, ms, bytesPerSecond: bytes / seconds };
  },

  // C7: memory over an hour of a re-rendered table (20 renders a second for an hour, run back
  // to back), each render flushed: heap and wasm memory after a warm-up, then at the end. In
  // parts (hourStart, hourRun × n, hourEnd): each call must answer within two minutes.
  async hourStart() {
    await bench.ready;
    const table = w.stormTableSetup();
    const rec = await cobrowseRecorder();
    rec.takeSnapshot();
    // Every render its own batch: run back to back, a storm's hold would merge them all, and
    // every node must come and go through the mirror as in a real hour.
    rec.setStormHold(0);
    let i = 0;
    for (; i < 1000; i++) { w.stormRender(table, i); rec.flush(); }
    await macrotask();
    await collectGarbage();
    window.__hour = { table, rec, i, heap0: performance.memory.usedJSHeapSize, wasm0: customer.benchWasmMemory(), t0: now() };
    return { warm: i };
  },

  async hourRun(renders) {
    const h = window.__hour;
    for (let k = 0; k < renders; k++, h.i++) {
      w.stormRender(h.table, h.i);
      h.rec.flush();
      if (k % 500 === 0) await macrotask();
    }
    return { renders: h.i };
  },

  async hourEnd() {
    const h = window.__hour;
    h.rec.flush();
    const ms = now() - h.t0;
    await collectGarbage();
    const heap = performance.memory.usedJSHeapSize - h.heap0, wasm = customer.benchWasmMemory() - h.wasm0;
    const batches = h.rec.batches;
    h.rec.stop();
    return { heap, wasm, growth: heap + wasm, renders: h.i, batches, ms };
  },

  // V1: rebuilding a captured 10k-node page in the agent's view.
  async rebuild(kind, nodes) {
    await bench.ready;
    w.buildPage(nodes);
    await frame();
    if (kind === 'cobrowse') {
      const snap = await cobrowseSnapshot();
      snap.stop();
      const payloads = snap.takeParts();
      const frameEl = document.createElement('iframe');
      document.body.append(frameEl);
      await frame();
      const view = new agentView.BenchView(frameEl);
      const t0 = now();
      for (const p of payloads) view.apply(p);
      const ms = now() - t0;
      return { ms, tracked: view.tracked };
    }
    const rec = rrwebRecord();
    rec.stop();
    const root = document.createElement('div');
    document.body.append(root);
    await frame();
    return await new Promise((resolve) => {
      const t0 = now();
      const replayer = new rrweb.Replayer(rec.events, { root, mouseTail: false, showWarning: false });
      replayer.on('fullsnapshot-rebuilded', () => resolve({ ms: now() - t0 }));
    });
  },

  // V2: applying batches of 500 new nodes to the view, each timed.
  async incremental(batches) {
    await bench.ready;
    w.buildPage(1000);
    const rec = await cobrowseRecorder();
    const frameEl = document.createElement('iframe');
    // The view is the bench's, not the page's: marked as co-browse's own, capture skips it
    // (else what the view rebuilds would be captured as a frame of the page, and so on).
    frameEl.setAttribute('data-cobrowse-own', '');
    document.body.append(frameEl);
    await frame();
    const view = new agentView.BenchView(frameEl);
    for (const p of rec.takeSnapshot()) view.apply(p);
    // Each 500-node batch on its own: a storm's hold would merge them.
    rec.setStormHold(0);
    const host = document.querySelector('main');
    const r = w.rng(3);
    const times = [];
    for (let b = 0; b < batches; b++) {
      const box = document.createElement('section');
      for (let i = 0; i < 50; i++) {          // 50 × (div + 4 spans + 4 texts + 1 text) = 500 nodes
        const d = document.createElement('div');
        d.className = 'row';
        for (let j = 0; j < 4; j++) { const s = document.createElement('span'); s.textContent = (r() * 100).toFixed(1); d.append(s); }
        d.append(' ');
        box.append(d);
      }
      host.append(box);
      if (b > 0 && b % 4 === 0) host.firstElementChild.remove();
      const payload = rec.flush();
      const t0 = now();
      view.apply(payload);
      times.push(now() - t0);
    }
    rec.stop();
    return { times };
  },
};

window.bench = bench;
