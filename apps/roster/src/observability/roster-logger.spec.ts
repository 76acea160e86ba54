import Fastify from 'fastify';
import { trackRequests } from './request-context';
import { RosterLogger } from './roster-logger';

const PARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

/** The lines `run` writes to stdout and stderr. */
async function captured(run: () => Promise<void>): Promise<string[]> {
  const lines: string[] = [];
  const out = jest.spyOn(process.stdout, 'write').mockImplementation((chunk) => (lines.push(String(chunk)), true));
  const err = jest.spyOn(process.stderr, 'write').mockImplementation((chunk) => (lines.push(String(chunk)), true));
  try {
    await run();
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
  return lines.join('').split('\n').filter((line) => line !== '');
}

async function serverLoggingWith(logger: RosterLogger) {
  const fastify = Fastify();
  trackRequests(fastify);
  fastify.post('/commands', async () => {
    // After the body was read and an await: the request's context is still there.
    await new Promise((resolve) => setImmediate(resolve));
    logger.log({ message: 'command', organizationId: 'org-1', commandType: 'CreateOrganization', outcome: 'accepted' }, 'Commands');
    return { ok: true };
  });
  await fastify.ready();
  return fastify;
}

describe('RosterLogger', () => {
  it('json: one object per line with level, time, message, fields, and the request id and traceparent of the request', async () => {
    const fastify = await serverLoggingWith(new RosterLogger('json', ['log']));
    let answer: { headers: Record<string, unknown> } | undefined;
    const lines = await captured(async () => {
      answer = await fastify.inject({ method: 'POST', url: '/commands', payload: { a: 1 }, headers: { 'x-request-id': 'req-42', traceparent: PARENT } });
    });
    expect(answer!.headers['x-request-id']).toBe('req-42');
    expect(lines).toHaveLength(1);
    const line = JSON.parse(lines[0]) as Record<string, unknown>;
    expect(line).toMatchObject({
      level: 'log',
      message: 'command',
      organizationId: 'org-1',
      commandType: 'CreateOrganization',
      outcome: 'accepted',
      context: 'Commands',
      requestId: 'req-42',
      traceparent: PARENT,
    });
    expect(new Date(line.time as string).toISOString()).toBe(line.time);
  });

  it('json: makes a request id when the given one is not well-formed, and answers it', async () => {
    const fastify = await serverLoggingWith(new RosterLogger('json', ['log']));
    let header: unknown;
    const lines = await captured(async () => {
      header = (await fastify.inject({ method: 'POST', url: '/commands', payload: {}, headers: { 'x-request-id': 'alice@example.org' } })).headers['x-request-id'];
    });
    expect(header).toMatch(/^[0-9a-f-]{36}$/);
    expect(JSON.parse(lines[0])).toMatchObject({ requestId: header });
    expect(lines.join('\n')).not.toContain('alice@example.org');
  });

  it('json: a line outside any request has no request id; a plain message stays the message', async () => {
    const lines = await captured(async () => new RosterLogger('json', ['log']).log('Roster listening', 'Roster'));
    const line = JSON.parse(lines[0]) as Record<string, unknown>;
    expect(line).toMatchObject({ level: 'log', message: 'Roster listening', context: 'Roster' });
    expect(line).not.toHaveProperty('requestId');
  });

  it('text: the fields follow the message as key=value', async () => {
    const fastify = await serverLoggingWith(new RosterLogger('text', ['log']));
    const lines = await captured(async () => {
      await fastify.inject({ method: 'POST', url: '/commands', payload: {}, headers: { 'x-request-id': 'req-7' } });
    });
    expect(lines[0]).toContain('command organizationId=org-1 commandType=CreateOrganization outcome=accepted requestId=req-7');
  });
});
