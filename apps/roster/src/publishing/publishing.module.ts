import { Module } from '@nestjs/common';
import { PublishingService } from './publishing.service';

/** The Kafka publisher worker (the event store is its outbox); idle without KAFKA_BROKERS. */
@Module({ providers: [PublishingService], exports: [PublishingService] })
export class PublishingModule {}
