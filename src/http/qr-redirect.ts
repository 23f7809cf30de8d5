import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../app-deps.js';
import { QR_CODE } from '../modules/qr/qr-code.js';
import { scanQrCode } from '../modules/qr/qr.service.js';

/** GET /q/<code>: counts the scan and redirects, with no tenant header; unknown codes are 404. */
export function registerQrRedirect(app: FastifyInstance, deps: AppDeps): void {
  app.get<{ Params: { code: string } }>('/q/:code', async (req, reply) => {
    const target = QR_CODE.test(req.params.code) ? await scanQrCode(deps.database.db, req.params.code) : null;
    // Never cached, so every scan reaches the counter.
    reply.header('cache-control', 'no-store');
    if (!target) return reply.status(404).send({ errors: [{ message: 'Unknown QR code', extensions: { code: 'NOT_FOUND' } }] });
    return reply.redirect(target, 302);
  });
}
