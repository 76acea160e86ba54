import type { Role } from '@roster/domain';
import { FieldRule, RequestBody } from '../http/validation';

@RequestBody()
export class RequestJoinRequest {
  @FieldRule('message', { optional: true, description: 'Shown to the admins' })
  message?: string;
}

@RequestBody()
export class ApproveJoinRequest {
  @FieldRule('role', { optional: true, default: 'editor', description: 'The role to grant' })
  role?: Role;
}

@RequestBody()
export class RejectJoinRequest {
  @FieldRule('reason', { optional: true, description: 'Shown to the requester' })
  reason?: string;
}
