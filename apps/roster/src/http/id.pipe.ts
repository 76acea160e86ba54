import { Injectable, Param, PipeTransform, type Type } from '@nestjs/common';
import { ApiParam } from '@nestjs/swagger';
import type { SchemaObject } from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';
import { fieldRefusal, serviceId } from '@roster/domain';
import { USER_ID_SCHEMA, UUID_SCHEMA } from './openapi';

/** Ids the service made (organizations, invitations, requests) are UUIDs: anything else is a 400. */
@Injectable()
export class ServiceIdPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    return serviceId(value);
  }
}

/** User ids come from the identity provider: the domain's userId rule (VALIDATION.USER_ID), as in a request body. */
@Injectable()
export class UserIdPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    const refusal = fieldRefusal('userId', value);
    if (refusal) throw refusal;
    return value;
  }
}

/**
 * A path id, its pipe and its OpenAPI in one: `@ServiceId('orgId')` is a UUID the service
 * made (400 VALIDATION.ID otherwise), `@UserId('userId')` a user id of the identity provider.
 */
export const ServiceId = (name: string): ParameterDecorator => pathId(name, ServiceIdPipe, UUID_SCHEMA);
export const UserId = (name: string): ParameterDecorator => pathId(name, UserIdPipe, USER_ID_SCHEMA);

function pathId(name: string, pipe: Type<PipeTransform>, schema: SchemaObject): ParameterDecorator {
  return (target, key, index) => {
    Param(name, pipe)(target, key, index);
    // ApiParam describes the route: it goes on the method this parameter belongs to.
    if (key !== undefined) ApiParam({ name, schema })(target, key, Object.getOwnPropertyDescriptor(target, key)!);
  };
}
