import { ACTIONS } from './permissions';
import { checkOrganizationPermission, PARTNER_ACCESSES, partnerActionsOf, PARTNER_GRANTS, type PartnerStanding } from './partners';
import { ROLES } from './roles';
import { ERASED, personalFieldRules } from './personal-data';
import { anOrganization, as, ev, given } from './testing/organization.fixtures';

const partnerB = '11111111-1111-4111-8111-111111111111';
const partnerC = '22222222-2222-4222-8222-222222222222';
const standing = (changes: Partial<PartnerStanding> = {}): PartnerStanding => ({
  partnerOrganizationId: partnerB,
  partnershipStatus: 'active',
  partnerOrganizationStatus: 'active',
  access: 'read',
  role: 'member',
  ...changes,
});

describe('the permission rule for partners (DESIGN.md "Partners")', () => {
  test('read access: organization.read and dataset.read with any role in B, and nothing else', () => {
    for (const role of ['member', 'editor', 'admin'] as const) {
      const allowed = ACTIONS.filter((action) => checkOrganizationPermission(undefined, [standing({ role })], action).allowed);
      expect({ role, allowed }).toEqual({ role, allowed: ['organization.read', 'dataset.read'] });
    }
  });

  test('write access: also dataset.update and visualization.update, for editors and admins of B only', () => {
    const allowedTo = (role: 'member' | 'editor' | 'admin') =>
      ACTIONS.filter((action) => checkOrganizationPermission(undefined, [standing({ role, access: 'write' })], action).allowed);
    expect(allowedTo('member')).toEqual(['organization.read', 'dataset.read']);
    expect(allowedTo('editor')).toEqual(['organization.read', 'dataset.read', 'dataset.update', 'visualization.update']);
    expect(allowedTo('admin')).toEqual(['organization.read', 'dataset.read', 'dataset.update', 'visualization.update']);
  });

  test('never create, administer or membership actions', () => {
    for (const action of ACTIONS.filter((a) => /create|administer|membership|delete/.test(a))) {
      expect(PARTNER_GRANTS[action]).toBeUndefined();
      expect(checkOrganizationPermission(undefined, [standing({ role: 'admin', access: 'write' })], action)).toMatchObject({ allowed: false, via: 'partner' });
    }
  });

  test('the answer says via partner, names B, the role in B and the access', () => {
    expect(checkOrganizationPermission(undefined, [standing({ role: 'editor', access: 'write' })], 'dataset.update')).toEqual({
      allowed: true,
      via: 'partner',
      partnerOrganizationId: partnerB,
      role: 'editor',
      access: 'write',
      departmentId: null,
      reason: `member (editor) of partner ${partnerB} with access write grants dataset.update`,
    });
    expect(checkOrganizationPermission(undefined, [standing({ role: 'member', access: 'write' })], 'dataset.update')).toMatchObject({
      allowed: false,
      via: 'partner',
      reason: expect.stringContaining('needs role editor'),
    });
    expect(checkOrganizationPermission(undefined, [standing({ role: 'admin' })], 'dataset.update')).toMatchObject({
      allowed: false,
      reason: expect.stringContaining('needs access write'),
    });
  });

  test('a member of A is always answered by their membership, never by a partnership', () => {
    const answer = checkOrganizationPermission({ role: 'member', departmentId: null }, [standing({ role: 'admin', access: 'write' })], 'dataset.update');
    expect(answer).toMatchObject({ allowed: false, via: 'membership', role: 'member', partnerOrganizationId: null, access: null });
    expect(checkOrganizationPermission({ role: 'editor', departmentId: null }, [], 'dataset.update')).toMatchObject({ allowed: true, via: 'membership' });
  });

  test('nothing from a pending partnership, a deleted partner, or a partner the user is not a member of', () => {
    for (const changes of [{ partnershipStatus: 'pending' as const }, { partnerOrganizationStatus: 'deleted' as const }, { role: undefined }]) {
      expect(checkOrganizationPermission(undefined, [standing(changes)], 'dataset.read')).toEqual({
        allowed: false,
        via: 'membership',
        role: null,
        reason: 'not a member',
        departmentId: null,
        partnerOrganizationId: null,
        access: null,
      });
    }
  });

  test('partnerActionsOf (published on Kafka) lists exactly what the check allows', () => {
    for (const access of PARTNER_ACCESSES) {
      for (const role of ROLES) {
        expect(partnerActionsOf(access, role)).toEqual(ACTIONS.filter((action) => checkOrganizationPermission(undefined, [standing({ access, role })], action).allowed));
      }
    }
  });

  test('with several partners, the one that allows answers, write before read', () => {
    const read = standing({ partnerOrganizationId: partnerB, access: 'read', role: 'admin' });
    const write = standing({ partnerOrganizationId: partnerC, access: 'write', role: 'editor' });
    expect(checkOrganizationPermission(undefined, [read, write], 'dataset.update')).toMatchObject({ allowed: true, partnerOrganizationId: partnerC });
    expect(checkOrganizationPermission(undefined, [write, read], 'dataset.read')).toMatchObject({ allowed: true, partnerOrganizationId: partnerC, access: 'write' });
    expect(checkOrganizationPermission(undefined, [standing({ partnerOrganizationStatus: 'deleted', access: 'write', role: 'admin' }), read], 'dataset.read')).toMatchObject({
      allowed: true,
      partnerOrganizationId: partnerB,
    });
  });
});

describe('the contact e-mail of a partnership is personal data', () => {
  test('sealed under the contact address, as an e-mail invitee is', () => {
    const data = { organizationId: 'a', partnershipId: 'p', contact: { name: 'Hydro', contactEmail: 'c@hydro.example.org' }, access: 'read', invitedBy: 'u' };
    const rule = personalFieldRules('PartnerInvited').find((r) => r.path.join('.') === 'data.contact.contactEmail');
    expect(rule?.owner(data, undefined)).toEqual({ kind: 'email', email: 'c@hydro.example.org' });
  });

  test('once erased, the invitation folds, nobody answers it as the contact, and the address may be invited again', () => {
    const a = anOrganization();
    const erased = ev('PartnerInvited', { organizationId: a.org, partnershipId: 'p-1', contact: { name: 'Hydro', contactEmail: ERASED as unknown as string }, access: 'read', invitedBy: a.admin });
    given([...a.history, erased]).when({ type: 'DeclinePartnership', data: { organizationId: a.org, partnershipId: 'p-1' } }, as('x', { email: 'c@hydro.example.org' })).thenThrows('forbidden', 'PARTNERSHIP.NOT_CONTACT');
    given([...a.history, erased])
      .when({ type: 'InvitePartner', data: { organizationId: a.org, partnershipId: 'p-2', partner: { name: 'Hydro', contactEmail: 'c@hydro.example.org' }, access: 'read' } }, as(a.admin))
      .then([ev('PartnerInvited', { organizationId: a.org, partnershipId: 'p-2', contact: { name: 'Hydro', contactEmail: 'c@hydro.example.org' }, access: 'read', invitedBy: a.admin })]);
  });
});
