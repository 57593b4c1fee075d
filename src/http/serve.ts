import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { Server as NetServer, type Socket } from 'node:net';
import { serve } from '@hono/node-server';
import type { Logger } from 'pino';
import type { App } from '../app.js';

export type Listening = { server: Server; port: number; close(timeoutMs: number): Promise<void> };

export function listen(app: App, port: number, host: string): Promise<Listening> {
  return new Promise((resolve, reject) => {
    const server = serve({ fetch: app.fetch, port, hostname: host }, (info) => {
      resolve({ server, port: info.port, close: (timeoutMs) => drain(server, timeoutMs, tracker) });
    }) as Server;
    const tracker = trackConnections(server);
    server.once('error', reject);
  });
}

type Tracker = { sockets: Map<Socket, { active: number; idleSince: number }>; draining: boolean };

function trackConnections(server: Server): Tracker {
  const tracker: Tracker = { sockets: new Map(), draining: false };
  server.on('connection', (socket: Socket) => {
    tracker.sockets.set(socket, { active: 0, idleSince: Date.now() });
    socket.once('close', () => tracker.sockets.delete(socket));
  });
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const state = tracker.sockets.get(req.socket);
    if (state) state.active++;
    // While draining, every answer closes its connection so clients reconnect elsewhere.
    if (tracker.draining) res.setHeader('Connection', 'close');
    res.once('close', () => {
      if (!state) return;
      state.active--;
      if (state.active === 0) state.idleSince = Date.now();
    });
  });
  return tracker;
}

/** How long a connection must have had nothing in flight before draining ends it. */
const IDLE_GRACE_MS = 500;

/**
 * Stops accepting connections and lets every request already sent finish.
 * http.Server.close() would also drop connections that are "idle", which
 * includes one whose next request has arrived but not yet been parsed: that
 * request would be lost. So only the listening socket is closed, answers carry
 * `Connection: close`, and a connection is ended once it has had nothing in
 * flight for a grace period. Whatever remains at the timeout is cut.
 */
function drain(server: Server, timeoutMs: number, tracker: Tracker): Promise<void> {
  tracker.draining = true;
  return new Promise((resolve) => {
    const deadline = Date.now() + timeoutMs;
    // Accept what the kernel already queued before the listening socket goes away.
    setImmediate(() => {
      NetServer.prototype.close.call(server);
      const sweep = () => {
        const now = Date.now();
        for (const [socket, state] of tracker.sockets) {
          const idle = state.active === 0 && now - state.idleSince >= IDLE_GRACE_MS;
          // end() flushes what is still buffered (a response just finished) before closing.
          if (now >= deadline) socket.destroy();
          else if (idle && !socket.writableEnded) socket.end();
        }
        if (tracker.sockets.size === 0) resolve();
        else setTimeout(sweep, 25).unref();
      };
      sweep();
    });
  });
}

/** Runs `stop` once on SIGTERM or SIGINT; a second signal exits at once. */
export function onShutdownSignal(log: Logger, stop: () => Promise<void>) {
  let stopping = false;
  const handler = (signal: NodeJS.Signals) => {
    if (stopping) {
      log.warn({ signal }, 'second signal, exiting now');
      process.exit(1);
    }
    stopping = true;
    log.info({ signal }, 'shutting down');
    stop().then(
      () => process.exit(0),
      (err) => {
        log.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', handler);
  process.on('SIGINT', handler);
}
