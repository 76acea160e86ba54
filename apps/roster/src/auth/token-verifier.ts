import { HttpStatus, Inject, Injectable, Logger } from '@nestjs/common';
import { PLATFORM_ROLES, type Actor, type PlatformRole } from '@roster/domain';
import { createRemoteJWKSet, decodeJwt, errors, jwtVerify, SignJWT, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { ConfigError, ROSTER_CONFIG, type RosterConfig } from '../config/roster-config';
import { LruCache } from '../command-handling/lru-cache';
import { ProblemException } from '../http/problem';
import { loadOrCreateDevelopmentSecret } from './development-secret';

type VerificationKey =
  | { kind: 'secret'; key: Uint8Array; development: boolean }
  | { kind: 'jwks'; keys: JWTVerifyGetKey }
  | { kind: 'none' };

/** The configured secret, the development one (ROSTER_DEV_AUTH=1), or none chosen (a process without the API). */
function signingSecret(config: RosterConfig): string | undefined {
  return config.auth.jwtSecret ?? (config.auth.developmentSecret ? loadOrCreateDevelopmentSecret(config.dataDir) : undefined);
}

function verificationKey(config: RosterConfig): VerificationKey {
  if (config.auth.jwksUrl) return { kind: 'jwks', keys: createRemoteJWKSet(new URL(config.auth.jwksUrl)) };
  // Only the API verifies tokens: a worker process makes no development secret.
  const secret = config.run.has('api') ? signingSecret(config) : undefined;
  if (secret === undefined) return { kind: 'none' };
  return { kind: 'secret', key: new TextEncoder().encode(secret), development: config.auth.jwtSecret === undefined };
}

/** Seconds jose allows between this machine's clock and the identity provider's (for exp, iat and nbf). */
const CLOCK_TOLERANCE_SECONDS = 30;

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
  const { email, email_verified: emailVerified } = payload as { email?: unknown; email_verified?: unknown };
  if (typeof email !== 'string' || email === '') return { userId: payload.sub, platformRoles };
  // Only a boolean true vouches for the address (OpenID Connect Core 5.1); "true" or 1 do not.
  return { userId: payload.sub, email, emailVerified: emailVerified === true, platformRoles };
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
      this.logger.log(`Verifying tokens with keys from ${config.auth.jwksUrl} (iss ${config.auth.issuer}, aud ${config.auth.audience})`);
    } else if (this.key.kind === 'none') {
      throw new Error('The API needs ROSTER_JWT_SECRET, ROSTER_JWKS_URL or ROSTER_DEV_AUTH=1 (the configuration should have refused this)');
    } else if (this.key.development) {
      this.logger.warn(
        `ROSTER_DEV_AUTH=1: using the DEVELOPMENT secret in ${config.dataDir}/dev-jwt-secret. ` +
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
    const maxAge = this.config.auth.maxAgeSeconds;
    const options = {
      issuer: this.config.auth.issuer,
      audience: this.config.auth.audience,
      // Every token expires, and none lives longer than maxAge from its `iat` (so `iat` is required too).
      requiredClaims: ['sub', 'exp', 'iat'],
      maxTokenAge: maxAge,
      clockTolerance: CLOCK_TOLERANCE_SECONDS,
      // One clock for the signature check and the cache of verified tokens.
      currentDate: new Date(Date.now()),
    };
    try {
      if (this.key.kind === 'none') throw unauthorized('AUTH.INVALID_TOKEN', 'This process verifies no tokens');
      const { payload } =
        this.key.kind === 'jwks'
          ? await jwtVerify(token, this.key.keys, options)
          : await jwtVerify(token, this.key.key, { ...options, algorithms: ['HS256'] });
      const actor = actorFromClaims(payload);
      // Good until it expires or grows too old, as jose judges both (with the same tolerance).
      const goodUntil = Math.min(payload.exp as number, (payload.iat as number) + maxAge) + CLOCK_TOLERANCE_SECONDS;
      this.verified.set(token, { actor, expiresAtMs: goodUntil * 1000 });
      return actor;
    } catch (error) {
      // The usual newcomer's mistake: a token made by `npm run token` against another data directory.
      if (error instanceof errors.JWSSignatureVerificationFailed && this.key.kind === 'secret' && this.key.development) {
        throw unauthorized(
          'AUTH.INVALID_TOKEN',
          `The token is not signed with this service's development secret (${this.config.dataDir}/dev-jwt-secret): ` +
            'make it with `npm run token` in the directory the service runs from, with the same ROSTER_DATA_DIR',
        );
      }
      throw asProblem(error);
    }
  }
}

