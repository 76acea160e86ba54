import { ValidationPipe } from '@nestjs/common';
import { decide, DomainError, evolve, FIELD_CODES, initialState, type OrganizationCommand } from '@roster/domain';
import { InviteMemberRequest } from '../invitations/invite-member.request';
import { ApproveJoinRequest, RejectJoinRequest, RequestJoinRequest } from '../join-requests/join-request.requests';
import { AddDepartmentRequest } from '../departments/department.requests';
import { ChangeRoleRequest } from '../members/change-role.request';
import { ChangeDefaultDatasetRoleRequest, ChangeMemberDepartmentRequest } from '../members/member-placement.requests';
import { CreateOrganizationRequest, UpdateOrganizationProfileRequest } from '../organizations/organization.requests';
import { AcceptPartnershipRequest, ChangePartnerAccessRequest, InvitePartnerRequest } from '../partners/partner.requests';
import { ProblemException } from './problem';
import { toProblem } from './problem-details.filter';
import { createValidationPipe } from './validation';

const pipe = createValidationPipe();

async function refusal(metatype: new () => object, body: unknown) {
  const error = await pipe.transform(body, { type: 'body', metatype }).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ProblemException);
  return toProblem(error).problem;
}

// An organization whose admin is ada: decide then judges the command's fields.
const acme = evolve(initialState, { type: 'OrganizationCreated', data: { organizationId: 'org', name: 'Acme', description: '', createdBy: 'ada' } });

/** The code decide refuses the command with, sent by ada. */
function decideCode(command: OrganizationCommand): string {
  try {
    decide(command, command.type === 'CreateOrganization' ? initialState : acme, { actor: { userId: 'ada', platformRoles: [] }, now: new Date('2026-03-01T00:00:00Z') });
  } catch (error) {
    if (error instanceof DomainError) return error.code;
    throw error;
  }
  throw new Error('decide accepted it');
}

