import type { Role } from '@roster/domain';
import { FieldRule, RequestBody } from '../http/validation';

const REASON = 'Why, recorded in the event and shown in the history (personal data)';

@RequestBody()
export class ChangeRoleRequest {
  @FieldRule('role', { description: 'Promoting an editor to admin is how admins are made' })
  role!: Role;

  @FieldRule('reason', { optional: true, description: REASON })
  reason?: string;
}

/** Optional: DELETE without a body removes without a reason. */
@RequestBody()
export class RemoveMemberRequest {
  @FieldRule('reason', { optional: true, description: `${REASON}. Not for leaving: a member leaving gives none` })
  reason?: string;
}
