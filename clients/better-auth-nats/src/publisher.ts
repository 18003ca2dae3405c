/**
 * The NATS side: one connection (yours or ours), fire-and-forget publishing that never throws on the request path, a
 * bounded queue for the time no connection is usable, and counters.
 */
import { connect, type NatsConnection, type NodeConnectionOptions } from "@nats-io/transport-node";

import { checkPrefix, encodeEvent, type EncodedEvent, type OccurredAt, type PermsEvent } from "./events.js";

/** Where messages about the publisher go. `console` fits; so does Better Auth's logger or pino. */
export interface PermsLogger {
  error(message: string, ...args: unknown[]): void;
  warn(message: string, ...args: unknown[]): void;
  info?(message: string, ...args: unknown[]): void;
}

/** Why something was not published (or could not be). */
export type PermsPublishErrorCode =
  /** The first connection (or a new one after the connection closed) could not be made; it is retried. */
  | "CONNECT_FAILED"
  /** The connection closed for good (yours, or ours after it gave up); ours is reconnected from scratch. */
  | "CONNECTION_CLOSED"
  /** No usable connection and the queue was full: the event is dropped. */
  | "QUEUE_FULL"
  /** `close()` was called while events were still queued: they are dropped. */
  | "DROPPED_ON_CLOSE"
  /** Published after `close()`: dropped. */
  | "PUBLISHER_CLOSED"
  /** The NATS client refused the message (e.g. payload too large): dropped. */
  | "PUBLISH_FAILED"
  /** The server reported an error (e.g. a permissions violation on the subject). */
  | "SERVER_ERROR"
  /** A Better Auth hook could not build or publish its event (e.g. an id missing): nothing was published. */
  | "HOOK_FAILED"
  /** `flush()` was called with no usable connection. */
  | "NOT_CONNECTED";

export class PermsPublishError extends Error {
  override readonly name = "PermsPublishError";
  readonly code: PermsPublishErrorCode;
  /** The event concerned, when there is one. */
  readonly event: PermsEvent | undefined;

  constructor(code: PermsPublishErrorCode, message: string, options: { cause?: unknown; event?: PermsEvent | undefined } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.event = options.event;
  }
}

/**
 * Called for every error (each one is also counted in `stats().errors`). It must not throw (if it does, the throw is
 * logged and ignored). Without it, errors go to the logger.
 */
export type PermsErrorHandler = (error: PermsPublishError, event?: PermsEvent) => void;

export interface PermsPublisherOptions {
  /**
   * A connection you made and own (the publisher never closes it). Give it `maxReconnectAttempts: -1`: once a
   * connection closes for good, every later event is dropped.
   */
  connection?: NatsConnection | undefined;
  /** Or: the server(s) to connect to ("nats://host:4222"); the publisher then owns the connection. */
  servers?: string | string[] | undefined;
  /** More options for the connection the publisher makes (credentials, TLS, name...). */
  connectOptions?: Omit<NodeConnectionOptions, "servers"> | undefined;
  /** Put in front of every subject: "" (default) or tokens ending with a dot, e.g. "myapp.". Same as Perms' setting. */
  prefix?: string | undefined;
  onError?: PermsErrorHandler | undefined;
  /** Default `console`; `false` for none. */
  logger?: PermsLogger | false | undefined;
  /** Events kept while no connection is usable, sent in order once it is. Default 1000; 0 drops them at once. */
  maxQueued?: number | undefined;
  /** Delay before retrying a failed first connection; doubled on each failure up to `maxRetryDelayMs`. Default 500. */
  retryDelayMs?: number | undefined;
  /** Default 30000. */
  maxRetryDelayMs?: number | undefined;
}

/**
 * - `connecting`: making the (first, or a new) connection; events are queued.
 * - `connected`: events go to NATS.
 * - `disconnected`: the connection is lost and the client is reconnecting (or waiting to retry); events are queued.
 * - `closed`: `close()` was called, or your connection closed for good; events are dropped.
 */
export type PermsPublisherState = "connecting" | "connected" | "disconnected" | "closed";

