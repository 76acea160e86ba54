import { randomUUID } from 'node:crypto';
import type { CommandContext, OrganizationCommand } from './commands';
import { partnerOrganizationToLoad, withPartnerFacts } from './organization.decide';
import { partnerOrganizationFacts, type PartnerAccess } from './partners';
import { anOrganization, as, ev, foldOrganization, given } from './testing/organization.fixtures';
import type { OrganizationEvent } from './events';

/**
 * Partners (DESIGN.md "Partners"): decided in the inviting organization A's stream; what the
 * partner organization B says (it exists, the actor's role there) is folded from B's own
 * history here, as the command handler does just before the decision.
 */
function twoOrganizations() {
  const a = anOrganization();
  const b = anOrganization();
  const partnershipId = randomUUID();
  const contactEmail = 'contact@partner.example.org';
  /** B's facts for `context`'s actor, folded from `history` (B's history by default). */
  const factsOfB = (context: CommandContext, history: readonly OrganizationEvent[] = b.history) =>
    partnerOrganizationFacts(b.org, foldOrganization(history), context.actor);
  /** The command as the handler decides it: with the facts of the organization partnerOrganizationToLoad names. */
  const withFacts = (command: OrganizationCommand, context: CommandContext, history: readonly OrganizationEvent[], bHistory: readonly OrganizationEvent[] = b.history) => {
    const other = partnerOrganizationToLoad(command, foldOrganization(history));
    return other === undefined ? command : withPartnerFacts(command, partnerOrganizationFacts(other, other === b.org ? foldOrganization(bHistory) : foldOrganization([]), context.actor));
  };
  const invited = (access: PartnerAccess = 'read', id: string = partnershipId) =>
    ev('PartnerInvited', { organizationId: a.org, partnershipId: id, partnerOrganizationId: b.org, access, invitedBy: a.admin });
  const invitedContact = (access: PartnerAccess = 'read', id: string = partnershipId) =>
    ev('PartnerInvited', { organizationId: a.org, partnershipId: id, contact: { name: 'Partner', contactEmail }, access, invitedBy: a.admin });
  const accepted = (access: PartnerAccess = 'read', id: string = partnershipId) =>
    ev('PartnershipAccepted', { organizationId: a.org, partnershipId: id, partnerOrganizationId: b.org, access, acceptedBy: b.admin, acceptedByRole: 'admin' });
  const bDeleted = ev('OrganizationDeleted', { organizationId: b.org, deletedBy: b.admin });
  const invite = (partner: { organizationId: string } | { name: string; contactEmail: string }, access: PartnerAccess = 'read', id: string = partnershipId): OrganizationCommand => ({
    type: 'InvitePartner',
    data: { organizationId: a.org, partnershipId: id, partner, access },
  });
  const accept = (partnerOrganizationId?: string): OrganizationCommand => ({
    type: 'AcceptPartnership',
    data: { organizationId: a.org, partnershipId, ...(partnerOrganizationId !== undefined ? { partnerOrganizationId } : {}) },
  });
  const decline: OrganizationCommand = { type: 'DeclinePartnership', data: { organizationId: a.org, partnershipId } };
  const end: OrganizationCommand = { type: 'EndPartnership', data: { organizationId: a.org, partnershipId } };
  const changeAccess = (access: PartnerAccess): OrganizationCommand => ({ type: 'ChangePartnerAccess', data: { organizationId: a.org, partnershipId, access } });
  /** `when` with the facts folded from B, then/thenThrows as usual. */
  const decide = (history: readonly OrganizationEvent[], command: OrganizationCommand, context: CommandContext, bHistory: readonly OrganizationEvent[] = b.history) =>
    given(history).when(withFacts(command, context, history, bHistory), context);
  return { a, b, partnershipId, contactEmail, factsOfB, invited, invitedContact, accepted, bDeleted, invite, accept, decline, end, changeAccess, decide };
}

