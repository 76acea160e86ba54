import { createHash, timingSafeEqual } from 'node:crypto';
import { Controller, Get, Headers, HttpStatus, Inject, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiProduces, ApiSecurity, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Public } from '../auth/public.decorator';
import { bearerToken } from '../auth/token-verifier';
import { ROSTER_CONFIG, type RosterConfig } from '../config/roster-config';
import { ProblemResponses } from '../http/openapi';
import { ProblemException } from '../http/problem';
import { ClusterScrapeTimeout } from './cluster-scrape';
import { RosterMetrics } from './roster-metrics';

const digest = (text: string): Buffer => createHash('sha256').update(text).digest();

/**
 * Prometheus scrapes here. Open like /health, or, with ROSTER_METRICS_TOKEN, only to that
 * bearer token (not a user's JWT: a scraper is no portal user). With ROSTER_METRICS=0 the route
 * answers 404 like any unknown route.
 */
@ApiTags('health')
@Controller('metrics')
export class MetricsController {
  private readonly token: Buffer | undefined;

  constructor(
    private readonly metrics: RosterMetrics,
    @Inject(ROSTER_CONFIG) config: RosterConfig,
  ) {
    this.token = config.metrics.token === undefined ? undefined : digest(config.metrics.token);
  }

  @Public()
  @Get()
  @ApiOperation({ summary: 'Metrics in the Prometheus text format; behind ROSTER_METRICS_TOKEN when it is set' })
  // Either alternative: the scraper's token when one is configured, none otherwise.
  @ApiBearerAuth()
  @ApiSecurity({})
  @ApiProduces('text/plain')
  @ApiOkResponse({ description: 'Prometheus text exposition format 0.0.4', content: { 'text/plain': { schema: { type: 'string' } } } })
  @ProblemResponses(401, 404, 503)
  async scrape(@Headers('authorization') authorization: string | undefined, @Res({ passthrough: true }) reply: FastifyReply): Promise<string> {
    if (!this.metrics.enabled) throw new ProblemException(HttpStatus.NOT_FOUND, 'ROUTE.NOT_FOUND', 'Metrics are turned off (ROSTER_METRICS=0)');
    if (this.token !== undefined) {
      const sent = bearerToken(authorization);
      const challenge = { 'WWW-Authenticate': 'Bearer' };
      if (sent === undefined) throw new ProblemException(HttpStatus.UNAUTHORIZED, 'AUTH.MISSING_TOKEN', 'Send `Authorization: Bearer <ROSTER_METRICS_TOKEN>`', undefined, challenge);
      // Digests of equal length, compared in constant time: the answer tells nothing of the token.
      if (!timingSafeEqual(digest(sent), this.token)) throw new ProblemException(HttpStatus.UNAUTHORIZED, 'AUTH.INVALID_TOKEN', 'Not the metrics token', undefined, challenge);
    }
    const { contentType, body } = await this.metrics.scrape().catch((error: unknown) => {
      // ROSTER_API_WORKERS > 1: a worker that does not answer leaves no whole answer to give.
      if (error instanceof ClusterScrapeTimeout) {
        throw new ProblemException(HttpStatus.SERVICE_UNAVAILABLE, 'METRICS.WORKERS_UNANSWERED', error.message, undefined, { 'Retry-After': '1' });
      }
      throw error;
    });
    void reply.header('Content-Type', contentType);
    return body;
  }
}