describe('request DTOs: one code per field, whichever layer refuses', () => {
  const valid: Record<string, [new () => object, Record<string, unknown>]> = {
    name: [CreateOrganizationRequest, { name: 'Acme' }],
    description: [UpdateOrganizationProfileRequest, { description: 'About us' }],
    message: [RequestJoinRequest, { message: 'Hello' }],
    reason: [RejectJoinRequest, { reason: 'Sorry' }],
    userId: [InviteMemberRequest, { userId: 'user-1', role: 'member' }],
    email: [InviteMemberRequest, { email: 'ada@example.org', role: 'member' }],
    role: [ChangeRoleRequest, { role: 'editor' }],
    expiresInDays: [InviteMemberRequest, { userId: 'user-1', role: 'member', expiresInDays: 7 }],
    departmentId: [AddDepartmentRequest, { departmentId: 'water', name: 'Water' }],
    defaultDatasetRole: [ChangeDefaultDatasetRoleRequest, { defaultDatasetRole: 'contributor' }],
    access: [ChangePartnerAccessRequest, { access: 'write' }],
    partnerOrganizationId: [InvitePartnerRequest, { partnerOrganizationId: '5d0c6c2e-8f0e-4d7a-9c1b-2f4e6a8b0c1d', access: 'read' }],
    contactEmail: [InvitePartnerRequest, { name: 'Hydro', contactEmail: 'contact@hydro.example.org', access: 'read' }],
    organizationId: [AcceptPartnershipRequest, { organizationId: '5d0c6c2e-8f0e-4d7a-9c1b-2f4e6a8b0c1d' }],
  };
  const wrong: Record<keyof typeof FIELD_CODES, { shape: unknown; rule: unknown }> = {
    name: { shape: 42, rule: 'n'.repeat(201) },
    description: { shape: { text: 'x' }, rule: 'd'.repeat(2001) },
    message: { shape: 7, rule: 'Hello\u202eevil' },
    reason: { shape: ['r'], rule: 'Sorry\u0000' },
    userId: { shape: 12, rule: 'u'.repeat(129) },
    email: { shape: true, rule: 'not an address' },
    role: { shape: 3, rule: 'owner' },
    expiresInDays: { shape: '7', rule: 7.5 },
    departmentId: { shape: 5, rule: 'Water!' },
    defaultDatasetRole: { shape: 1, rule: 'owner' },
    access: { shape: 1, rule: 'admin' },
    partnerOrganizationId: { shape: 1, rule: 'not-a-uuid' },
    contactEmail: { shape: false, rule: 'nobody' },
    organizationId: { shape: [], rule: 'org-1' },
    at: { shape: 1709251200000, rule: '2026-02-30T00:00:00Z' },
  };

  test.each(Object.keys(valid) as (keyof typeof FIELD_CODES)[])('%s', async (field) => {
    const [metatype, body] = valid[field];
    await expect(pipe.transform(body, { type: 'body', metatype })).resolves.toBeInstanceOf(metatype);
    for (const value of [wrong[field].shape, wrong[field].rule]) {
      const problem = await refusal(metatype, { ...body, [field]: value });
      expect({ value, code: problem.code, errors: problem.errors }).toEqual({
        value,
        code: FIELD_CODES[field],
        errors: [expect.objectContaining({ field, code: FIELD_CODES[field] })],
      });
    }
  });

  test('a bad e-mail is VALIDATION.EMAIL from the DTO and from decide, by the same rule', async () => {
    for (const email of ['not an address', 'ada@example', 'a\u0000da@example.org', 'ada@exa mple.org']) {
      const problem = await refusal(InviteMemberRequest, { email, role: 'member' });
      const fromDecide = decideCode({
        type: 'InviteMember',
        data: { organizationId: 'org', invitationId: 'inv', invitee: { email }, role: 'member' },
      });
      expect({ email, dto: problem.code, decide: fromDecide }).toEqual({ email, dto: 'VALIDATION.EMAIL', decide: 'VALIDATION.EMAIL' });
    }
  });

  test('a partner invitation refused by the DTO is refused by decide with the same code', async () => {
    const partner = '5d0c6c2e-8f0e-4d7a-9c1b-2f4e6a8b0c1d';
    const cases: [Record<string, unknown>, string][] = [
      [{ partnerOrganizationId: 'org-b', access: 'read' }, 'VALIDATION.PARTNER_ORGANIZATION_ID'],
      [{ partnerOrganizationId: partner, access: 'none' }, 'VALIDATION.ACCESS'],
      [{ name: 'Hydro', contactEmail: 'hydro@', access: 'read' }, 'VALIDATION.CONTACT_EMAIL'],
      [{ name: ' ', contactEmail: 'c@hydro.example.org', access: 'read' }, 'VALIDATION.NAME'],
    ];
    for (const [body, code] of cases) {
      expect((await refusal(InvitePartnerRequest, body)).code).toBe(code);
      const { partnerOrganizationId, name, contactEmail, access } = body as Record<string, string>;
      const command = {
        type: 'InvitePartner',
        data: { organizationId: 'org', partnershipId: 'p', partner: partnerOrganizationId !== undefined ? { organizationId: partnerOrganizationId } : { name, contactEmail }, access },
      } as OrganizationCommand;
      expect({ body, decide: decideCode(command) }).toEqual({ body, decide: code });
    }
  });

  test('a name refused by the DTO is refused by decide with the same code', async () => {
    for (const name of [42, '', '   ', 'n'.repeat(201), 'Acme\u202e', 'Ac\nme']) {
      expect((await refusal(CreateOrganizationRequest, { name })).code).toBe('VALIDATION.NAME');
      expect(decideCode({ type: 'CreateOrganization', data: { organizationId: 'org-1', name: name as string } })).toBe('VALIDATION.NAME');
    }
  });

  test('an absent optional field passes; null does not', async () => {
    await expect(pipe.transform({}, { type: 'body', metatype: ApproveJoinRequest })).resolves.toBeInstanceOf(ApproveJoinRequest);
    expect((await refusal(RequestJoinRequest, { message: null })).code).toBe('VALIDATION.MESSAGE');
  });

  test('departmentId: null means organization-wide where a placement is asked, and is refused where a department is named', async () => {
    for (const [metatype, body] of [
      [ChangeMemberDepartmentRequest, {}],
      [InviteMemberRequest, { userId: 'user-1', role: 'member' }],
      [ApproveJoinRequest, {}],
    ] as const) {
      await expect(pipe.transform({ ...body, departmentId: null }, { type: 'body', metatype })).resolves.toBeInstanceOf(metatype);
      expect((await refusal(metatype, { ...body, departmentId: 'Water!' })).code).toBe('VALIDATION.DEPARTMENT_ID');
    }
    // Moving a member must say where to: absent is not organization-wide.
    expect((await refusal(ChangeMemberDepartmentRequest, {})).code).toBe('VALIDATION.DEPARTMENT_ID');
    expect((await refusal(AddDepartmentRequest, { departmentId: null, name: 'Water' })).code).toBe('VALIDATION.DEPARTMENT_ID');
    expect((await refusal(InviteMemberRequest, { userId: 'user-1', role: 'member', defaultDatasetRole: null })).code).toBe('VALIDATION.DEFAULT_DATASET_ROLE');
  });

  test('several fields wrong: VALIDATION.FAILED, each field with its own code', async () => {
    const problem = await refusal(InviteMemberRequest, { userId: 5, role: 'owner', colour: 'red' });
    expect(problem.code).toBe('VALIDATION.FAILED');
    expect(problem.errors).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ field: 'userId', code: 'VALIDATION.USER_ID' }),
        expect.objectContaining({ field: 'role', code: 'VALIDATION.ROLE' }),
        expect.objectContaining({ field: 'colour', code: 'UNKNOWN_FIELD' }),
      ]),
    );
  });
});

