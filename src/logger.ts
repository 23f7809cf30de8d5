import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * Pretty lines on a terminal in development; JSON lines everywhere else. The CLI logs to
 * stderr, so its stdout stays what commands print (shell loops read it).
 */
export function createLogger(level: string, pretty = false, stream: 1 | 2 = 1): Logger {
  const options = {
    level,
    base: undefined,
    redact: { paths: ['password', '*.password', 'token', '*.token', 'secret', '*.secret'], censor: '[redacted]' },
    ...(pretty ? { transport: { target: 'pino-pretty', options: { translateTime: 'HH:MM:ss.l', ignore: 'pid,hostname', destination: stream } } } : {}),
  };
  return pretty ? pino(options) : pino(options, pino.destination(stream));
}
