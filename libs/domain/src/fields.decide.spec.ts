import { randomUUID } from 'node:crypto';
import type { OrganizationCommand } from './commands';
import { FIELD_CODES, fieldRefusal, type CommandField } from './fields';
import { anOrganization, as, ev, given } from './testing/organization.fixtures';

// Characters a reader does not see, or that reorder or break what they see.
const HIDDEN = {
  NUL: '\u0000',
  'a bell': '\u0007',
  DEL: '\u007f',
  'a C1 control': '\u0085',
  'a right-to-left override': '\u202e',
  'a left-to-right isolate': '\u2066',
  'a zero-width space': '\u200b',
  'a byte-order mark': '\ufeff',
  'a lone high surrogate': '\ud800',
  'a lone low surrogate': '\udc00',
} as const;

/** Every free-text field of every command, with the command that carries it. */
function freeTextCommands(o: ReturnType<typeof anOrganization>) {
  const requestId = randomUUID();
  const history = [...o.history, o.requested(requestId, o.outsider)];
  return [
    { field: 'name', history: [], actor: o.admin, command: (name: string): OrganizationCommand => ({ type: 'CreateOrganization', data: { organizationId: randomUUID(), name } }) },
    { field: 'name', history, actor: o.admin, command: (name: string): OrganizationCommand => ({ type: 'UpdateOrganizationProfile', data: { organizationId: o.org, name } }) },
    { field: 'description', history: [], actor: o.admin, command: (description: string): OrganizationCommand => ({ type: 'CreateOrganization', data: { organizationId: randomUUID(), name: 'Acme', description } }) },
    { field: 'description', history, actor: o.admin, command: (description: string): OrganizationCommand => ({ type: 'UpdateOrganizationProfile', data: { organizationId: o.org, description } }) },
    { field: 'message', history: o.history, actor: o.outsider, command: (message: string): OrganizationCommand => ({ type: 'RequestJoin', data: { organizationId: o.org, requestId: randomUUID(), message } }) },
    { field: 'reason', history, actor: o.admin, command: (reason: string): OrganizationCommand => ({ type: 'RejectJoin', data: { organizationId: o.org, requestId, reason } }) },
    { field: 'userId', history, actor: o.admin, command: (userId: string): OrganizationCommand => ({ type: 'InviteMember', data: { organizationId: o.org, invitationId: randomUUID(), invitee: { userId }, role: 'member' } }) },
    { field: 'email', history, actor: o.admin, command: (email: string): OrganizationCommand => ({ type: 'InviteMember', data: { organizationId: o.org, invitationId: randomUUID(), invitee: { email }, role: 'member' } }) },
  ] as const;
}

const SAMPLE: Record<string, string> = { name: 'Open Data', description: 'Open data', message: 'Hello', reason: 'Sorry', userId: 'user-1', email: 'ada@example.org' };

describe('control and format characters in free text', () => {
  const o = anOrganization();
  const cases = freeTextCommands(o).flatMap((entry) =>
    Object.entries(HIDDEN).map(([what, char]) => [entry.command(SAMPLE[entry.field]).type, entry.field, what, char, entry] as const),
  );

  test.each(cases)('%s refuses %s with %s in it', (_type, field, _what, char, entry) => {
    const value = SAMPLE[field].replace(/^(.)/, `$1${char}`);
    given(entry.history)
      .when(entry.command(value), as(entry.actor))
      .thenThrows('validation', FIELD_CODES[field as CommandField]);
  });

  test.each([
    ['description', 'CreateOrganization'],
    ['description', 'UpdateOrganizationProfile'],
    ['message', 'RequestJoin'],
    ['reason', 'RejectJoin'],
  ])('a multi-line %s (%s) keeps its line breaks and tabs', (field, type) => {
    const entry = freeTextCommands(o).find((e) => e.field === field && e.command('x').type === type)!;
    const text = 'First line\r\nSecond line\n\tindented';
    given(entry.history)
      .when(entry.command(text), as(entry.actor))
      .then([expect.objectContaining({ data: expect.objectContaining({ [field]: text }) })]);
  });

  test.each(['name', 'userId', 'email'] as const)('a one-line %s refuses a line break or a tab', (field) => {
    for (const char of ['\n', '\r', '\t']) {
      const entry = freeTextCommands(o).find((e) => e.field === field)!;
      given(entry.history)
        .when(entry.command(SAMPLE[field].replace(/^(.)/, `$1${char}`)), as(entry.actor))
        .thenThrows('validation', FIELD_CODES[field]);
    }
  });

  test('letters of every script, emoji and combining marks are fine', () => {
    const creator = o.admin;
    const organizationId = randomUUID();
    const name = 'Région Sud · Ελλάδα · 東京 · مرحبا · 🚌 · e\u0301';
    given([])
      .when({ type: 'CreateOrganization', data: { organizationId, name, description: 'Line one\nLine two' } }, as(creator))
      .then([ev('OrganizationCreated', { organizationId, name, description: 'Line one\nLine two', createdBy: creator, creatorDefaultDatasetRole: 'manager' })]);
  });
});

describe('one code per field, for the wrong type and for the broken rule', () => {
  test.each([
    ['name', 42, 'x'.repeat(201)],
    ['description', { text: 'x' }, 'd'.repeat(2001)],
    ['message', 7, 'm\u202e'],
    ['reason', [], 'r'.repeat(1001)],
    ['userId', 12, ''],
    ['email', 5, 'not an address'],
    ['role', 1, 'owner'],
    ['expiresInDays', '7', 0],
  ] as const)('%s', (field, wrongType, brokenRule) => {
    expect(fieldRefusal(field, wrongType)?.code).toBe(FIELD_CODES[field]);
    expect(fieldRefusal(field, brokenRule)?.code).toBe(FIELD_CODES[field]);
  });

  test('a valid value passes', () => {
    expect(fieldRefusal('email', ' Ada@Example.org ')).toBeUndefined();
    expect(fieldRefusal('expiresInDays', 30)).toBeUndefined();
    expect(fieldRefusal('description', 'Line one\nLine two')).toBeUndefined();
  });
});
