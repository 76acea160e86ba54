import { connect, type Socket } from 'node:net';
import { percentile } from './percentile';

/** One request of a paced load, written once and sent as is. */
export interface PacedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
  /** Requests with a label also get latencies of their own in the result (byLabel). */
  readonly label?: string;
}

export interface PacedLoadOptions {
  /** `http://host:port` */
  readonly baseUrl: string;
  /** Keep-alive connections; each carries one request at a time. */
  readonly connections: number;
  readonly ratePerS: number;
  readonly durationS: number;
  /** The requests, sent in turn (the list is cycled). */
  readonly requests: readonly PacedRequest[];
}

export interface PacedLoadResult {
  readonly targetRatePerS: number;
  /** Answers received per second of the run. */
  readonly ratePerS: number;
  readonly sent: number;
  readonly answered: number;
  /** Answers that were not 2xx. */
  readonly non2xx: number;
  /** Connection errors and requests still unanswered at the end. */
  readonly errors: number;
  /** Latency from the moment a request was due and a connection could take it (ms). */
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  /** How late the generator itself was in sending, p99 (ms): large values mean it could not keep the pace. */
  readonly sendDelayP99Ms: number;
  /** Per label of the requests that have one: how many were answered and their latencies (ms). */
  readonly byLabel?: Readonly<Record<string, LabelledLatency>>;
}

export interface LabelledLatency {
  readonly answered: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
}

/**
 * An open-loop HTTP/1.1 load at a fixed rate, spread evenly over time (unlike autocannon's
 * `overallRate`, which sends each second's share in a burst at its start). Raw keep-alive
 * sockets and pre-encoded requests keep the generator's own cost to a few microseconds per
 * request, so on a small machine it leaves the CPU to the server it measures. A request due
 * while every connection is busy waits for one, and that wait counts in its latency.
 */
export async function pacedHttpLoad(options: PacedLoadOptions): Promise<PacedLoadResult> {
  const url = new URL(options.baseUrl);
  if (url.protocol !== 'http:') throw new Error(`pacedHttpLoad: http only, not ${url.protocol}`);
  const port = Number(url.port || 80);
  const encoded = options.requests.map((request) => encode(request, url.host));
  if (encoded.length === 0) throw new Error('pacedHttpLoad: no requests');

  const idle: Connection[] = [];
  const connections = await Promise.all(Array.from({ length: options.connections }, () => Connection.open(url.hostname, port)));
  idle.push(...connections);

  const latencies: number[] = [];
  const labels = options.requests.map((request) => request.label);
  const labelled = new Map<string, number[]>();
  for (const label of labels) if (label !== undefined && !labelled.has(label)) labelled.set(label, []);
  const sendDelays: number[] = [];
  const waiting: number[] = []; // when each request waiting for a free connection was issued
  let sent = 0;
  let answered = 0;
  let non2xx = 0;
  let failed = 0;
  let next = 0;

  /** `since`: when the request was issued; a wait for a free connection counts in its latency. */
  const send = (connection: Connection, since: number) => {
    sent++;
    const which = next++ % encoded.length;
    connection.request(encoded[which], (status) => {
      if (status === 0) {
        failed++; // the connection is gone: it does not return to the pool
        return;
      }
      answered++;
      const latency = performance.now() - since;
      latencies.push(latency);
      const label = labels[which];
      if (label !== undefined) labelled.get(label)!.push(latency);
      if (status < 200 || status >= 300) non2xx++;
      const queued = waiting.shift();
      if (queued !== undefined) send(connection, queued);
      else idle.push(connection);
    });
  };

  const total = Math.round(options.ratePerS * options.durationS);
  const interval = 1000 / options.ratePerS;
  const start = performance.now();
  let issued = 0;
  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = performance.now();
      while (issued < total && start + issued * interval <= now) {
        // The timer's own lateness is the generator's, not the server's: it is reported apart.
        sendDelays.push(now - (start + issued * interval));
        issued++;
        // Oldest idle connection first: every connection stays in use, none idles into a server's keep-alive timeout.
        const connection = idle.shift();
        if (connection) send(connection, now);
        else waiting.push(now);
      }
      if (issued >= total) resolve();
      else setTimeout(tick, Math.max(0, Math.min(1, start + issued * interval - performance.now())));
    };
    tick();
  });
  // Let the last answers in (bounded), then close. Requests no connection could take are errors.
  const deadline = performance.now() + 10_000;
  while (answered + failed < sent && performance.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  const elapsedS = (performance.now() - start) / 1000;
  for (const connection of connections) connection.close();
  const errors = sent - answered + waiting.length;

  latencies.sort((a, b) => a - b);
  sendDelays.sort((a, b) => a - b);
  const round = (value: number) => Number(value.toFixed(3));
  return {
    targetRatePerS: options.ratePerS,
    ratePerS: Math.round(answered / elapsedS),
    sent,
    answered,
    non2xx,
    errors,
    p50Ms: round(percentile(latencies, 50)),
    p99Ms: round(percentile(latencies, 99)),
    maxMs: round(latencies[latencies.length - 1] ?? NaN),
    sendDelayP99Ms: round(percentile(sendDelays, 99)),
    ...(labelled.size > 0
      ? {
          byLabel: Object.fromEntries(
            [...labelled].map(([label, values]) => {
              values.sort((a, b) => a - b);
              return [label, { answered: values.length, p50Ms: round(percentile(values, 50)), p99Ms: round(percentile(values, 99)) }];
            }),
          ),
        }
      : {}),
  };
}

