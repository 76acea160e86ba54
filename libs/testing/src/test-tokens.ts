import { SignJWT } from 'jose';

/**
 * An HS256 bearer token as the service accepts them (ROSTER_JWT_SECRET), for tests and
 * benchmarks. `expiresIn`: a jose time span ('1h') or an absolute epoch in seconds.
 */
export function signTestToken(secret: string, subject: string | undefined, claims: Record<string, unknown> = {}, expiresIn: string | number = '1h'): Promise<string> {
  const jwt = new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setIssuedAt().setExpirationTime(expiresIn);
  if (subject !== undefined) jwt.setSubject(subject);
  return jwt.sign(new TextEncoder().encode(secret));
}
