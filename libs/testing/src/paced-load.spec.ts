import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pacedHttpLoad } from './paced-load';

describe('pacedHttpLoad', () => {
  let server: Server;
  let baseUrl: string;
  const seen: Array<{ method: string; path: string; body: string; auth?: string }> = [];

  beforeAll(async () => {
    server = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString()));
      request.on('end', () => {
        seen.push({ method: request.method!, path: request.url!, body, auth: request.headers.authorization });
        if (request.url === '/empty') return response.writeHead(204).end();
        const answer = JSON.stringify({ ok: request.url !== '/fail' });
        response.writeHead(request.url === '/fail' ? 503 : 200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(answer) });
        response.end(answer);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  it('sends rate x duration requests in turn, with their headers and bodies, and counts the answers', async () => {
    seen.length = 0;
    const result = await pacedHttpLoad({
      baseUrl,
      connections: 4,
      ratePerS: 200,
      durationS: 0.5,
      requests: [
        { method: 'POST', path: '/a', headers: { authorization: 'Bearer t' }, body: '{"n":1}' },
        { method: 'GET', path: '/fail' },
      ],
    });
    expect(result).toMatchObject({ sent: 100, answered: 100, non2xx: 50, errors: 0, targetRatePerS: 200 });
    expect(seen).toHaveLength(100);
    expect(seen.filter((r) => r.path === '/a')).toHaveLength(50);
    expect(seen.find((r) => r.path === '/a')).toEqual({ method: 'POST', path: '/a', body: '{"n":1}', auth: 'Bearer t' });
    expect(result.p99Ms).toBeGreaterThanOrEqual(result.p50Ms);
  });

  it('reads 204 answers, which have no body and no Content-Length', async () => {
    const result = await pacedHttpLoad({ baseUrl, connections: 2, ratePerS: 100, durationS: 0.2, requests: [{ method: 'DELETE', path: '/empty' }] });
    expect(result).toMatchObject({ sent: 20, answered: 20, non2xx: 0, errors: 0 });
  });

  it('counts requests lost to a server that closes the connection as errors, and ends', async () => {
    const closing = createServer((request) => request.socket.destroy());
    await new Promise<void>((resolve) => closing.listen(0, '127.0.0.1', resolve));
    try {
      const result = await pacedHttpLoad({
        baseUrl: `http://127.0.0.1:${(closing.address() as AddressInfo).port}`,
        connections: 2,
        ratePerS: 100,
        durationS: 0.2,
        requests: [{ method: 'GET', path: '/' }],
      });
      expect(result.answered).toBe(0);
      expect(result.errors).toBe(20);
    } finally {
      await new Promise((resolve) => closing.close(resolve));
    }
  });
});