describe('InvitePartner', () => {
  test('an admin of A invites B by id, with an access level', () => {
    const t = twoOrganizations();
    t.decide(t.a.history, t.invite({ organizationId: t.b.org }, 'write'), as(t.a.admin)).then([t.invited('write')]);
  });

  test('by a name and a contact e-mail when B is not known yet (the e-mail recorded trimmed and lower-cased)', () => {
    const t = twoOrganizations();
    t.decide(t.a.history, t.invite({ name: ' Partner ', contactEmail: ' Contact@Partner.example.org ' }), as(t.a.admin)).then([t.invitedContact()]);
  });

  test('a superadmin may invite; an editor, a member, an outsider and a department admin may not', () => {
    const t = twoOrganizations();
    t.decide(t.a.history, t.invite({ organizationId: t.b.org }), as(t.a.superadmin, { superadmin: true })).then([
      { ...t.invited(), data: { ...t.invited().data, invitedBy: t.a.superadmin } } as OrganizationEvent,
    ]);
    for (const who of [t.a.editor, t.a.member, t.a.outsider]) t.decide(t.a.history, t.invite({ organizationId: t.b.org }), as(who)).thenThrows('forbidden', 'PERMISSION.DENIED');
    const departmentAdmin = 'dept-admin';
    const history = [
      ...t.a.history,
      ev('DepartmentAdded', { organizationId: t.a.org, departmentId: 'water', name: 'Water', addedBy: t.a.admin }),
      ...t.a.joined(departmentAdmin, 'admin'),
      ev('MemberDepartmentChanged', { organizationId: t.a.org, userId: departmentAdmin, from: null, to: 'water', changedBy: t.a.admin }),
    ];
    t.decide(history, t.invite({ organizationId: t.b.org }), as(departmentAdmin)).thenThrows('forbidden', 'PERMISSION.DEPARTMENT');
  });

  test('not with itself (400), not an unknown (404) or deleted (410) organization', () => {
    const t = twoOrganizations();
    t.decide(t.a.history, t.invite({ organizationId: t.a.org }), as(t.a.admin)).thenThrows('validation', 'PARTNER.SELF');
    t.decide(t.a.history, t.invite({ organizationId: randomUUID() }), as(t.a.admin)).thenThrows('not_found', 'PARTNER.NOT_FOUND');
    t.decide(t.a.history, t.invite({ organizationId: t.b.org }), as(t.a.admin), [...t.b.history, t.bDeleted]).thenThrows('gone', 'PARTNER.DELETED');
  });

  test('a second pending or active partnership with the same partner is refused (409); after it ended, a new one is fine', () => {
    const t = twoOrganizations();
    const again = t.invite({ organizationId: t.b.org }, 'read', randomUUID());
    t.decide([...t.a.history, t.invited()], again, as(t.a.admin)).thenThrows('conflict', 'PARTNERSHIP.ALREADY_EXISTS');
    t.decide([...t.a.history, t.invited(), t.accepted()], again, as(t.a.admin)).thenThrows('conflict', 'PARTNERSHIP.ALREADY_EXISTS');
    const ended = ev('PartnershipEnded', { organizationId: t.a.org, partnershipId: t.partnershipId, partnerOrganizationId: t.b.org, endedBy: t.a.admin, by: 'organization' });
    const invitedAgain = t.invited('read', (again.data as { partnershipId: string }).partnershipId);
    t.decide([...t.a.history, t.invited(), t.accepted(), ended], again, as(t.a.admin)).then([invitedAgain]);
    const declined = ev('PartnershipDeclined', { organizationId: t.a.org, partnershipId: t.partnershipId, partnerOrganizationId: t.b.org, declinedBy: t.b.admin });
    t.decide([...t.a.history, t.invited(), declined], again, as(t.a.admin)).then([invitedAgain]);
  });

  test('a second pending invitation to the same contact is refused (409)', () => {
    const t = twoOrganizations();
    t.decide([...t.a.history, t.invitedContact()], t.invite({ name: 'Other name', contactEmail: t.contactEmail.toUpperCase() }, 'read', randomUUID()), as(t.a.admin)).thenThrows(
      'conflict',
      'PARTNERSHIP.ALREADY_EXISTS',
    );
  });

  test('partnerships are directed: B may invite A while A has a partnership with B', () => {
    const t = twoOrganizations();
    const bInvitesA: OrganizationCommand = { type: 'InvitePartner', data: { organizationId: t.b.org, partnershipId: randomUUID(), partner: { organizationId: t.a.org }, access: 'read' } };
    const facts = partnerOrganizationFacts(t.a.org, foldOrganization([...t.a.history, t.invited(), t.accepted()]), as(t.b.admin).actor);
    given(t.b.history).when(withPartnerFacts(bInvitesA, facts), as(t.b.admin)).then([
      ev('PartnerInvited', { organizationId: t.b.org, partnershipId: (bInvitesA.data as { partnershipId: string }).partnershipId, partnerOrganizationId: t.a.org, access: 'read', invitedBy: t.b.admin }),
    ]);
  });

  test('field rules: the access, the partner given one way, the contact e-mail, the partner id', () => {
    const t = twoOrganizations();
    const run = (data: Record<string, unknown>) =>
      t.decide(t.a.history, { type: 'InvitePartner', data: { organizationId: t.a.org, partnershipId: t.partnershipId, partner: { organizationId: t.b.org }, access: 'read', ...data } } as OrganizationCommand, as(t.a.admin));
    run({ access: 'admin' }).thenThrows('validation', 'VALIDATION.ACCESS');
    run({ partner: { organizationId: t.b.org, name: 'B', contactEmail: 'b@example.org' } }).thenThrows('validation', 'VALIDATION.PARTNER');
    run({ partner: {} }).thenThrows('validation', 'VALIDATION.PARTNER');
    run({ partner: { name: 'B', contactEmail: 'not an address' } }).thenThrows('validation', 'VALIDATION.CONTACT_EMAIL');
    run({ partner: { name: '', contactEmail: 'b@example.org' } }).thenThrows('validation', 'VALIDATION.NAME');
    run({ partner: { organizationId: 'not-a-uuid' } }).thenThrows('validation', 'VALIDATION.PARTNER_ORGANIZATION_ID');
  });

  test('the handler is told to fold B only for a well-formed id', () => {
    const t = twoOrganizations();
    const state = foldOrganization(t.a.history);
    expect(partnerOrganizationToLoad(t.invite({ organizationId: t.b.org.toUpperCase() }), state)).toBe(t.b.org);
    expect(partnerOrganizationToLoad(t.invite({ organizationId: '../etc' }), state)).toBeUndefined();
    expect(partnerOrganizationToLoad(t.invite({ name: 'B', contactEmail: t.contactEmail }), state)).toBeUndefined();
    expect(partnerOrganizationToLoad(t.changeAccess('write'), foldOrganization([...t.a.history, t.invited()]))).toBeUndefined();
  });

  test('a decision that needs B but was given no facts is a wiring bug, not a refusal', () => {
    const t = twoOrganizations();
    expect(() => given(t.a.history).when(t.invite({ organizationId: t.b.org }), as(t.a.admin)).then([])).toThrow(/not folded/);
  });
});

