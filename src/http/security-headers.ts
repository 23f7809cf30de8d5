import helmet from '@fastify/helmet';
import type { FastifyInstance } from 'fastify';

// Apollo Sandbox (the landing page on GET /graphql) loads its script, images and iframe from these.
const SANDBOX_SCRIPT = 'https://embeddable-sandbox.cdn.apollographql.com';
const SANDBOX_FRAME = 'https://sandbox.embed.apollographql.com';
const LANDING_ASSETS = 'https://apollo-server-landing-page.cdn.apollographql.com';

export async function registerSecurityHeaders(app: FastifyInstance): Promise<void> {
  await app.register(helmet, {
    global: true,
    frameguard: { action: 'deny' },
    hsts: { maxAge: 31_536_000, includeSubDomains: true },
    crossOriginEmbedderPolicy: false,
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'", "'unsafe-inline'", SANDBOX_SCRIPT, LANDING_ASSETS],
        styleSrc: ["'self'", "'unsafe-inline'", 'https://fonts.googleapis.com', LANDING_ASSETS],
        fontSrc: ["'self'", 'https://fonts.gstatic.com'],
        imgSrc: ["'self'", 'data:', LANDING_ASSETS],
        manifestSrc: ["'self'", LANDING_ASSETS],
        frameSrc: [SANDBOX_FRAME],
        connectSrc: ["'self'", SANDBOX_FRAME, LANDING_ASSETS],
        objectSrc: ["'none'"],
        baseUri: ["'self'"],
        frameAncestors: ["'none'"],
      },
    },
  });
}
