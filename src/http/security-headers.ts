import type { FastifyInstance } from 'fastify';
import helmet from 'helmet';

// Apollo Sandbox (the landing page on GET /graphql) loads its script, images and iframe from these.
const SANDBOX_SCRIPT = 'https://embeddable-sandbox.cdn.apollographql.com';
const SANDBOX_FRAME = 'https://sandbox.embed.apollographql.com';
const LANDING_ASSETS = 'https://apollo-server-landing-page.cdn.apollographql.com';

/**
 * The same headers on every response. Helmet's middleware is built once here: the Fastify plugin
 * (@fastify/helmet 13.2) rebuilt it, CSP parsing included, on every request (about 2 % of a
 * request's CPU in the benchmark's profile). `preload` asks browsers' HSTS preload list to
 * include the domain: hard to undo, so opt-in.
 */
export function registerSecurityHeaders(app: FastifyInstance, { hstsPreload }: { hstsPreload: boolean }): void {
  const setHeaders = helmet({
    frameguard: { action: 'deny' },
    hsts: { maxAge: 31_536_000, includeSubDomains: true, preload: hstsPreload },
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
  app.addHook('onRequest', (req, reply, done) => setHeaders(req.raw, reply.raw, () => done()));
}
