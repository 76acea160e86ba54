import { normalizedEmail } from './fields';

/**
 * Which recorded fields are personal data, and whose (DESIGN.md, "Personal data and erasure").
 * User ids are the portal's pseudonymous ids and stay in clear; everything else that
 * identifies or was written by a person is stored encrypted under that person's key, so
 * destroying the key erases every copy in the log at once (crypto-shredding).
 *
 * The owner of a field is the person it identifies or is about:
 * - an e-mail invitee: the normalized e-mail address (no user id is known for it; erasing a
 *   user erases the addresses they give too);
 * - a partner's contact e-mail (a partnership invited by contact): that address, likewise;
 * - a join request's message and a rejection's reason: the requester (`userId`);
 * - a reason on a role change or a removal: the member it is about (`userId`);
 * - an e-mail claim kept in the metadata: the actor.
 * A new personal field is added here, and only here: sealing, opening and erasure follow.
 */

/** The owner of a key: a user by id, or an e-mail address nobody has signed in with yet. */
export type Person = { readonly kind: 'user'; readonly userId: string } | { readonly kind: 'email'; readonly email: string };

/** What a personal value reads as once its owner's key is destroyed. Never an error; no `$` so MongoDB can store it. */
export interface ErasedValue {
  readonly erased: true;
}

export const ERASED: ErasedValue = Object.freeze({ erased: true as const });

export const isErased = (value: unknown): value is ErasedValue =>
  value !== null && typeof value === 'object' && (value as { erased?: unknown }).erased === true;

/** The key store's name for a person: `user:<id>` or `email:<normalized address>`. */
export const personKeyName = (person: Person): string =>
  person.kind === 'user' ? `user:${person.userId}` : `email:${normalizedEmail(person.email)}`;

const user = (userId: unknown): Person | undefined => (typeof userId === 'string' && userId !== '' ? { kind: 'user', userId } : undefined);
const email = (address: unknown): Person | undefined => (typeof address === 'string' && address !== '' ? { kind: 'email', email: address } : undefined);

type Fields = { readonly [name: string]: unknown } | undefined;

/** One personal field of an event type: where it is, and whose it is (read from the plaintext event). */
export interface PersonalFieldRule {
  readonly path: readonly string[];
  owner(data: Fields, metadata: Fields): Person | undefined;
}

const requester: PersonalFieldRule['owner'] = (data) => user(data?.userId);

/** The catalogue of personal fields, by event type. */
const EVENT_FIELDS: { readonly [type: string]: readonly PersonalFieldRule[] } = {
  MemberInvited: [{ path: ['data', 'invitee', 'email'], owner: (data) => email((data?.invitee as Fields)?.email) }],
  PartnerInvited: [{ path: ['data', 'contact', 'contactEmail'], owner: (data) => email((data?.contact as Fields)?.contactEmail) }],
  JoinRequested: [{ path: ['data', 'message'], owner: requester }],
  JoinRejected: [{ path: ['data', 'reason'], owner: requester }],
  MemberRoleChanged: [{ path: ['data', 'reason'], owner: requester }],
  MemberRemoved: [{ path: ['data', 'reason'], owner: requester }],
};

/** Personal fields of every event's metadata: a token's e-mail claim kept with the actor. */
const METADATA_FIELDS: readonly PersonalFieldRule[] = [{ path: ['metadata', 'actor', 'email'], owner: (_data, metadata) => user((metadata?.actor as Fields)?.userId) }];

const rulesByType = new Map<string, readonly PersonalFieldRule[]>(Object.entries(EVENT_FIELDS).map(([type, rules]) => [type, [...rules, ...METADATA_FIELDS]]));

/** The personal fields an event of this type may hold (absent ones are simply not there). */
export const personalFieldRules = (type: string): readonly PersonalFieldRule[] => rulesByType.get(type) ?? METADATA_FIELDS;