describe('AcceptPartnership: decided in A on a fact from B', () => {
  test('an admin of B accepts; the record names who accepted and their role in B', () => {
    const t = twoOrganizations();
    t.decide([...t.a.history, t.invited('write')], t.accept(), as(t.b.admin)).then([t.accepted('write')]);
  });

  test('the role is the one folded from B just before: promoted in B, an editor may accept; demoted, an admin may not', () => {
    const t = twoOrganizations();
    const history = [...t.a.history, t.invited()];
    const promoted = [...t.b.history, ev('MemberRoleChanged', { organizationId: t.b.org, userId: t.b.editor, from: 'editor', to: 'admin', changedBy: t.b.admin })];
    t.decide(history, t.accept(), as(t.b.editor), promoted).then([
      ev('PartnershipAccepted', { organizationId: t.a.org, partnershipId: t.partnershipId, partnerOrganizationId: t.b.org, access: 'read', acceptedBy: t.b.editor, acceptedByRole: 'admin' }),
    ]);
    t.decide(history, t.accept(), as(t.b.editor)).thenThrows('forbidden', 'PERMISSION.DENIED');
    const secondAdmin = 'b-second-admin';
    const demoted = [
      ...t.b.history,
      ...t.b.joined(secondAdmin, 'admin'),
      ev('MemberRoleChanged', { organizationId: t.b.org, userId: secondAdmin, from: 'admin', to: 'member', changedBy: t.b.admin }),
    ];
    t.decide(history, t.accept(), as(secondAdmin), demoted).thenThrows('forbidden', 'PERMISSION.DENIED');
  });

  test('not an admin of B: its members, an admin of A, an outsider (403); a department admin of B (403 PERMISSION.DEPARTMENT)', () => {
    const t = twoOrganizations();
    const history = [...t.a.history, t.invited()];
    for (const who of [t.b.member, t.b.editor, t.a.admin, t.b.outsider]) t.decide(history, t.accept(), as(who)).thenThrows('forbidden', 'PERMISSION.DENIED');
    const departmentAdmin = 'b-dept-admin';
    const bHistory = [
      ...t.b.history,
      ev('DepartmentAdded', { organizationId: t.b.org, departmentId: 'water', name: 'Water', addedBy: t.b.admin }),
      ...t.b.joined(departmentAdmin, 'admin'),
      ev('MemberDepartmentChanged', { organizationId: t.b.org, userId: departmentAdmin, from: null, to: 'water', changedBy: t.b.admin }),
    ];
    t.decide(history, t.accept(), as(departmentAdmin), bHistory).thenThrows('forbidden', 'PERMISSION.DEPARTMENT');
  });

  test('a superadmin may accept for B; the record says they hold no role there', () => {
    const t = twoOrganizations();
    t.decide([...t.a.history, t.invited()], t.accept(), as(t.a.superadmin, { superadmin: true })).then([
      ev('PartnershipAccepted', { organizationId: t.a.org, partnershipId: t.partnershipId, partnerOrganizationId: t.b.org, access: 'read', acceptedBy: t.a.superadmin, acceptedByRole: null }),
    ]);
  });

  test('accepting twice (409), an ended or declined one (409), an unknown one (404)', () => {
    const t = twoOrganizations();
    t.decide([...t.a.history, t.invited(), t.accepted()], t.accept(), as(t.b.admin)).thenThrows('conflict', 'PARTNERSHIP.NOT_PENDING');
    const declined = ev('PartnershipDeclined', { organizationId: t.a.org, partnershipId: t.partnershipId, partnerOrganizationId: t.b.org, declinedBy: t.b.admin });
    t.decide([...t.a.history, t.invited(), declined], t.accept(), as(t.b.admin)).thenThrows('conflict', 'PARTNERSHIP.CLOSED');
    t.decide(t.a.history, t.accept(), as(t.b.admin)).thenThrows('not_found', 'PARTNERSHIP.NOT_FOUND');
  });

  test('B deleted since the invitation: 410, whoever asks', () => {
    const t = twoOrganizations();
    t.decide([...t.a.history, t.invited()], t.accept(), as(t.b.admin), [...t.b.history, t.bDeleted]).thenThrows('gone', 'PARTNER.DELETED');
  });

  test('A deleted: nothing is accepted (409 ORGANIZATION.DELETED)', () => {
    const t = twoOrganizations();
    const aDeleted = ev('OrganizationDeleted', { organizationId: t.a.org, deletedBy: t.a.admin });
    t.decide([...t.a.history, t.invited(), aDeleted], t.accept(), as(t.b.admin)).thenThrows('conflict', 'ORGANIZATION.DELETED');
  });

  test('naming another organization than the one invited is refused (400)', () => {
    const t = twoOrganizations();
    t.decide([...t.a.history, t.invited()], t.accept(randomUUID()), as(t.b.admin)).thenThrows('validation', 'VALIDATION.ORGANIZATION_ID');
    t.decide([...t.a.history, t.invited()], t.accept(t.b.org), as(t.b.admin)).then([t.accepted()]);
  });

  describe('a contact invitation', () => {
    const contactAdmin = (t: ReturnType<typeof twoOrganizations>, options: { emailVerified?: boolean } = {}) => as(t.b.admin, { email: 'CONTACT@partner.example.org', ...options });

    test('the contact, with a verified e-mail, accepts for one of their organizations where they are an admin', () => {
      const t = twoOrganizations();
      t.decide([...t.a.history, t.invitedContact('write')], t.accept(t.b.org), contactAdmin(t)).then([t.accepted('write')]);
    });

    test('an unverified e-mail (403 PARTNERSHIP.EMAIL_NOT_VERIFIED), not the contact (403 PARTNERSHIP.NOT_CONTACT)', () => {
      const t = twoOrganizations();
      const history = [...t.a.history, t.invitedContact()];
      t.decide(history, t.accept(t.b.org), contactAdmin(t, { emailVerified: false })).thenThrows('forbidden', 'PARTNERSHIP.EMAIL_NOT_VERIFIED');
      t.decide(history, t.accept(t.b.org), as(t.b.admin, { email: 'someone@else.example.org' })).thenThrows('forbidden', 'PARTNERSHIP.NOT_CONTACT');
      t.decide(history, t.accept(t.b.org), as(t.b.admin)).thenThrows('forbidden', 'PARTNERSHIP.NOT_CONTACT');
    });

    test('the contact who is not an admin of the organization named (403)', () => {
      const t = twoOrganizations();
      const history = [...t.a.history, t.invitedContact()];
      t.decide(history, t.accept(t.b.org), as(t.b.editor, { email: t.contactEmail })).thenThrows('forbidden', 'PERMISSION.DENIED');
    });

    test('naming no organization, A itself (400), an unknown (404) or deleted (410) one', () => {
      const t = twoOrganizations();
      const history = [...t.a.history, t.invitedContact()];
      t.decide(history, t.accept(), contactAdmin(t)).thenThrows('validation', 'VALIDATION.ORGANIZATION_ID');
      t.decide(history, t.accept('nope'), contactAdmin(t)).thenThrows('validation', 'VALIDATION.ORGANIZATION_ID');
      t.decide(history, t.accept(t.a.org), contactAdmin(t)).thenThrows('validation', 'PARTNER.SELF');
      t.decide(history, t.accept(randomUUID()), contactAdmin(t)).thenThrows('not_found', 'PARTNER.NOT_FOUND');
      t.decide(history, t.accept(t.b.org), contactAdmin(t), [...t.b.history, t.bDeleted]).thenThrows('gone', 'PARTNER.DELETED');
    });

    test('naming an organization A already has a partnership with (409)', () => {
      const t = twoOrganizations();
      const history = [...t.a.history, t.invited('read', randomUUID()), t.invitedContact()];
      t.decide(history, t.accept(t.b.org), contactAdmin(t)).thenThrows('conflict', 'PARTNERSHIP.ALREADY_EXISTS');
    });

    test('once accepted, the contact may be invited again and B may not', () => {
      const t = twoOrganizations();
      const history = [...t.a.history, t.invitedContact(), t.accepted()];
      const again = randomUUID();
      t.decide(history, t.invite({ name: 'Partner', contactEmail: t.contactEmail }, 'read', again), as(t.a.admin)).then([t.invitedContact('read', again)]);
      t.decide(history, t.invite({ organizationId: t.b.org }, 'read', randomUUID()), as(t.a.admin)).thenThrows('conflict', 'PARTNERSHIP.ALREADY_EXISTS');
    });
  });
});

