import { Controller, Get, HttpStatus, Inject } from '@nestjs/common';
import { ApiExtraModels, ApiOkResponse, ApiOperation, ApiResponse, ApiTags, getSchemaPath } from '@nestjs/swagger';
import type { SchemaObject } from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';
import { EVENT_STORE, type EventStore } from '@roster/event-store';
import { ROSTER_CONFIG, type RosterConfig } from '../config/roster-config';
import { Public } from '../auth/public.decorator';
import { ProblemException } from '../http/problem';
import { ProblemResponses, ProblemSchema } from '../http/openapi';
import { assessReadiness, READINESS_CONDITIONS, type ConditionState, type ReadinessCondition } from './readiness';

const CONDITIONS_SCHEMA: SchemaObject = {
  type: 'object',
  description: 'Each condition this process checks (eventStore, writer, readModels, kafka, …), by name',
  additionalProperties: {
    type: 'object',
    required: ['ready', 'figures'],
    properties: {
      ready: { type: 'boolean' },
      detail: { type: 'string', description: 'Why it is not ready' },
      figures: { type: 'object', additionalProperties: { nullable: true, oneOf: [{ type: 'string' }, { type: 'number' }, { type: 'boolean' }] } },
    },
  },
};

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(ROSTER_CONFIG) private readonly config: RosterConfig,
    @Inject(READINESS_CONDITIONS) private readonly conditions: readonly ReadinessCondition[],
  ) {}

  @Public()
  @Get()
  @ApiOperation({ summary: 'Liveness and readiness: 200 when the event store answers and can record commands' })
  @ApiOkResponse({
    schema: {
      type: 'object',
      required: ['status', 'eventStore', 'headPosition'],
      properties: { status: { type: 'string', enum: ['ok'] }, eventStore: { type: 'string' }, headPosition: { type: 'string', pattern: '^\\d+$' } },
      example: { status: 'ok', eventStore: 'sqlite', headPosition: '42' },
    },
  })
  @ProblemResponses(503)
  async health(): Promise<{ status: 'ok'; eventStore: string; headPosition: string }> {
    let head: bigint;
    try {
      head = await this.store.headPosition();
    } catch {
      throw new ProblemException(HttpStatus.SERVICE_UNAVAILABLE, 'HEALTH.STORE_UNREACHABLE', 'The event store does not answer');
    }
    // Reads may still work while appends cannot (the embedded store's writer thread stopped).
    const health = this.store.health();
    if (!health.writable) throw new ProblemException(HttpStatus.SERVICE_UNAVAILABLE, health.code, health.detail);
    return { status: 'ok', eventStore: this.config.eventStore.kind, headPosition: head.toString() };
  }

  /** The process answers: nothing else is checked, so a restart is never caused by a dependency. */
  @Public()
  @Get('live')
  @ApiOperation({ summary: 'Liveness: 200 whenever the process answers HTTP (it checks nothing else)' })
  @ApiOkResponse({
    schema: {
      type: 'object',
      required: ['status', 'uptimeSeconds'],
      properties: { status: { type: 'string', enum: ['live'] }, uptimeSeconds: { type: 'number', minimum: 0 } },
      example: { status: 'live', uptimeSeconds: 12.3 },
    },
  })
  live(): { status: 'live'; uptimeSeconds: number } {
    return { status: 'live', uptimeSeconds: Math.round(process.uptime() * 1000) / 1000 };
  }

  @Public()
  @Get('ready')
  @ApiOperation({
    summary: "Readiness: 200 when every condition of this process holds, else 503 HEALTH.NOT_READY; both name each condition with the figures behind it",
  })
  @ApiExtraModels(ProblemSchema)
  @ApiOkResponse({
    schema: {
      type: 'object',
      required: ['status', 'conditions'],
      properties: { status: { type: 'string', enum: ['ready'] }, conditions: CONDITIONS_SCHEMA },
      example: {
        status: 'ready',
        conditions: {
          eventStore: { ready: true, figures: { kind: 'sqlite', headPosition: '42' } },
          writer: { ready: true, figures: { writable: true } },
          readModels: { ready: true, figures: { position: '42', headPosition: '42', lagSeconds: 0, maxLagSeconds: 30 } },
          catchUp: { ready: true, figures: { catchingUp: false, position: '42', startHeadPosition: '40' } },
        },
      },
    },
  })
  @ApiResponse({
    status: 503,
    description: 'A condition does not hold (HEALTH.NOT_READY): `conditions` says which, with its figures',
    content: {
      'application/problem+json': {
        schema: { allOf: [{ $ref: getSchemaPath(ProblemSchema) }, { type: 'object', required: ['conditions'], properties: { conditions: CONDITIONS_SCHEMA } }] },
      },
    },
  })
  async ready(): Promise<{ status: 'ready'; conditions: Readonly<Record<string, ConditionState>> }> {
    const { ready, conditions } = await assessReadiness(this.conditions);
    if (!ready) {
      const failing = Object.keys(conditions).filter((name) => !conditions[name].ready);
      throw new ProblemException(HttpStatus.SERVICE_UNAVAILABLE, 'HEALTH.NOT_READY', `Not ready: ${failing.join(', ')}`, undefined, undefined, { conditions });
    }
    return { status: 'ready', conditions };
  }
}
