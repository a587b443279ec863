import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';

export interface DocsOptions {
  title: string;
  description: string;
  version?: string;
  tags: { name: string; description: string }[];
}

/** Appended to every service's description: who may call what (the README's "Who may call what" has the table). */
const SECURITY_NOTE = `

**Who may call what.** Public endpoints need nothing. The others name the scope they need (\`x-required-scope\`
on each operation): users and operators get theirs from \`POST /login\` (\`orders users:read\`; operators also
\`chaos:write admin inventory:write reservations:read users:validate\`), services from \`POST /token\`
(client credentials; only the order service's client may write the reservation ledger). A valid token without the
scope gets 403 \`INSUFFICIENT_SCOPE\`. Changing faults (\`/chaos\`) and \`/admin\` are open to callers on the
service's own machine (loopback); from anywhere else they need \`X-Chaos-Key\` / \`X-Admin-Key\` or an operator
token (\`chaos:write\` / \`admin\`).`;

const REDOC_VERSION = '2.5.0';

/** Swagger UI at /docs, the OpenAPI JSON at /docs-json, ReDoc at /redoc. */
export function setupDocs(app: NestFastifyApplication, options: DocsOptions): void {
  const builder = new DocumentBuilder()
    .setTitle(options.title)
    .setDescription(`${options.description}${SECURITY_NOTE}`)
    .setVersion(options.version ?? '1.0.0');
  for (const tag of options.tags) builder.addTag(tag.name, tag.description);
  builder.addBearerAuth(
    {
      type: 'http',
      scheme: 'bearer',
      bearerFormat: 'JWT',
      description:
        'access_token from the user service: POST /login (users, operators) or POST /token (services)',
    },
    'bearer',
  );
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
