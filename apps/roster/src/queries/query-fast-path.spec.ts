import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { Body, Controller, Get, Param, Post, Query, RequestMethod, UseGuards, UseInterceptors, type Type } from '@nestjs/common';
import type { Actor } from '@roster/domain';
import { CurrentActor } from '../auth/current-actor.decorator';
import { controllerRoutes, type NestInstances } from '../http/controller-fast-path';
import { ServiceIdPipe } from '../http/id.pipe';
import { MinPositionInterceptor } from './min-position.interceptor';
import { OrganizationQueriesController } from './organization-queries.controller';
import { queryRoutes, type FastQueryRoute } from './query-fast-path';
import type { QueryAccess } from './query-access';
import type { ReadModelsService } from './read-models.service';
import { UserQueriesController } from './user-queries.controller';

const superadmin: Actor = { userId: 'root', platformRoles: ['superadmin'] };

/** Nest's instances as the app would give them: the controller given, a new one of anything else (the pipes). */
function nestWith(controller: object): NestInstances {
  return { get: <T>(type: Type<T>) => (controller instanceof type ? controller : new type()) };
}

function routesOf(controller: object): Map<string, FastQueryRoute> {
  return new Map(queryRoutes(controller.constructor as Type<object>, nestWith(controller)).map((route) => [route.url, route]));
}

/** Read models answering every query with the name of the query and its arguments. */
const readModels = {
  queries: new Proxy({}, { get: (_target, name) => async (...args: unknown[]) => ({ query: name, args }) }),
  emailKeyIds: async (emails: string[]) => emails.map((email) => `key-of-${email}`),
} as unknown as ReadModelsService;
const access = {
  organization: async (organizationId: string, actor: Actor, action: string) => ({ organization: { organizationId, by: actor.userId, action }, can: () => true }),
} as unknown as QueryAccess;

describe('queryRoutes: the query routes a fast path answers with the controller’s own methods', () => {
  it('finds every GET query route of both controllers, by the path Nest registers', () => {
    expect([...routesOf(new OrganizationQueriesController(readModels, access)).keys()].sort()).toEqual(
      [
        '/organizations',
        '/organizations/:orgId',
        '/organizations/:orgId/dashboard',
        '/organizations/:orgId/departments',
        '/organizations/:orgId/invitations',
        '/organizations/:orgId/join-requests',
        '/organizations/:orgId/members',
        '/organizations/:orgId/partner-of',
        '/organizations/:orgId/partners',
      ].sort(),
    );
    expect([...routesOf(new UserQueriesController(readModels)).keys()].sort()).toEqual(['/users/:userId/invitations', '/users/:userId/organizations']);
  });

  it('calls the method with the ids through their pipes, the query and the actor', async () => {
    const routes = routesOf(new OrganizationQueriesController(readModels, access));
    const id = randomUUID();
    // ServiceIdPipe lower-cases the id, as it does under Nest.
    await expect(routes.get('/organizations/:orgId')!.call({ orgId: id.toUpperCase() }, {}, superadmin)).resolves.toEqual({ organizationId: id, by: 'root', action: 'organization.read' });
    await expect(routes.get('/organizations/:orgId/join-requests')!.call({ orgId: id }, { status: 'all' }, superadmin)).resolves.toEqual({ items: { query: 'joinRequests', args: [id, 'all'] } });
    const users = routesOf(new UserQueriesController(readModels));
    await expect(users.get('/users/:userId/invitations')!.call({ userId: 'u-1' }, { email: 'a@example.org' }, superadmin)).resolves.toEqual({
      userId: 'u-1',
      items: { query: 'userInvitations', args: ['u-1', ['key-of-a@example.org']] },
    });
  });

  it('leaves to Nest a query parameter the method does not take, a repeated one, and an id its pipe refuses; the method’s refusals reject', async () => {
    const routes = routesOf(new OrganizationQueriesController(readModels, access));
    const members = routes.get('/organizations/:orgId/members')!;
    const orgId = randomUUID();
    expect(members.call({ orgId }, { sort: 'name' }, superadmin)).toBeUndefined();
    expect(members.call({ orgId }, { role: ['member', 'editor'] }, superadmin)).toBeUndefined();
    expect(members.call({ orgId: 'not-an-id' }, {}, superadmin)).toBeUndefined();
    expect(members.call({}, {}, superadmin)).toBeUndefined();
    await expect(members.call({ orgId }, { role: 'owner' }, superadmin)).rejects.toMatchObject({ code: 'VALIDATION.ROLE' });
    await expect(routes.get('/organizations')!.call({}, {}, superadmin)).rejects.toMatchObject({ code: 'VALIDATION.NEEDS_ADMIN' });
  });

  it('takes no route whose decorators ask Nest for more than the fast path does', () => {
    class Guard {
      canActivate() {
        return true;
      }
    }
    @UseInterceptors(MinPositionInterceptor)
    @Controller('things')
    class Things {
      @Get(':thingId')
      one(@Param('thingId', ServiceIdPipe) id: string, @CurrentActor() actor: Actor) {
        return { id, actor };
      }
      @UseGuards(Guard)
      @Get(':thingId/guarded')
      guarded(@Param('thingId') id: string) {
        return id;
      }
      @Get(':thingId/everything')
      everything(@Query() query: Record<string, string>) {
        return query;
      }
      @Get(':thingId/counted')
      counted(@Query('limit') limit: number) {
        return limit;
      }
      @Post(':thingId')
      change(@Body() body: unknown) {
        return body;
      }
    }
    expect([...routesOf(new Things()).keys()]).toEqual(['/things/:thingId']);
    // The POST route is read (a body, 201), but it is no query.
    expect(controllerRoutes(Things, nestWith(new Things()), { interceptors: [MinPositionInterceptor] }).map((route) => [route.method, route.url, route.status])).toEqual([
      [RequestMethod.GET, '/things/:thingId', 200],
      [RequestMethod.POST, '/things/:thingId', 201],
    ]);
    // An interceptor the caller does not do itself: nothing of the controller is taken.
    expect(controllerRoutes(Things, nestWith(new Things()), { interceptors: [] })).toEqual([]);
  });
});