/** jose's refusal as a 401 whose code says what to fix; anything else (a bug, a JWKS outage) as it is. */
function asProblem(error: unknown): unknown {
  if (error instanceof ProblemException) return error;
  if (error instanceof errors.JWTExpired) {
    return error.claim === 'iat'
      ? unauthorized('AUTH.TOKEN_TOO_OLD', 'The token was issued too long ago (ROSTER_JWT_MAX_AGE_SECONDS): get a new one')
      : unauthorized('AUTH.TOKEN_EXPIRED', 'The token has expired');
  }
  if (error instanceof errors.JWTClaimValidationFailed && error.reason === 'missing') {
    if (error.claim === 'exp') return unauthorized('AUTH.TOKEN_EXP_MISSING', 'The token has no `exp` claim: only tokens that expire are accepted');
    if (error.claim === 'iat') return unauthorized('AUTH.TOKEN_IAT_MISSING', 'The token has no `iat` claim: its age cannot be checked');
    return unauthorized('AUTH.INVALID_TOKEN', `The token has no \`${error.claim}\` claim`);
  }
  if (error instanceof errors.JWTClaimValidationFailed) {
    return unauthorized('AUTH.INVALID_TOKEN', `The token's \`${error.claim}\` claim is not acceptable here`);
  }
  if (error instanceof errors.JOSEError) return unauthorized('AUTH.INVALID_TOKEN', 'The token is not valid');
  return error;
}

const DEFAULT_TTL_SECONDS = 24 * 3600;

export interface DevelopmentTokenClaims {
  readonly userId: string;
  /** Signed with `email_verified: true`, as the portal's identity provider vouches for an address, unless emailVerified is false. */
  readonly email?: string;
  readonly emailVerified?: boolean;
  readonly roles?: readonly PlatformRole[];
  /** jose time span, e.g. `24h`, `30m`, `7d`. Default 24h (or the maximum age, if shorter); at most ROSTER_JWT_MAX_AGE_SECONDS. */
  readonly ttl?: string;
}

/**
 * Signs an HS256 token with the configured secret (or the development one with
 * ROSTER_DEV_AUTH=1, made if need be): what `npm run token` prints. Tokens from a JWKS
 * issuer cannot be made here.
 */
export async function signDevelopmentToken(config: RosterConfig, claims: DevelopmentTokenClaims): Promise<string> {
  if (config.auth.jwksUrl) {
    throw new ConfigError('ROSTER_JWKS_URL', 'is set: tokens come from that issuer, not from this tool');
  }
  const secret = signingSecret(config);
  if (secret === undefined) throw new ConfigError('ROSTER_JWT_SECRET', 'or ROSTER_DEV_AUTH=1 (the development secret) is needed to sign a token');
  const issuedAt = Math.floor(Date.now() / 1000);
  let jwt = new SignJWT({
    ...(claims.email ? { email: claims.email, email_verified: claims.emailVerified ?? true } : {}),
    ...(claims.roles && claims.roles.length > 0 ? { roles: [...claims.roles] } : {}),
  })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(claims.userId)
    .setIssuedAt(issuedAt)
    .setExpirationTime(claims.ttl ?? `${Math.min(DEFAULT_TTL_SECONDS, config.auth.maxAgeSeconds)}s`);
  if (config.auth.issuer) jwt = jwt.setIssuer(config.auth.issuer);
  if (config.auth.audience) jwt = jwt.setAudience(config.auth.audience);
  const token = await jwt.sign(new TextEncoder().encode(secret));
  const { exp } = decodeJwt(token);
  if (exp! - issuedAt > config.auth.maxAgeSeconds) {
    throw new ConfigError('ROSTER_JWT_MAX_AGE_SECONDS', `(${config.auth.maxAgeSeconds} s) is shorter than the ttl asked for: choose a shorter ttl`);
  }
  return token;
}
