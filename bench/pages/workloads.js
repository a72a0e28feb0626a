// Page workloads for `make bench`: the same DOM built or changed for the product and for rrweb.
// Deterministic (a seeded generator), so every repetition sees the same page.

export function rng(seed) {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13; x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5; x >>>= 0;
    return x / 4294967296;
  };
}

const WORDS = 'account billing order status shipping address payment card invoice total refund support delivery tracking customer profile settings'.split(' ');

function sentence(r, n) {
  const out = [];
  for (let i = 0; i < n; i++) out.push(WORDS[Math.floor(r() * WORDS.length)]);
  return out.join(' ');
}

// One product card: 6 elements and 5 text nodes (11 nodes), the shape of a shop or account page.
function card(r, i) {
  const c = document.createElement('div');
  c.className = 'card c' + (i % 7);
  c.dataset.id = String(i);
  const h = document.createElement('h3');
  h.className = 'title';
  h.textContent = 'Item ' + i + ' ' + sentence(r, 2);
  const p = document.createElement('p');
  p.className = 'desc';
  p.textContent = sentence(r, 12);
  const a = document.createElement('a');
  a.href = '/item/' + i;
  a.className = 'link';
  a.textContent = 'Open';
  const s = document.createElement('span');
  s.className = 'badge';
  s.textContent = i % 3 ? 'new' : 'sale';
  const b = document.createElement('button');
  b.type = 'button';
  b.textContent = 'Add';
  c.append(h, p, a, s, b);
  return c;
}

export function countNodes(root) {
  let n = 0;
  const w = document.createTreeWalker(root, NodeFilter.SHOW_ALL);
  while (w.nextNode()) n++;
  return n;
}

// Fills the body with about `nodes` nodes of cards in sections of 50.
export function buildPage(nodes, seed = 1) {
  const r = rng(seed);
  const main = document.createElement('main');
  let section = null;
  let made = 0;
  for (let i = 0; made < nodes; i++) {
    if (i % 50 === 0) {
      section = document.createElement('section');
      section.className = 'grid';
      main.append(section);
      made += 1;
    }
    section.append(card(r, i));
    made += 11;
  }
  document.body.append(main);
  document.body.offsetHeight; // laid out, like a real page
  return countNodes(document.documentElement);
}

// A CSS-heavy page: ~1.7k elements and a large stylesheet, as in a design-system app.
export function buildCssHeavyPage(seed = 2) {
  const r = rng(seed);
  const rules = [];
  for (let i = 0; i < 800; i++) {
    const hue = Math.floor(r() * 360);
    rules.push(`.c${i % 7} .k${i} > .title:not(.x${i}), .grid .v${i}:hover { color: hsl(${hue} 40% 30%); ` +
      `margin: ${i % 9}px ${i % 5}px; padding: 2px ${i % 11}px; border: 1px solid hsl(${hue} 30% 80%); ` +
      `font: ${12 + (i % 6)}px/1.4 system-ui, sans-serif; transition: color .2s ease-in-out }`);
  }
  rules.push('@media (max-width: 600px) { .card { display: block } .grid { columns: 1 } }');
  const style = document.createElement('style');
  style.textContent = rules.join('\n');
  document.head.append(style);
  const main = document.createElement('main');
  let section;
  for (let i = 0; i < 285; i++) {
    if (i % 50 === 0) { section = document.createElement('section'); section.className = 'grid'; main.append(section); }
    section.append(card(r, i));
  }
  document.body.append(main);
  document.body.offsetHeight;
  return document.getElementsByTagName('*').length;
}

