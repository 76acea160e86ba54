import { ORGANIZATION_LIMITS } from './fields';
import { EVENT_SCHEMA_VERSION } from './events';
import { anOrganization, as, ev, given } from './testing/organization.fixtures';
import { upcast } from './upcast';

/** ChangeRole and RemoveMember take an optional reason, ruled like the rejection reason (fields.ts `reason`). */
describe('reasons of ChangeRole and RemoveMember', () => {
  test('ChangeRole records the reason given', () => {
    const o = anOrganization();
    given(o.history)
      .when({ type: 'ChangeRole', data: { organizationId: o.org, userId: o.member, role: 'editor', reason: 'Runs the water team\nsince June' } }, as(o.admin))
      .then([ev('MemberRoleChanged', { organizationId: o.org, userId: o.member, from: 'member', to: 'editor', changedBy: o.admin, reason: 'Runs the water team\nsince June' })]);
  });

  test('RemoveMember records the reason given', () => {
    const o = anOrganization();
    given(o.history)
      .when({ type: 'RemoveMember', data: { organizationId: o.org, userId: o.editor, reason: 'Left the agency' } }, as(o.admin))
      .then([ev('MemberRemoved', { organizationId: o.org, userId: o.editor, role: 'editor', removedBy: o.admin, reason: 'Left the agency' })]);
  });

  test('without a reason, the events carry none', () => {
    const o = anOrganization();
    given(o.history)
      .when({ type: 'RemoveMember', data: { organizationId: o.org, userId: o.editor } }, as(o.admin))
      .then([ev('MemberRemoved', { organizationId: o.org, userId: o.editor, role: 'editor', removedBy: o.admin })]);
  });

  test.each([
    ['too long', 'x'.repeat(ORGANIZATION_LIMITS.reasonMaxLength + 1)],
    ['a control character', 'bad\u0007bell'],
    ['a bidi override', 'evil\u202Etxt'],
    ['not text', 42],
  ])('a reason with %s is refused with VALIDATION.REASON, before anything else', (_what, reason) => {
    const o = anOrganization();
    given(o.history)
      .when({ type: 'ChangeRole', data: { organizationId: o.org, userId: o.member, role: 'editor', reason: reason as string } }, as(o.admin))
      .thenThrows('validation', 'VALIDATION.REASON');
    given(o.history)
      .when({ type: 'RemoveMember', data: { organizationId: o.org, userId: o.member, reason: reason as string } }, as(o.admin))
      .thenThrows('validation', 'VALIDATION.REASON');
  });

  test('a reason at the limit is accepted', () => {
    const o = anOrganization();
    const reason = 'y'.repeat(ORGANIZATION_LIMITS.reasonMaxLength);
    given(o.history)
      .when({ type: 'RemoveMember', data: { organizationId: o.org, userId: o.member, reason } }, as(o.admin))
      .then([ev('MemberRemoved', { organizationId: o.org, userId: o.member, role: 'member', removedBy: o.admin, reason })]);
  });

  test('a version-2 MemberRoleChanged or MemberRemoved reads as the current version, without a reason', () => {
    for (const [type, data] of [
      ['MemberRoleChanged', { organizationId: 'o1', userId: 'u2', from: 'member', to: 'editor', changedBy: 'u1' }],
      ['MemberRemoved', { organizationId: 'o1', userId: 'u2', role: 'member', removedBy: 'u1' }],
    ] as const) {
      const event = upcast({ type, data, metadata: { schemaVersion: 2 } });
      expect(event).toMatchObject({ schemaVersion: EVENT_SCHEMA_VERSION, recordedSchemaVersion: 2, data });
      expect(event.data).not.toHaveProperty('reason');
    }
  });
});
