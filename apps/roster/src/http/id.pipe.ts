import { Injectable, Param, PipeTransform, type Type } from '@nestjs/common';
import { ApiParam } from '@nestjs/swagger';
import type { SchemaObject } from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';
import { fieldRefusal, serviceId, type CommandField } from '@roster/domain';
import { DEPARTMENT_ID_SCHEMA, USER_ID_SCHEMA, UUID_SCHEMA } from './openapi';

/** Ids the service made (organizations, invitations, requests) are UUIDs: anything else is a 400. */
@Injectable()
export class ServiceIdPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    return serviceId(value);
  }
}

/** A path id that is a command field: the domain's rule for it, refused with its code, as in a request body. */
abstract class FieldRulePipe implements PipeTransform<string, string> {
  protected abstract readonly field: CommandField;

  transform(value: string): string {
    const refusal = fieldRefusal(this.field, value);
    if (refusal) throw refusal;
    return value;
  }
}

/** User ids come from the identity provider: the domain's userId rule (VALIDATION.USER_ID). */
@Injectable()
export class UserIdPipe extends FieldRulePipe {
  protected readonly field = 'userId';
}

/** Department ids are slugs an admin chose: the domain's departmentId rule (VALIDATION.DEPARTMENT_ID). */
@Injectable()
export class DepartmentIdPipe extends FieldRulePipe {
  protected readonly field = 'departmentId';
}

/**
 * A path id, its pipe and its OpenAPI in one: `@ServiceId('orgId')` is a UUID the service
 * made (400 VALIDATION.ID otherwise), `@UserId('userId')` a user id of the identity provider,
 * `@DepartmentId('departmentId')` a department's slug.
 */
export const ServiceId = (name: string): ParameterDecorator => pathId(name, ServiceIdPipe, UUID_SCHEMA);
export const UserId = (name: string): ParameterDecorator => pathId(name, UserIdPipe, USER_ID_SCHEMA);
export const DepartmentId = (name: string): ParameterDecorator => pathId(name, DepartmentIdPipe, DEPARTMENT_ID_SCHEMA);

function pathId(name: string, pipe: Type<PipeTransform>, schema: SchemaObject): ParameterDecorator {
  return (target, key, index) => {
    Param(name, pipe)(target, key, index);
    // ApiParam describes the route: it goes on the method this parameter belongs to.
    if (key !== undefined) ApiParam({ name, schema })(target, key, Object.getOwnPropertyDescriptor(target, key)!);
  };
}
