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