describe('DeclinePartnership', () => {
  test('an admin of B declines; a member of B may not; declined twice is 409', () => {
    const t = twoOrganizations();
    const history = [...t.a.history, t.invited()];
    const declined = ev('PartnershipDeclined', { organizationId: t.a.org, partnershipId: t.partnershipId, partnerOrganizationId: t.b.org, declinedBy: t.b.admin });
    t.decide(history, t.decline, as(t.b.admin)).then([declined]);
    t.decide(history, t.decline, as(t.b.member)).thenThrows('forbidden', 'PERMISSION.DENIED');
    t.decide(history, t.decline, as(t.a.admin)).thenThrows('forbidden', 'PERMISSION.DENIED');
    t.decide([...history, declined], t.decline, as(t.b.admin)).thenThrows('conflict', 'PARTNERSHIP.CLOSED');
    t.decide([...history, t.accepted()], t.decline, as(t.b.admin)).thenThrows('conflict', 'PARTNERSHIP.NOT_PENDING');
  });

  test('a contact invitation is declined by the contact (verified), recording no partner', () => {
    const t = twoOrganizations();
    const history = [...t.a.history, t.invitedContact()];
    t.decide(history, t.decline, as('anyone', { email: t.contactEmail })).then([
      ev('PartnershipDeclined', { organizationId: t.a.org, partnershipId: t.partnershipId, partnerOrganizationId: null, declinedBy: 'anyone' }),
    ]);
    t.decide(history, t.decline, as('anyone', { email: t.contactEmail, emailVerified: false })).thenThrows('forbidden', 'PARTNERSHIP.EMAIL_NOT_VERIFIED');
    t.decide(history, t.decline, as(t.b.admin)).thenThrows('forbidden', 'PARTNERSHIP.NOT_CONTACT');
  });

  test('B deleted: 410', () => {
    const t = twoOrganizations();
    t.decide([...t.a.history, t.invited()], t.decline, as(t.b.admin), [...t.b.history, t.bDeleted]).thenThrows('gone', 'PARTNER.DELETED');
  });
});