function encode(request: PacedRequest, host: string): Buffer {
  const body = request.body === undefined ? undefined : Buffer.from(request.body);
  const lines = [`${request.method} ${request.path} HTTP/1.1`, `host: ${host}`, 'connection: keep-alive'];
  for (const [name, value] of Object.entries(request.headers ?? {})) lines.push(`${name}: ${value}`);
  if (body) lines.push(`content-length: ${body.length}`);
  const head = Buffer.from(`${lines.join('\r\n')}\r\n\r\n`);
  return body ? Buffer.concat([head, body]) : head;
}

/** One keep-alive connection, one request at a time, answers parsed just enough (status, Content-Length). */
class Connection {
  private buffered: Buffer = Buffer.alloc(0);
  /** Called with the answer's status, or 0 when the connection failed first. */
  private onAnswer: ((status: number) => void) | undefined;
  private broken = false;

  private constructor(private readonly socket: Socket) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
    socket.on('error', () => this.fail());
    socket.on('close', () => this.fail());
  }

  static open(host: string, port: number): Promise<Connection> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host, port }, () => {
        socket.off('error', reject);
        resolve(new Connection(socket));
      });
      socket.once('error', reject);
    });
  }

  request(bytes: Buffer, onAnswer: (status: number) => void): void {
    if (this.broken) return onAnswer(0);
    this.onAnswer = onAnswer;
    this.socket.write(bytes);
  }

  close(): void {
    this.broken = true;
    this.onAnswer = undefined;
    this.socket.destroy();
  }

  private fail(): void {
    this.broken = true;
    this.socket.destroy();
    this.settle(0);
  }

  private settle(status: number): void {
    const onAnswer = this.onAnswer;
    this.onAnswer = undefined;
    onAnswer?.(status);
  }

  private receive(chunk: Buffer): void {
    this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
    for (;;) {
      const headEnd = this.buffered.indexOf('\r\n\r\n');
      if (headEnd < 0) return;
      const head = this.buffered.toString('latin1', 0, headEnd);
      const status = Number(head.slice(9, 12));
      const length = status === 204 || status === 304 ? ['', '0'] : /\r\ncontent-length:\s*(\d+)/i.exec(head);
      // Chunked or unframed answers are not parsed: the connection counts as failed.
      if (!length) return this.fail();
      const end = headEnd + 4 + Number(length[1]);
      if (this.buffered.length < end) return;
      this.buffered = this.buffered.subarray(end);
      this.settle(status);
    }
  }
}
