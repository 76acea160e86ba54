import { connect } from 'node:net';

/** An HTTP answer with its body parsed as JSON when it is JSON (else `body` is undefined; `text` has it as sent). */
export interface JsonAnswer {
  readonly status: number;
  readonly headers: Headers;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly body: any;
  readonly text: string;
}

export interface JsonRequest {
  /** Sent as `Authorization: Bearer <token>`. */
  readonly token?: string;
  /** Sent as JSON. */
  readonly body?: unknown;
  /** Sent as is (instead of `body`), with Content-Type application/json. */
  readonly rawBody?: string;
  readonly headers?: Record<string, string>;
}

/** One request to `baseUrl + path`; never throws on an HTTP status. */
export async function requestJson(baseUrl: string, method: string, path: string, request: JsonRequest = {}): Promise<JsonAnswer> {
  const headers: Record<string, string> = { ...request.headers };
  if (request.token) headers.authorization = `Bearer ${request.token}`;
  const payload = request.rawBody ?? (request.body === undefined ? undefined : JSON.stringify(request.body));
  if (payload !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${baseUrl}${path}`, { method, headers, body: payload });
  const text = await response.text();
  let body: unknown;
  try {
    body = text === '' ? undefined : JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status: response.status, headers: response.headers, body, text };
}

/** What a raw exchange got back: the status line and headers, and the body as sent. */
export interface RawAnswer {
  readonly head: string;
  readonly body: string;
}

/** A TCP connection to the service for bytes fetch refuses to send, or sends too fast. */
export interface RawConnection {
  send(bytes: string): void;
  /** Everything received, once the server has closed the connection. */
  readonly answer: Promise<RawAnswer>;
}

export function rawConnection(baseUrl: string): Promise<RawConnection> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((connected, failed) => {
    const socket = connect(Number(port), hostname);
    let received = '';
    const answer = new Promise<RawAnswer>((resolve, reject) => {
      socket.on('data', (chunk: Buffer) => (received += chunk.toString()));
      socket.on('error', reject);
      socket.on('close', () => {
        const split = received.indexOf('\r\n\r\n');
        resolve({ head: split === -1 ? received : received.slice(0, split), body: split === -1 ? '' : received.slice(split + 4) });
      });
    });
    answer.catch(() => undefined);
    socket.once('error', failed);
    socket.once('connect', () => connected({ send: (bytes) => void socket.write(bytes), answer }));
  });
}

/** Sends `request` as raw bytes and reads the answer until the server closes. */
export async function rawExchange(baseUrl: string, request: string): Promise<RawAnswer> {
  const connection = await rawConnection(baseUrl);
  connection.send(request);
  return connection.answer;
}
