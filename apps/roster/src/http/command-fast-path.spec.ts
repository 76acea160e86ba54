import 'reflect-metadata';
import { RequestMethod, type Type } from '@nestjs/common';
import { DepartmentsController } from '../departments/departments.controller';
import { InvitationsController } from '../invitations/invitations.controller';
import { JoinRequestsController } from '../join-requests/join-requests.controller';
import { MembersController } from '../members/members.controller';
import { OrganizationsController } from '../organizations/organizations.controller';
import { PartnersController } from '../partners/partners.controller';
import { COMMAND_ANSWER_ROUTES } from './command-answer';
import { controllerRoute, type NestInstances } from './controller-fast-path';

// Instances are only passed along here: none is called.
const nest: NestInstances = { get: <T>(type: Type<T>) => Object.create(type.prototype as object) as T };

describe('the command routes the command fast path reads from Nest’s route metadata', () => {
  it('reads every CommandAnswer route, with the status CommandAnswer gives it and only arguments it makes', () => {
    const controllers = [DepartmentsController, InvitationsController, JoinRequestsController, MembersController, OrganizationsController, PartnersController];
    const declared = COMMAND_ANSWER_ROUTES.filter((route) => controllers.includes(route.controller as never));
    expect(declared.length).toBeGreaterThanOrEqual(24);
    for (const { controller, key } of declared) {
      const route = controllerRoute(controller as Type<unknown>, key, nest, { interceptors: [] });
      expect(route).toBeDefined();
      expect(route!.url).toMatch(/^\/organizations(\/[:a-zA-Z-]+)*$/);
      expect(route!.args.map((arg) => arg.from).every((from) => ['body', 'param', 'reply', 'custom'].includes(from))).toBe(true);
      // The reply CommandAnswer adds is the last argument; the status is its own (201 for a creation, else 200).
      expect(route!.args.at(-1)?.from).toBe('reply');
      expect([200, 201]).toContain(route!.status);
    }
    const creations = declared.map(({ controller, key }) => controllerRoute(controller as Type<unknown>, key, nest, { interceptors: [] })!).filter((route) => route.status === 201);
    expect(creations.every((route) => route.method === RequestMethod.POST)).toBe(true);
  });
});
