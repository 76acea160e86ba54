import { HttpStatus, Inject, Injectable, Logger } from '@nestjs/common';
import { PLATFORM_ROLES, type Actor, type PlatformRole } from '@roster/domain';
import { createRemoteJWKSet, errors, jwtVerify, SignJWT, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { ROSTER_CONFIG, type RosterConfig } from '../config/roster-config';
import { LruCache } from '../command-handling/lru-cache';
import { ProblemException } from '../http/problem';
import { loadOrCreateDevelopmentSecret } from './development-secret';

type VerificationKey = { kind: 'secret'; key: Uint8Array; development: boolean } | { kind: 'jwks'; keys: JWTVerifyGetKey };

function verificationKey(config: RosterConfig): VerificationKey {
  if (config.auth.jwksUrl) return { kind: 'jwks', keys: createRemoteJWKSet(new URL(config.auth.jwksUrl)) };
  const secret = config.auth.jwtSecret ?? loadOrCreateDevelopmentSecret(config.dataDir);
  return { kind: 'secret', key: new TextEncoder().encode(secret), development: config.auth.jwtSecret === undefined };
}

const unauthorized = (code: string, detail: string) =>
  new ProblemException(HttpStatus.UNAUTHORIZED, code, detail, undefined, {
    'WWW-Authenticate': `Bearer error="invalid_token"`,
  });

const BEARER = /^Bearer\s+(\S+)\s*$/i;

/** The token of an `Authorization: Bearer <token>` header; undefined for any other header or none. */
export function bearerToken(header: unknown): string | undefined {
  return typeof header === 'string' ? BEARER.exec(header)?.[1] : undefined;
}

/** The domain's Actor from a verified token's claims. */
export function actorFromClaims(payload: JWTPayload): Actor {
  if (typeof payload.sub !== 'string' || payload.sub === '' || payload.sub.length > 128) {
    throw unauthorized('AUTH.INVALID_TOKEN', 'The token has no usable `sub` claim');
  }
  const claimed = (payload as { roles?: unknown }).roles;
  const roles = Array.isArray(claimed) ? claimed : typeof claimed === 'string' ? claimed.split(/[\s,]+/) : [];
  const platformRoles = [...new Set(roles)].filter((role): role is PlatformRole =>
    (PLATFORM_ROLES as readonly unknown[]).includes(role),
  );
  const email = (payload as { email?: unknown }).email;
  return { userId: payload.sub, email: typeof email === 'string' && email !== '' ? email : undefined, platformRoles };
}

/** Checks bearer tokens: HS256 with the configured (or development) secret, or keys from a JWKS URL. */
@Injectable()
export class TokenVerifier {
  private readonly logger = new Logger('Auth');
  private readonly key: VerificationKey;

  constructor(@Inject(ROSTER_CONFIG) private readonly config: RosterConfig) {
    this.key = verificationKey(config);
    if (!config.run.has('api')) return; // a worker process serves no requests: nothing to say
    if (this.key.kind === 'jwks') {
      this.logger.log(`Verifying tokens with keys from ${config.auth.jwksUrl}`);
    } else if (this.key.development) {
      this.logger.warn(
        `No ROSTER_JWT_SECRET or ROSTER_JWKS_URL: using the DEVELOPMENT secret in ${config.dataDir}/dev-jwt-secret. ` +
          'Do not run this in production. Get a token with `npm run token -- <userId>`.',
      );
    } else {
      this.logger.log('Verifying HS256 tokens with ROSTER_JWT_SECRET');
    }
  }

  /**
   * Tokens already verified, until they expire: clients reuse a token for many requests,
   * and a signature check (WebCrypto, off the main thread) costs far more than a lookup.
   */
  private readonly verified = new LruCache<string, { actor: Actor; expiresAtMs: number }>(10_000);

  async verify(token: string): Promise<Actor> {
    return this.verifiedActor(token) ?? this.verifySignature(token);
  }

  /** The actor of a token already verified and not expired; undefined when it must be verified first. */
  verifiedActor(token: string): Actor | undefined {
    const known = this.verified.get(token);
    if (known && known.expiresAtMs > Date.now()) return known.actor;
    if (known) this.verified.delete(token);
    return undefined;
  }

  private async verifySignature(token: string): Promise<Actor> {
    const options = {
      issuer: this.config.auth.issuer,
      audience: this.config.auth.audience,
      requiredClaims: ['sub'],
      // One clock for the signature check and the cache of verified tokens.
      currentDate: new Date(Date.now()),
    };
    try {
      const { payload } =
        this.key.kind === 'jwks'
          ? await jwtVerify(token, this.key.keys, options)
          : await jwtVerify(token, this.key.key, { ...options, algorithms: ['HS256'] });
      const actor = actorFromClaims(payload);
      // Tokens without `exp` are checked every time: nothing says how long they stay good.
      if (typeof payload.exp === 'number') this.verified.set(token, { actor, expiresAtMs: payload.exp * 1000 });
      return actor;
    } catch (error) {
      if (error instanceof ProblemException) throw error;
      if (error instanceof errors.JWTExpired) throw unauthorized('AUTH.TOKEN_EXPIRED', 'The token has expired');
      // The usual newcomer's mistake: a token made by `npm run token` against another data directory.
      if (error instanceof errors.JWSSignatureVerificationFailed && this.key.kind === 'secret' && this.key.development) {
        throw unauthorized(
          'AUTH.INVALID_TOKEN',
          `The token is not signed with this service's development secret (${this.config.dataDir}/dev-jwt-secret): ` +
            'make it with `npm run token` in the directory the service runs from, with the same ROSTER_DATA_DIR',
        );
      }
      if (error instanceof errors.JOSEError) throw unauthorized('AUTH.INVALID_TOKEN', 'The token is not valid');
      throw error;
    }
  }
}

export interface DevelopmentTokenClaims {
  readonly userId: string;
  readonly email?: string;
  readonly roles?: readonly PlatformRole[];
  /** jose time span, e.g. `24h`, `30m`, `7d`. Default 24h. */
  readonly ttl?: string;
}

/**
 * Signs an HS256 token with the configured secret (or the development one, made if need
 * be): what `npm run token` prints. Tokens from a JWKS issuer cannot be made here.
 */
export async function signDevelopmentToken(config: RosterConfig, claims: DevelopmentTokenClaims): Promise<string> {
  if (config.auth.jwksUrl) {
    throw new Error('ROSTER_JWKS_URL is set: tokens come from that issuer, not from this tool');
  }
  const secret = config.auth.jwtSecret ?? loadOrCreateDevelopmentSecret(config.dataDir);
  let jwt = new SignJWT({
    ...(claims.email ? { email: claims.email } : {}),
    ...(claims.roles && claims.roles.length > 0 ? { roles: [...claims.roles] } : {}),
  })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(claims.userId)
    .setIssuedAt()
    .setExpirationTime(claims.ttl ?? '24h');
  if (config.auth.issuer) jwt = jwt.setIssuer(config.auth.issuer);
  if (config.auth.audience) jwt = jwt.setAudience(config.auth.audience);
  return jwt.sign(new TextEncoder().encode(secret));
}