export interface PermsPublisherStats {
  state: PermsPublisherState;
  /** Events handed to the NATS connection while it was connected (including queued ones sent later). */
  published: number;
  /** Events waiting for a usable connection now. */
  queued: number;
  /** Events given up on (queue full, closed, refused by the client). */
  dropped: number;
  /** Errors reported (to onError or the logger). */
  errors: number;
  /** Times the connection was lost (and events started being queued). */
  disconnects: number;
}

export interface PermsPublisher {
  /** The prefix in front of every subject ("" for none). */
  readonly prefix: string;
  /** The current connection, if any. */
  readonly connection: NatsConnection | undefined;
  /**
   * Publishes one event of the contract, e.g. after a change made outside Better Auth's API (SQL). Never waits for the
   * network and never throws for a NATS problem: returns true if the event was handed to NATS or queued, false if it
   * was dropped (and reported).
   * @throws TypeError when the event itself is invalid (unknown type, missing id): a bug in the caller.
   */
  publish(event: PermsEvent): boolean;
  /** Publishes `perms.cache.flush`: every Perms silo drops everything it caches. */
  publishFlush(occurredAt?: OccurredAt): boolean;
  /** Waits until the server has received everything published so far. Rejects with NOT_CONNECTED when not connected. */
  flush(): Promise<void>;
  /** Resolves once connected (at once if connected); rejects after `timeoutMs` or when the publisher is closed. */
  ready(timeoutMs?: number): Promise<void>;
  stats(): PermsPublisherStats;
  /**
   * Stops publishing: drops what is queued (reported as DROPPED_ON_CLOSE), and drains and closes the connection if the
   * publisher made it (yours is left open).
   */
  close(): Promise<void>;
}

/** @internal What the Better Auth hooks need besides the public API. */
export interface PermsPublisherInternal extends PermsPublisher {
  report(error: PermsPublishError): void;
  readonly log: PermsLogger | undefined;
}

interface Queued {
  encoded: EncodedEvent;
  event: PermsEvent;
}

const DEFAULT_MAX_QUEUED = 1000;

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function describeServers(servers: string | string[]): string {
  return Array.isArray(servers) ? servers.join(", ") : servers;
}

/** Creates a publisher. Either `connection` or `servers` must be given. */
export function createPermsPublisher(options: PermsPublisherOptions): PermsPublisher {
  return createPublisherInternal(options);
}

