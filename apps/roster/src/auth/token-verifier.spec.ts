import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
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

  it('with ROSTER_DEV_AUTH=1, makes a development secret once (0600) and accepts tokens signed with it', async () => {
    const config = loadRosterConfig({ ROSTER_DATA_DIR: dir, ROSTER_DEV_AUTH: '1' });
    const token = await signDevelopmentToken(config, { userId: 'alice', email: 'alice@example.org', roles: ['superadmin'] });
    expect(statSync(join(dir, DEVELOPMENT_SECRET_FILE)).mode & 0o777).toBe(0o600);
    // A second verifier (a restart) reads the same secret.
    const actor = await new TokenVerifier(config).verify(token);
    expect(actor).toEqual({ userId: 'alice', email: 'alice@example.org', emailVerified: true, platformRoles: ['superadmin'] });
  });

  it('a process without the API makes no development secret', () => {
    new TokenVerifier(loadRosterConfig({ ROSTER_DATA_DIR: dir, ROSTER_DEV_AUTH: '1', ROSTER_RUN: 'publisher' }));
    expect(() => statSync(join(dir, DEVELOPMENT_SECRET_FILE))).toThrow();
  });

  it.each([
    ['true', true, true],
    ['"true"', 'true', false],
    ['1', 1, false],
    ['false', false, false],
    ['absent', undefined, false],
  ])('an e-mail is verified only with email_verified: true (here %s)', async (_name, claim, verified) => {
    const secret = 'x'.repeat(32);
    const config = loadRosterConfig({ ROSTER_DATA_DIR: dir, ROSTER_JWT_SECRET: secret });
    const token = await new SignJWT({ email: 'ada@example.org', ...(claim !== undefined ? { email_verified: claim } : {}) })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('ada')
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode(secret));
    expect(await new TokenVerifier(config).verify(token)).toEqual({ userId: 'ada', email: 'ada@example.org', emailVerified: verified, platformRoles: [] });
  });

  it('keeps only known platform roles from the roles claim', async () => {
    const secret = 'x'.repeat(32);
    const config = loadRosterConfig({ ROSTER_DATA_DIR: dir, ROSTER_JWT_SECRET: secret });
    const token = await new SignJWT({ roles: ['auditor', 'admin', 'root', 'service'] })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('svc')
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode(secret));
    expect((await new TokenVerifier(config).verify(token)).platformRoles).toEqual(['auditor', 'service']);
  });

  const X = new TextEncoder().encode('x'.repeat(32));
  const nowSeconds = () => Math.floor(Date.now() / 1000);
  it.each([
    ['signed with another secret', async () => new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject('a').setIssuedAt().setExpirationTime('1h').sign(new TextEncoder().encode('y'.repeat(32))), 'AUTH.INVALID_TOKEN'],
    ['expired', async () => new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject('a').setIssuedAt(nowSeconds() - 3600).setExpirationTime(nowSeconds() - 60).sign(X), 'AUTH.TOKEN_EXPIRED'],
    ['without sub', async () => new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setIssuedAt().setExpirationTime('1h').sign(X), 'AUTH.INVALID_TOKEN'],
    ['not a JWT', async () => 'garbage', 'AUTH.INVALID_TOKEN'],
    ['without exp', async () => new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject('a').setIssuedAt().sign(X), 'AUTH.TOKEN_EXP_MISSING'],
    ['without iat', async () => new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject('a').setExpirationTime('1h').sign(X), 'AUTH.TOKEN_IAT_MISSING'],
    // exp a year away does not help: 25 hours after iat is older than the default day.
    ['issued more than ROSTER_JWT_MAX_AGE_SECONDS ago', async () => new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject('a').setIssuedAt(nowSeconds() - 25 * 3600).setExpirationTime('365d').sign(X), 'AUTH.TOKEN_TOO_OLD'],
    ['issued in the future', async () => new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject('a').setIssuedAt(nowSeconds() + 600).setExpirationTime('1h').sign(X), 'AUTH.INVALID_TOKEN'],
  ])('refuses a token %s with 401', async (_name, make, code) => {
    const config = loadRosterConfig({ ROSTER_DATA_DIR: dir, ROSTER_JWT_SECRET: 'x'.repeat(32) });
    const error = await new TokenVerifier(config).verify(await make()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProblemException);
    expect(error).toMatchObject({ status: 401, code });
  });

  it('remembers a verified token no longer than its maximum age, even with a later exp', async () => {
    const config = loadRosterConfig({ ROSTER_DATA_DIR: dir, ROSTER_JWT_SECRET: 'x'.repeat(32), ROSTER_JWT_MAX_AGE_SECONDS: '600' });
    const verifier = new TokenVerifier(config);
    const token = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject('a').setIssuedAt().setExpirationTime('1h').sign(X);
    await verifier.verify(token);
    const clock = jest.spyOn(Date, 'now').mockReturnValue(Date.now() + 20 * 60_000);
    try {
      expect(verifier.verifiedActor(token)).toBeUndefined();
      await expect(verifier.verify(token)).rejects.toMatchObject({ status: 401, code: 'AUTH.TOKEN_TOO_OLD' });
    } finally {
      clock.mockRestore();
    }
  });

  it('the token tool signs no token that would outlive the maximum age', async () => {
    const config = loadRosterConfig({ ROSTER_DATA_DIR: dir, ROSTER_JWT_SECRET: 'x'.repeat(32), ROSTER_JWT_MAX_AGE_SECONDS: '3600' });
    await expect(signDevelopmentToken(config, { userId: 'a', ttl: '2h' })).rejects.toThrow('ROSTER_JWT_MAX_AGE_SECONDS');
    // Its default ttl (a day) shrinks to the maximum age.
    await expect(new TokenVerifier(config).verify(await signDevelopmentToken(config, { userId: 'a' }))).resolves.toMatchObject({ userId: 'a' });
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

  it('with a JWKS URL, verifies the key, the issuer and the audience', async () => {
    const { publicKey, privateKey } = await generateKeyPair('ES256');
    const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' };
    const server = createServer((_request, response) => response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] })));
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    try {
      const { port } = server.address() as AddressInfo;
      const config = loadRosterConfig({
        ROSTER_DATA_DIR: dir,
        ROSTER_JWKS_URL: `http://127.0.0.1:${port}/jwks`,
        ROSTER_JWT_ISSUER: 'https://id.example.org',
        ROSTER_JWT_AUDIENCE: 'roster',
      });
      const verifier = new TokenVerifier(config);
      const sign = (iss: string, aud: string) =>
        new SignJWT({}).setProtectedHeader({ alg: 'ES256', kid: 'k1' }).setSubject('a').setIssuer(iss).setAudience(aud).setIssuedAt().setExpirationTime('5m').sign(privateKey);
      await expect(verifier.verify(await sign('https://id.example.org', 'roster'))).resolves.toMatchObject({ userId: 'a' });
      await expect(verifier.verify(await sign('https://id.example.org', 'datasets'))).rejects.toMatchObject({ status: 401, code: 'AUTH.INVALID_TOKEN' });
      await expect(verifier.verify(await sign('https://other.example.org', 'roster'))).rejects.toMatchObject({ status: 401, code: 'AUTH.INVALID_TOKEN' });
    } finally {
      server.close();
    }
  });
});
