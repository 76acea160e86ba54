import { HttpStatus, Injectable, PipeTransform } from '@nestjs/common';
import { ORGANIZATION_LIMITS } from '@roster/domain';
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

/** User ids come from the identity provider: any non-blank text up to the id limit. */
@Injectable()
export class UserIdPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (typeof value !== 'string' || value.trim() === '' || value.length > ORGANIZATION_LIMITS.idMaxLength) {
      throw new ProblemException(
        HttpStatus.BAD_REQUEST,
        'VALIDATION.USER_ID',
        `A user id is 1 to ${ORGANIZATION_LIMITS.idMaxLength} characters`,
      );
    }
    return value;
  }
}