/** @internal */
export function createPublisherInternal(options: PermsPublisherOptions): PermsPublisherInternal {
  if (options === null || typeof options !== "object") throw new TypeError("options must be an object");
  const { connection: given, servers } = options;
  const hasServers = servers !== undefined && (Array.isArray(servers) ? servers.length > 0 : servers !== "");
  if (given && hasServers) throw new TypeError("give either `connection` or `servers`, not both");
  if (!given && !hasServers) throw new TypeError("give `connection` (a NatsConnection) or `servers` (e.g. \"nats://127.0.0.1:4222\")");
  const prefix = checkPrefix(options.prefix);
  const maxQueued = options.maxQueued ?? DEFAULT_MAX_QUEUED;
  if (!Number.isInteger(maxQueued) || maxQueued < 0) throw new TypeError(`maxQueued must be an integer >= 0 (got ${maxQueued})`);
  const retryDelayMs = options.retryDelayMs ?? 500;
  const maxRetryDelayMs = Math.max(options.maxRetryDelayMs ?? 30_000, retryDelayMs);
  if (!(retryDelayMs > 0)) throw new TypeError(`retryDelayMs must be > 0 (got ${retryDelayMs})`);
  const log: PermsLogger | undefined = options.logger === false ? undefined : (options.logger ?? console);
  const onError = options.onError;
  const owned = !given;

  let state: PermsPublisherState = "connecting";
  let nc: NatsConnection | undefined;
  let closing = false;
  const queue: Queued[] = [];
  const counters = { published: 0, dropped: 0, errors: 0, disconnects: 0 };
  let waiters: { resolve: () => void; reject: (e: Error) => void }[] = [];
  let retryTimer: NodeJS.Timeout | undefined;
  let wakeRetry: (() => void) | undefined;
  let statusIterator: { stop?: () => void } | undefined;

  function report(error: PermsPublishError): void {
    counters.errors++;
    if (onError) {
      try {
        onError(error, error.event);
      } catch (e) {
        log?.error(`perms-nats: onError threw: ${errorMessage(e)}`);
      }
      return;
    }
    log?.error(`perms-nats: ${error.code}: ${error.message}`);
  }

  function drop(code: PermsPublishErrorCode, message: string, item: Queued, cause?: unknown): void {
    counters.dropped++;
    report(new PermsPublishError(code, `${message}; dropped ${item.encoded.subject} ${item.encoded.data}`, { cause, event: item.event }));
  }

  function setConnected(conn: NatsConnection): void {
    nc = conn;
    state = "connected";
    const ws = waiters;
    waiters = [];
    for (const w of ws) w.resolve();
    sendQueued();
  }

  function rejectWaiters(error: Error): void {
    const ws = waiters;
    waiters = [];
    for (const w of ws) w.reject(error);
  }

  // Hands `item` to the connection; false if the client refused it.
  function send(conn: NatsConnection, item: Queued): boolean {
    try {
      conn.publish(item.encoded.subject, item.encoded.data);
      counters.published++;
      return true;
    } catch (err) {
      drop("PUBLISH_FAILED", `the NATS client refused the message: ${errorMessage(err)}`, item, err);
      return false;
    }
  }

  function sendQueued(): void {
    while (queue.length > 0 && state === "connected" && nc) {
      send(nc, queue.shift()!);
    }
  }

  function accept(item: Queued): boolean {
    if (state === "closed") {
      if (closing) drop("PUBLISHER_CLOSED", "the publisher is closed", item);
      else drop("CONNECTION_CLOSED", "the NATS connection given to the publisher is closed", item);
      return false;
    }
    // A connection that just closed (its closed() handler has not run yet) is not used: the event is queued, then sent
    // on the new connection (ours) or reported with the rest of the queue (yours).
    if (state === "connected" && nc && !nc.isClosed()) {
      return send(nc, item);
    }
    if (queue.length >= maxQueued) {
      drop("QUEUE_FULL", `no usable NATS connection (${state}) and the queue is full (maxQueued ${maxQueued})`, item);
      return false;
    }
    queue.push(item);
    return true;
  }

  function watch(conn: NatsConnection): void {
    // A QueuedIterator at run time (stop() ends the loop), typed as a plain AsyncIterable.
    const iterator = conn.status() as ReturnType<NatsConnection["status"]> & { stop?: () => void };
    statusIterator = iterator;
    void (async () => {
      for await (const s of iterator) {
        if (nc !== conn || state === "closed") break;
        switch (s.type) {
          case "disconnect":
          case "reconnecting":
          case "staleConnection":
            if (state === "connected") {
              state = "disconnected";
              counters.disconnects++;
              log?.warn(`perms-nats: NATS connection lost (${s.type}); queueing events (up to ${maxQueued}) until it is back`);
            }
            break;
          case "reconnect":
            if (state === "disconnected") {
              log?.info?.(`perms-nats: NATS connection back; sending ${queue.length} queued event(s)`);
              setConnected(conn);
            }
            break;
          case "error":
            report(new PermsPublishError("SERVER_ERROR", `NATS server error: ${errorMessage(s.error)}`, { cause: s.error }));
            break;
          default:
            break;
        }
      }
    })().catch((err: unknown) => log?.error(`perms-nats: status watcher failed: ${errorMessage(err)}`));

    conn
      .closed()
      .then((err) => {
        if (nc !== conn || closing) return;
        statusIterator = undefined;
        nc = undefined;
        if (owned) {
          report(
            new PermsPublishError("CONNECTION_CLOSED", `the NATS connection closed${err ? `: ${errorMessage(err)}` : ""}; connecting again`, {
              cause: err,
            }),
          );
          counters.disconnects++;
          void connectLoop();
        } else {
          state = "closed";
          report(
            new PermsPublishError(
              "CONNECTION_CLOSED",
              `the NATS connection given to the publisher closed${err ? `: ${errorMessage(err)}` : ""}; events are dropped from now on`,
              { cause: err },
            ),
          );
          for (const item of queue.splice(0)) drop("CONNECTION_CLOSED", "the NATS connection closed", item);
          rejectWaiters(new PermsPublishError("CONNECTION_CLOSED", "the NATS connection closed"));
        }
      })
      .catch((err: unknown) => log?.error(`perms-nats: ${errorMessage(err)}`));
  }

  function sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      wakeRetry = resolve;
      retryTimer = setTimeout(resolve, ms);
      retryTimer.unref();
    });
  }

  async function connectLoop(): Promise<void> {
    let delay = retryDelayMs;
    if (state === "connected") state = "disconnected";
    while (!closing) {
      try {
        const conn = await connect({
          name: "perms-better-auth-nats",
          maxReconnectAttempts: -1,
          ...options.connectOptions,
          servers: servers!,
        });
        if (closing) {
          await conn.close().catch(() => undefined);
          return;
        }
        watch(conn);
        setConnected(conn);
        return;
      } catch (err) {
        if (closing) return;
        state = "disconnected";
        report(
          new PermsPublishError(
            "CONNECT_FAILED",
            `cannot connect to NATS (${describeServers(servers!)}): ${errorMessage(err)}; events are queued (up to ${maxQueued}), retrying in ${delay} ms`,
            { cause: err },
          ),
        );
        await sleep(delay);
        delay = Math.min(delay * 2, maxRetryDelayMs);
      }
    }
  }

  if (given) {
    if (given.isClosed()) {
      state = "closed";
    } else {
      watch(given);
      setConnected(given);
    }
  } else {
    void connectLoop();
  }

  const publisher: PermsPublisherInternal = {
    prefix,
    get connection() {
      return nc;
    },
    get log() {
      return log;
    },
    report,
    publish(event: PermsEvent): boolean {
      const encoded = encodeEvent(event, prefix);
      return accept({ encoded, event });
    },
    publishFlush(occurredAt?: OccurredAt): boolean {
      return publisher.publish({ type: "perms.cache.flush", occurredAt });
    },
    async flush(): Promise<void> {
      if (state !== "connected" || !nc) {
        throw new PermsPublishError("NOT_CONNECTED", `cannot flush: the publisher is ${state}`);
      }
      await nc.flush();
    },
    ready(timeoutMs?: number): Promise<void> {
      if (state === "connected") return Promise.resolve();
      if (state === "closed") {
        return Promise.reject(
          closing
            ? new PermsPublishError("PUBLISHER_CLOSED", "the publisher is closed")
            : new PermsPublishError("CONNECTION_CLOSED", "the NATS connection given to the publisher is closed"),
        );
      }
      return new Promise<void>((resolve, reject) => {
        let timer: NodeJS.Timeout | undefined;
        const waiter = {
          resolve: () => {
            if (timer) clearTimeout(timer);
            resolve();
          },
          reject: (e: Error) => {
            if (timer) clearTimeout(timer);
            reject(e);
          },
        };
        waiters.push(waiter);
        if (timeoutMs !== undefined) {
          timer = setTimeout(() => {
            waiters = waiters.filter((w) => w !== waiter);
            reject(new PermsPublishError("NOT_CONNECTED", `not connected to NATS after ${timeoutMs} ms (${state})`));
          }, timeoutMs);
        }
      });
    },
    stats(): PermsPublisherStats {
      return { state, queued: queue.length, ...counters };
    },
    async close(): Promise<void> {
      if (closing) return;
      closing = true;
      const conn = nc;
      const wasConnected = state === "connected";
      state = "closed";
      if (retryTimer) clearTimeout(retryTimer);
      wakeRetry?.();
      statusIterator?.stop?.();
      statusIterator = undefined;
      for (const item of queue.splice(0)) drop("DROPPED_ON_CLOSE", "the publisher was closed before NATS was reachable", item);
      rejectWaiters(new PermsPublishError("PUBLISHER_CLOSED", "the publisher was closed"));
      if (owned && conn && !conn.isClosed()) {
        try {
          if (wasConnected) await conn.drain();
          else await conn.close();
        } catch {
          await conn.close().catch(() => undefined);
        }
      }
    },
  };
  return publisher;
}
