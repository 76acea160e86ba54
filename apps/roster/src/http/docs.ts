import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { OpenAPIObject } from '@nestjs/swagger';
import { SwaggerModule } from '@nestjs/swagger';
import { describePathParameters } from './openapi';

const ASSETS: Record<string, string> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'application/javascript; charset=utf-8',
  'swagger-ui-standalone-preset.js': 'application/javascript; charset=utf-8',
};

const PAGE = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Roster API</title><link rel="stylesheet" href="/docs/swagger-ui.css"></head>
<body><div id="ui"></div>
<script src="/docs/swagger-ui-bundle.js"></script>
<script src="/docs/swagger-ui-standalone-preset.js"></script>
<script>window.ui = SwaggerUIBundle({ url: '/docs-json', dom_id: '#ui', persistAuthorization: true,
  presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset], layout: 'StandaloneLayout' });</script>
</body></html>`;

/**
 * The OpenAPI document at /docs-json and a Swagger UI page at /docs. The UI's files are
 * served from swagger-ui-dist directly, so the service needs no static-file plugin.
 * Both are outside the Nest router, hence outside AuthGuard: public.
 */
export function mountApiDocs(app: NestFastifyApplication, document: OpenAPIObject): void {
  SwaggerModule.setup('docs', app, describePathParameters(document), { jsonDocumentUrl: 'docs-json', yamlDocumentUrl: 'docs-yaml', swaggerUiEnabled: false });
  const dist = join(require.resolve('swagger-ui-dist/package.json'), '..');
  const fastify = app.getHttpAdapter().getInstance();
  fastify.get('/docs', (_request, reply) => reply.type('text/html; charset=utf-8').send(PAGE));
  for (const [file, type] of Object.entries(ASSETS)) {
    const body = readFileSync(join(dist, file));
    fastify.get(`/docs/${file}`, (_request, reply) => reply.type(type).header('cache-control', 'public, max-age=86400').send(body));
  }
}
