import { DynamicModule, Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { AuditModule } from './audit/audit.module';
import { AuthModule } from './auth/auth.module';
import { CommandHandlingModule } from './command-handling/command-handling.module';
import type { RosterConfig } from './config/roster-config';
import { DepartmentsModule } from './departments/departments.module';
import { ErasureModule } from './erasure/erasure.module';
import { HealthModule } from './health/health.module';
import { InfrastructureModule } from './infrastructure/infrastructure.module';
import { InvitationsModule } from './invitations/invitations.module';
import { JoinRequestsModule } from './join-requests/join-requests.module';
import { MetricsController } from './metrics/metrics.controller';
import { MembersModule } from './members/members.module';
import { OrganizationsModule } from './organizations/organizations.module';
import { PartnersModule } from './partners/partners.module';
import { PublishingModule } from './publishing/publishing.module';
import { QueriesModule } from './queries/queries.module';

/**
 * The service's feature modules. Each reads ROSTER_CONFIG (and EVENT_STORE) from the
 * global InfrastructureModule; a worker module starts its work only when config.run says so.
 * Add a feature by adding one line here.
 */
const FEATURE_MODULES = [
  AuthModule,
  CommandHandlingModule,
  OrganizationsModule,
  InvitationsModule,
  JoinRequestsModule,
  MembersModule,
  PartnersModule,
  DepartmentsModule,
  AuditModule,
  PublishingModule,
  QueriesModule,
  ErasureModule,
  HealthModule,
];

@Module({ imports: FEATURE_MODULES, controllers: [MetricsController] })
export class AppModule {
  static forRoot(config: RosterConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [InfrastructureModule.forRoot(config), CqrsModule.forRoot()],
    };
  }
}
