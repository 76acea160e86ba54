import { HttpStatus, Injectable, PipeTransform } from '@nestjs/common';
import { ORGANIZATION_LIMITS, serviceId } from '@roster/domain';
import { ProblemException } from './problem';

/** Ids the service made (organizations, invitations, requests) are UUIDs: anything else is a 400. */
@Injectable()
export class ServiceIdPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    return serviceId(value);
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
