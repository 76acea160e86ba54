import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import { SignJWT } from 'jose';
import { loadRosterConfig } from '../config/roster-config';
import { ProblemException } from '../http/problem';
import { DEVELOPMENT_SECRET_FILE } from './development-secret';
import { bearerToken, signDevelopmentToken, TokenVerifier } from './token-verifier';

describe('TokenVerifier', () => {
  let dir: string;
  beforeAll(() => Logger.overrideLogger(false));
  afterAll(() => Logger.overrideLogger(['log', 'warn', 'error']));
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'roster-auth-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('without a configured secret, makes a development secret once (0600) and accepts tokens signed with it', async () => {
    const config = loadRosterConfig({ ROSTER_DATA_DIR: dir });
    const token = await signDevelopmentToken(config, { userId: 'alice', email: 'alice@example.org', roles: ['superadmin'] });
    expect(statSync(join(dir, DEVELOPMENT_SECRET_FILE)).mode & 0o777).toBe(0o600);
    // A second verifier (a restart) reads the same secret.
    const actor = await new TokenVerifier(config).verify(token);
    expect(actor).toEqual({ userId: 'alice', email: 'alice@example.org', platformRoles: ['superadmin'] });
  });

  it('keeps only known platform roles from the roles claim', async () => {
    const secret = 'x'.repeat(32);
    const config = loadRosterConfig({ ROSTER_DATA_DIR: dir, ROSTER_JWT_SECRET: secret });
    const token = await new SignJWT({ roles: ['auditor', 'admin', 'root', 'service'] })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('svc')
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode(secret));
    expect((await new TokenVerifier(config).verify(token)).platformRoles).toEqual(['auditor', 'service']);
  });

  it.each([
    ['signed with another secret', async () => new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject('a').sign(new TextEncoder().encode('y'.repeat(32))), 'AUTH.INVALID_TOKEN'],
    ['expired', async () => new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject('a').setExpirationTime(Math.floor(Date.now() / 1000) - 60).sign(new TextEncoder().encode('x'.repeat(32))), 'AUTH.TOKEN_EXPIRED'],
    ['without sub', async () => new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode('x'.repeat(32))), 'AUTH.INVALID_TOKEN'],
    ['not a JWT', async () => 'garbage', 'AUTH.INVALID_TOKEN'],
  ])('refuses a token %s with 401', async (_name, make, code) => {
    const config = loadRosterConfig({ ROSTER_DATA_DIR: dir, ROSTER_JWT_SECRET: 'x'.repeat(32) });
    const error = await new TokenVerifier(config).verify(await make()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProblemException);
    expect(error).toMatchObject({ status: 401, code });
  });

  it('reads the token of a Bearer header only', () => {
    expect(bearerToken('Bearer abc.def.ghi')).toBe('abc.def.ghi');
    expect(bearerToken('bearer   abc ')).toBe('abc');
    for (const header of [undefined, '', 'Bearer', 'Bearer a b', 'Basic abc', ['Bearer abc']]) expect(bearerToken(header)).toBeUndefined();
  });

  it('remembers a verified token only until it expires', async () => {
    const config = loadRosterConfig({ ROSTER_DATA_DIR: dir, ROSTER_JWT_SECRET: 'x'.repeat(32) });
    const verifier = new TokenVerifier(config);
    const token = await signDevelopmentToken(config, { userId: 'alice', ttl: '60s' });
    expect(verifier.verifiedActor(token)).toBeUndefined();
    const first = await verifier.verify(token);
    expect(await verifier.verify(token)).toBe(first);
    expect(verifier.verifiedActor(token)).toBe(first);
    const now = Date.now();
    const clock = jest.spyOn(Date, 'now').mockReturnValue(now + 120_000);
    try {
      expect(verifier.verifiedActor(token)).toBeUndefined();
      await expect(verifier.verify(token)).rejects.toMatchObject({ status: 401, code: 'AUTH.TOKEN_EXPIRED' });
    } finally {
      clock.mockRestore();
    }
  });

  it('checks issuer and audience when configured', async () => {
    const config = loadRosterConfig({
      ROSTER_DATA_DIR: dir,
      ROSTER_JWT_SECRET: 'x'.repeat(32),
      ROSTER_JWT_ISSUER: 'https://id.example.org',
      ROSTER_JWT_AUDIENCE: 'roster',
    });
    const verifier = new TokenVerifier(config);
    await expect(verifier.verify(await signDevelopmentToken(config, { userId: 'a' }))).resolves.toMatchObject({ userId: 'a' });
    const other = await signDevelopmentToken(loadRosterConfig({ ROSTER_DATA_DIR: dir, ROSTER_JWT_SECRET: 'x'.repeat(32) }), { userId: 'a' });
    await expect(verifier.verify(other)).rejects.toMatchObject({ status: 401 });
  });
});
