import { Controller, Get, HttpStatus, Inject } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { EVENT_STORE, type EventStore } from '@roster/event-store';
import { ROSTER_CONFIG, type RosterConfig } from '../config/roster-config';
import { Public } from '../auth/public.decorator';
import { ProblemException } from './problem';
import { ProblemResponses } from './openapi';

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(ROSTER_CONFIG) private readonly config: RosterConfig,
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
}