describe('ChangePartnerAccess', () => {
  test('an admin of A changes the access of a pending or active partnership; the same access is a no-op', () => {
    const t = twoOrganizations();
    const changed = ev('PartnerAccessChanged', { organizationId: t.a.org, partnershipId: t.partnershipId, partnerOrganizationId: t.b.org, from: 'read', to: 'write', changedBy: t.a.admin });
    t.decide([...t.a.history, t.invited()], t.changeAccess('write'), as(t.a.admin)).then([changed]);
    t.decide([...t.a.history, t.invited(), t.accepted()], t.changeAccess('write'), as(t.a.admin)).then([changed]);
    t.decide([...t.a.history, t.invited(), t.accepted()], t.changeAccess('read'), as(t.a.admin)).then([]);
  });

  test('an admin of B, an editor of A (403); an ended partnership (409); an unknown one (404); a bad access (400)', () => {
    const t = twoOrganizations();
    const history = [...t.a.history, t.invited(), t.accepted()];
    t.decide(history, t.changeAccess('write'), as(t.b.admin)).thenThrows('forbidden', 'PERMISSION.DENIED');
    t.decide(history, t.changeAccess('write'), as(t.a.editor)).thenThrows('forbidden', 'PERMISSION.DENIED');
    const ended = ev('PartnershipEnded', { organizationId: t.a.org, partnershipId: t.partnershipId, partnerOrganizationId: t.b.org, endedBy: t.a.admin, by: 'organization' });
    t.decide([...history, ended], t.changeAccess('write'), as(t.a.admin)).thenThrows('conflict', 'PARTNERSHIP.CLOSED');
    t.decide(t.a.history, t.changeAccess('write'), as(t.a.admin)).thenThrows('not_found', 'PARTNERSHIP.NOT_FOUND');
    t.decide(history, t.changeAccess('owner' as PartnerAccess), as(t.a.admin)).thenThrows('validation', 'VALIDATION.ACCESS');
  });
});

