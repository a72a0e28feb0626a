// The peer relay for `make bench` (R1–R3): the same routing as cobrowse-relay, written the way
// a small Node service on the `ws` package would be, so the product is measured against a
// plain, competent baseline rather than a strawman.
//
//   node bench/node/relay.js --port N
//
// Does, like ours: a customer socket (/ws/customer) creates a session and gets a random
// routing code unique among live sessions; an agent socket (/ws/agent) joins by that code;
// every binary data frame is looked up by the session it names, checked to come from that
// session's customer (or agent), and forwarded unread to the other side. Sessions end when
// either side closes. TCP_NODELAY is on (the `ws` default). No compression.
//
// Does not, unlike ours: versioned envelopes (postcard) with delivery classes and sequence
// numbers; origin checks, agent tokens, join rate limits; a bounded per-connection queue with a
// replay ring for resume after a drop, back-pressure and gap notices (here a slow receiver's
// frames pile up in memory without bound); heartbeats and timeouts; the key exchange; session
// records in SQLite, reports, metrics; an HTTP API and static files. Per frame it does only
// what routing needs, which favours it.
//
// Framing (binary, little-endian), byte 0 is the type:
//   1 CREATE  customer → relay                2 CREATED [u32 routing] relay → customer
//   3 JOIN    [u32 routing] agent → relay     4 JOINED  [u32 routing] relay → agent
//   5 DATA    [u32 routing][payload], forwarded as it is to the other side
//   6 ERROR   [u32 routing] relay → either side: no such session, or not yours

'use strict';

const http = require('http');
const { WebSocketServer } = require('ws');

const CREATE = 1;
const CREATED = 2;
const JOIN = 3;
const JOINED = 4;
const DATA = 5;
const ERROR = 6;

// The routing space of ours (5-digit codes).
const ROUTING_SPACE = 100000;

const portAt = process.argv.indexOf('--port');
const port = portAt > 0 ? Number(process.argv[portAt + 1]) : 8090;

/** routing → { routing, customer, agent } */
const sessions = new Map();

function frame(type, routing) {
  const b = Buffer.allocUnsafe(5);
  b[0] = type;
  b.writeUInt32LE(routing, 1);
  return b;
}

function newRouting() {
  if (sessions.size >= ROUTING_SPACE / 2) return null;
  for (;;) {
    const r = Math.floor(Math.random() * ROUTING_SPACE);
    if (!sessions.has(r)) return r;
  }
}

function end(session) {
  if (sessions.get(session.routing) !== session) return;
  sessions.delete(session.routing);
  for (const ws of [session.customer, session.agent]) {
    if (ws) ws.close(1000, 'session ended');
  }
}

/** Forwards a DATA frame from `ws` (the `side` of its session) to the other side. */
function route(ws, side, data) {
  const routing = data.readUInt32LE(1);
  const session = sessions.get(routing);
  if (!session || session[side] !== ws) return ws.send(frame(ERROR, routing));
  const to = side === 'customer' ? session.agent : session.customer;
  if (!to) return ws.send(frame(ERROR, routing));
  to.send(data, { binary: true });
}

function customer(ws) {
  let session = null;
  ws.on('message', (data, isBinary) => {
    if (!isBinary || data.length < 1) return ws.close(1002, 'binary frames only');
    if (data[0] === DATA && data.length >= 5) return route(ws, 'customer', data);
    if (data[0] === CREATE && !session) {
      const routing = newRouting();
      if (routing === null) return ws.close(1000, 'no free codes');
      session = { routing, customer: ws, agent: null };
      sessions.set(routing, session);
      return ws.send(frame(CREATED, routing));
    }
    ws.close(1002, 'unexpected frame');
  });
  ws.on('close', () => session && end(session));
}

function agent(ws) {
  let session = null;
  ws.on('message', (data, isBinary) => {
    if (!isBinary || data.length < 5) return ws.close(1002, 'binary frames only');
    if (data[0] === DATA) return route(ws, 'agent', data);
    if (data[0] === JOIN && !session) {
      const routing = data.readUInt32LE(1);
      const s = sessions.get(routing);
      if (!s || s.agent) return ws.send(frame(ERROR, routing));
      s.agent = ws;
      session = s;
      return ws.send(frame(JOINED, routing));
    }
    ws.close(1002, 'unexpected frame');
  });
  ws.on('close', () => session && end(session));
}

const server = http.createServer((req, res) => {
  res.writeHead(req.url === '/health' ? 200 : 404).end();
});
const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
server.on('upgrade', (req, socket, head) => {
  const handler = { '/ws/customer': customer, '/ws/agent': agent }[req.url];
  if (!handler) return socket.destroy();
  wss.handleUpgrade(req, socket, head, handler);
});
server.listen(port, '127.0.0.1', () => {
  console.log(`node ws relay on 127.0.0.1:${port}`);
});
