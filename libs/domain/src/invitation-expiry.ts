/**
 * When an invitation expires: strictly after its `expiresAt` (MemberInvited: "the time after
 * which it can no longer be accepted"); at that very instant it may still be accepted. The
 * one boundary for decide (accept, decline), the invitation lists' status (an organization's,
 * a person's, the dashboard's counts) and as-of.
 */
export function isExpired(invitation: { readonly expiresAt: string }, now: Date): boolean {
  return now.getTime() > lastPendingInstant(invitation);
}

/** The last instant (ms since the epoch) at which the invitation is not expired yet (isExpired's boundary). */
export function lastPendingInstant(invitation: { readonly expiresAt: string }): number {
  return Date.parse(invitation.expiresAt);
}