// rrweb's six mutation benchmark cases, re-implemented from their titles. `setup` runs before
// recording starts; `run` is the timed workload.
export const MUTATION_CASES = {
  'deep-nested': {
    title: 'create 1000× 1 DOM node with deeply nested children',
    setup() {},
    run() {
      for (let i = 0; i < 1000; i++) {
        let node = document.createElement('div');
        const top = node;
        for (let d = 0; d < 10; d++) { const c = document.createElement('div'); node.append(c); node = c; }
        node.textContent = 'leaf ' + i;
        document.body.append(top);
      }
    },
  },
  'create-1000x10': {
    title: 'create 1000×10 DOM nodes',
    setup() {},
    run() {
      for (let i = 0; i < 1000; i++) {
        const row = document.createElement('div');
        for (let j = 0; j < 10; j++) { const s = document.createElement('span'); s.textContent = j; row.append(s); }
        document.body.append(row);
      }
    },
  },
  'add-and-remove': {
    title: 'create 1000×10×2 DOM nodes and remove a bunch of them',
    setup() {},
    run() {
      const rows = [];
      for (let i = 0; i < 2000; i++) {
        const row = document.createElement('div');
        for (let j = 0; j < 10; j++) row.append(document.createElement('span'));
        document.body.append(row);
        rows.push(row);
      }
      for (let i = 0; i < rows.length; i += 2) rows[i].remove();
    },
  },
  'descendant-add': {
    title: 'create 1000 DOM nodes and append into its previous looped node',
    setup() {},
    run() {
      let prev = document.body;
      for (let i = 0; i < 1000; i++) {
        const d = document.createElement('div');
        d.textContent = i;
        prev.append(d);
        prev = d;
      }
    },
  },
  'add-and-move': {
    title: 'create 10000 DOM nodes and move them to a new container',
    setup() {},
    run() {
      const a = document.createElement('div');
      document.body.append(a);
      for (let i = 0; i < 10000; i++) { const d = document.createElement('div'); d.textContent = i; a.append(d); }
      const b = document.createElement('div');
      document.body.append(b);
      while (a.firstChild) b.append(a.firstChild);
    },
  },
  'attributes': {
    title: 'modify attributes on 10000 DOM nodes',
    setup() {
      const box = document.createElement('div');
      box.id = 'attr-box';
      for (let i = 0; i < 10000; i++) box.append(document.createElement('div'));
      document.body.append(box);
    },
    run() {
      const nodes = document.getElementById('attr-box').children;
      for (let i = 0; i < nodes.length; i++) {
        nodes[i].setAttribute('data-x', 'v' + i);
        nodes[i].className = 'k' + (i % 13);
      }
    },
  },
};

// A busy app for one tick of 100 ms: 50 text changes, 20 attribute changes, 10 row inserts.
export function mutationMinuteSetup() {
  const table = document.createElement('table');
  const body = document.createElement('tbody');
  body.id = 'live';
  for (let i = 0; i < 200; i++) body.append(tableRow(i));
  table.append(body);
  document.body.append(table);
}

function tableRow(i) {
  const tr = document.createElement('tr');
  for (let j = 0; j < 5; j++) {
    const td = document.createElement('td');
    td.textContent = j === 0 ? 'row ' + i : String((i * 31 + j * 17) % 1000);
    tr.append(td);
  }
  return tr;
}

export function mutationTick(r, tick) {
  const body = document.getElementById('live');
  const rows = body.rows;
  for (let k = 0; k < 50; k++) {
    const row = rows[Math.floor(r() * rows.length)];
    row.cells[1 + Math.floor(r() * 4)].firstChild.data = (r() * 1000).toFixed(2);
  }
  for (let k = 0; k < 20; k++) {
    const row = rows[Math.floor(r() * rows.length)];
    row.className = r() < 0.5 ? 'up' : 'down';
  }
  for (let k = 0; k < 10; k++) {
    body.insertBefore(tableRow(tick * 10 + k + 200), rows[Math.floor(r() * rows.length)] || null);
  }
}

// The storm fixture's table (`www/fixtures/storm-table.html`): 200 rows rebuilt whole on every
// render, as a framework without keyed rows does.
export function stormTableSetup() {
  document.body.textContent = '';
  const table = document.createElement('table');
  document.body.append(table);
  stormRender(table, 0);
  return table;
}

export function stormRender(table, n) {
  const rows = [];
  for (let i = 0; i < 200; i++) {
    rows.push('<tr><td>Item ' + i + '</td><td>' + ((n * 7 + i * 13) % 1000) + '</td><td>' +
      (i % 3 ? 'up' : 'down') + '</td></tr>');
  }
  table.innerHTML = rows.join('');
}