describe('compiled body checks answer as class-validator does', () => {
  const reference = createValidationPipe({ compiledChecks: false });
  const outcome = (promise: Promise<unknown>) =>
    promise.then(
      (value) => ({ value, className: (value as object).constructor.name }),
      (error: unknown) => ({ problem: toProblem(error).problem }),
    );
  const bodies: [new () => object, unknown][] = [
    [UpdateOrganizationProfileRequest, { description: 'About us' }],
    [UpdateOrganizationProfileRequest, { name: 'Acme', description: '' }],
    [UpdateOrganizationProfileRequest, {}],
    [UpdateOrganizationProfileRequest, { description: null }],
    [UpdateOrganizationProfileRequest, { description: 'd'.repeat(2001) }],
    [UpdateOrganizationProfileRequest, { description: { text: 'x' } }],
    [UpdateOrganizationProfileRequest, { colour: 'red' }],
    [UpdateOrganizationProfileRequest, { constructor: 'x' }],
    [UpdateOrganizationProfileRequest, ['About us']],
    [UpdateOrganizationProfileRequest, undefined],
    [CreateOrganizationRequest, { name: 'Acme' }],
    [CreateOrganizationRequest, {}],
    [CreateOrganizationRequest, { name: '   ' }],
    [InviteMemberRequest, { userId: 'user-1', role: 'member' }],
    [InviteMemberRequest, { email: 'ada@example.org', role: 'editor', expiresInDays: 3, departmentId: null }],
    [InviteMemberRequest, { userId: 'user-1', role: 'member', departmentId: 'water', defaultDatasetRole: 'contributor' }],
    [InviteMemberRequest, { userId: 'user-1', role: 'owner' }],
    [InviteMemberRequest, { userId: 'user-1', role: 'member', expiresInDays: 7.5 }],
    [InviteMemberRequest, { userId: 'user-1', role: 'member', defaultDatasetRole: null }],
    [InviteMemberRequest, { userId: 5, role: 'owner', colour: 'red' }],
    [ChangeRoleRequest, { role: 'editor' }],
    [ChangeRoleRequest, { role: 'admin', reason: 'Sorry\u0000' }],
    [ChangeRoleRequest, { role: ['editor'] }],
    [AddDepartmentRequest, { departmentId: 'water', name: 'Water' }],
    [ChangeMemberDepartmentRequest, { departmentId: null }],
  ];

  test.each(bodies.map(([metatype, body], i) => [i, metatype.name, body, metatype] as const))('#%d %s', async (_i, _name, body, metatype) => {
    const copy = (value: unknown) => (value === undefined ? undefined : structuredClone(value));
    const compiled = await outcome(pipe.transform(copy(body), { type: 'body', metatype }));
    const judged = await outcome(reference.transform(copy(body), { type: 'body', metatype }));
    expect(compiled).toEqual(judged);
  });

  test('a valid body is not handed to class-validator; an invalid one is', async () => {
    const fresh = createValidationPipe();
    const slow = jest.spyOn(ValidationPipe.prototype, 'transform');
    try {
      await expect(fresh.transform({ description: 'About us' }, { type: 'body', metatype: UpdateOrganizationProfileRequest })).resolves.toBeInstanceOf(
        UpdateOrganizationProfileRequest,
      );
      expect(slow).not.toHaveBeenCalled();
      await expect(fresh.transform({ description: 7 }, { type: 'body', metatype: UpdateOrganizationProfileRequest })).rejects.toBeInstanceOf(ProblemException);
      expect(slow).toHaveBeenCalledTimes(1);
    } finally {
      slow.mockRestore();
    }
  });
});
