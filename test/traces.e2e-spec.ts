/**
 * W3C Trace Context end to end: a command sent over HTTP with a `traceparent` (and
 * `tracestate`) reaches the portal's services on Kafka with the same trace context, as the
 * CloudEvents distributed tracing extension (and record headers), read here by a kafkajs
 * consumer; the history shows it; an invalid traceparent is ignored, not an error.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { consumeUntil, requireKafkaBrokers, type ConsumedRecord } from '@roster/messaging/testing/kafka-test-kit';
import { loadAsyncApi, validateCloudEvent } from '@roster/messaging';
import { requestJson, signTestToken } from '@roster/testing';
import { startRosterInProcess, type RosterInProcess } from './roster-in-process';

const SECRET = `traces-${randomUUID()}`;
const topic = `roster.e2e.traces.${randomUUID()}`;
let dataDir: string;
let roster: RosterInProcess;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'roster-traces-'));
  roster = await startRosterInProcess({
    ROSTER_DATA_DIR: dataDir,
    ROSTER_JWT_SECRET: SECRET,
    ROSTER_RUN: 'api,projections,publisher',
    KAFKA_BROKERS: requireKafkaBrokers().join(','),
    ROSTER_KAFKA_TOPIC: topic,
  });
});

afterAll(async () => {
  await roster?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

/** A fresh W3C traceparent: version 00, random trace and parent ids, sampled. */
const newTraceparent = (): string => `00-${randomUUID().replace(/-/g, '')}-${randomUUID().replace(/-/g, '').slice(0, 16)}-01`;

describe('traceparent from HTTP to Kafka', () => {
  it('is recorded, shown in history and carried on every Kafka message of the command; an invalid one is ignored', async () => {
    const admin = `user-${randomUUID()}`;
    const bob = `user-${randomUUID()}`;
    const token = await signTestToken(SECRET, admin);
    const created = { traceparent: newTraceparent(), tracestate: 'portal=t61rcWkgMzE,vendor=1' };
    const answer = await requestJson(roster.baseUrl, 'POST', '/organizations', { token, body: { name: 'Traced' }, headers: created });
    expect(answer.status).toBe(201);
    const { organizationId } = answer.body as { organizationId: string };
    const invited = { traceparent: newTraceparent() };
    const invitation = await requestJson(roster.baseUrl, 'POST', `/organizations/${organizationId}/invitations`, {
      token,
      body: { userId: bob, role: 'editor' },
      headers: invited,
    });
    expect(invitation.status).toBe(201);
    // Upper-case hex is not a valid traceparent: the command is done, without a trace context.
    const invalid = await requestJson(roster.baseUrl, 'PATCH', `/organizations/${organizationId}`, {
      token,
      body: { description: 'untraced' },
      headers: { traceparent: '00-4BF92F3577B34DA6A3CE929D0E0E4736-00F067AA0BA902B7-01', tracestate: 'portal=1' },
    });
    expect(invalid.status).toBe(200);

    const ofOrganization = (records: readonly ConsumedRecord[]) => records.filter((record) => record.key === organizationId);
    const records = ofOrganization(
      await consumeUntil(requireKafkaBrokers(), topic, (read) => new Set(ofOrganization(read).map((r) => r.event.type)).size >= 4, 90_000),
    );
    const byType = (type: string) => records.filter((record) => record.event.type === type);
    const asyncapi = loadAsyncApi();
    // Creation publishes organization.created and member.joined: both carry the request's trace context.
    for (const record of [...byType('org.roster.organization.created.v1'), ...byType('org.roster.member.joined.v1')]) {
      expect(record.json).toMatchObject(created);
      expect(record.headers).toMatchObject(created);
      expect(validateCloudEvent(asyncapi, record.json)).toEqual([]);
    }
    expect(byType('org.roster.member.joined.v1').length).toBeGreaterThan(0);
    const [invitedRecord] = byType('org.roster.member.invited.v1');
    expect(invitedRecord.json).toMatchObject(invited);
    expect(invitedRecord.json).not.toHaveProperty('tracestate');
    const [untraced] = byType('org.roster.organization.updated.v1');
    expect(untraced.json).not.toHaveProperty('traceparent');
    expect(untraced.json).not.toHaveProperty('tracestate');
    expect(untraced.headers).not.toHaveProperty('traceparent');

    const history = await requestJson(roster.baseUrl, 'GET', `/organizations/${organizationId}/history`, { token });
    expect(history.status).toBe(200);
    const entries = (history.body as { events: { type: string; traceparent?: string; tracestate?: string }[] }).events;
    expect(entries.find((entry) => entry.type === 'OrganizationCreated')).toMatchObject(created);
    expect(entries.find((entry) => entry.type === 'MemberInvited')).toMatchObject(invited);
    expect(entries.find((entry) => entry.type === 'OrganizationProfileUpdated')).not.toHaveProperty('traceparent');
  });
});
