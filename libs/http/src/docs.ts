import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';

export interface DocsOptions {
  title: string;
  description: string;
  version?: string;
  tags: { name: string; description: string }[];
  /** Adds the "bearer" security scheme (JWT from the user service's /login). */
  bearerAuth?: boolean;
}

const REDOC_VERSION = '2.5.0';

/** Swagger UI at /docs, the OpenAPI JSON at /docs-json, ReDoc at /redoc. */
export function setupDocs(app: NestFastifyApplication, options: DocsOptions): void {
  const builder = new DocumentBuilder()
    .setTitle(options.title)
    .setDescription(options.description)
    .setVersion(options.version ?? '1.0.0');
  for (const tag of options.tags) builder.addTag(tag.name, tag.description);
  if (options.bearerAuth) {
    builder.addBearerAuth(
      {
        type: 'http',
        scheme: 'bearer',
        bearerFormat: 'JWT',
        description: 'access_token from POST /login (user service)',
      },
      'bearer',
    );
  }
  const document = SwaggerModule.createDocument(app, builder.build());
  SwaggerModule.setup('docs', app, document, {
    jsonDocumentUrl: 'docs-json',
    customSiteTitle: `${options.title} – Swagger UI`,
    swaggerOptions: {
      persistAuthorization: true,
      displayRequestDuration: true,
      tryItOutEnabled: true,
      docExpansion: 'list',
    },
  });
  const redoc = `<!DOCTYPE html>
<html><head><title>${options.title} – ReDoc</title><meta charset="utf-8"/>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body><redoc spec-url="/docs-json"></redoc>
<script src="https://cdn.jsdelivr.net/npm/redoc@${REDOC_VERSION}/bundles/redoc.standalone.js"></script>
</body></html>`;
  app
    .getHttpAdapter()
    .getInstance()
    .get('/redoc', (_request, reply) => {
      void reply.type('text/html; charset=utf-8').send(redoc);
    });
}