describe('EndPartnership', () => {
  const endedBy = (t: ReturnType<typeof twoOrganizations>, userId: string, by: 'organization' | 'partner') =>
    ev('PartnershipEnded', { organizationId: t.a.org, partnershipId: t.partnershipId, partnerOrganizationId: t.b.org, endedBy: userId, by });

  test('an admin of A ends it (a pending one is withdrawn), and so may an admin of B; the record says which side', () => {
    const t = twoOrganizations();
    const active = [...t.a.history, t.invited(), t.accepted()];
    t.decide(active, t.end, as(t.a.admin)).then([endedBy(t, t.a.admin, 'organization')]);
    t.decide(active, t.end, as(t.b.admin)).then([endedBy(t, t.b.admin, 'partner')]);
    t.decide([...t.a.history, t.invited()], t.end, as(t.a.admin)).then([endedBy(t, t.a.admin, 'organization')]);
    t.decide(active, t.end, as(t.a.superadmin, { superadmin: true })).then([endedBy(t, t.a.superadmin, 'organization')]);
  });

  test('members of either side who are not admins, and outsiders (403); ended twice (409)', () => {
    const t = twoOrganizations();
    const active = [...t.a.history, t.invited(), t.accepted()];
    for (const who of [t.a.editor, t.a.member, t.b.editor, t.b.member, t.b.outsider]) t.decide(active, t.end, as(who)).thenThrows('forbidden', 'PERMISSION.DENIED');
    t.decide([...active, endedBy(t, t.a.admin, 'organization')], t.end, as(t.a.admin)).thenThrows('conflict', 'PARTNERSHIP.CLOSED');
  });

  test('an admin of A ends a partnership with a deleted B; an admin of a deleted B may not (410)', () => {
    const t = twoOrganizations();
    const active = [...t.a.history, t.invited(), t.accepted()];
    const bGone = [...t.b.history, t.bDeleted];
    t.decide(active, t.end, as(t.a.admin), bGone).then([endedBy(t, t.a.admin, 'organization')]);
    t.decide(active, t.end, as(t.b.admin), bGone).thenThrows('gone', 'PARTNER.DELETED');
  });

  test('a pending contact invitation is ended by A only', () => {
    const t = twoOrganizations();
    const history = [...t.a.history, t.invitedContact()];
    t.decide(history, t.end, as(t.a.admin)).then([
      ev('PartnershipEnded', { organizationId: t.a.org, partnershipId: t.partnershipId, partnerOrganizationId: null, endedBy: t.a.admin, by: 'organization' }),
    ]);
    t.decide(history, t.end, as(t.b.admin, { email: t.contactEmail })).thenThrows('forbidden', 'PERMISSION.DENIED');
  });
});
