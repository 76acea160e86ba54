import { HttpStatus, Injectable, PipeTransform } from '@nestjs/common';
import { fieldRefusal } from '@roster/domain';
import { ProblemException } from './problem';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Ids the service made (organizations, invitations, requests) are UUIDs: anything else is a 400. */
@Injectable()
export class ServiceIdPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (typeof value !== 'string' || !UUID.test(value)) {
      throw new ProblemException(HttpStatus.BAD_REQUEST, 'VALIDATION.ID', `"${String(value).slice(0, 64)}" is not a valid id`);
    }
    return value.toLowerCase();
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
