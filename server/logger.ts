// The pino logger: JSON lines on stdout (stderr for `sonde` tool commands), one per request.
import { pino, type Logger, type LevelWithSilent } from 'pino';

export const LOG_LEVELS: readonly LevelWithSilent[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export function createLogger(level: LevelWithSilent, destination: 1 | 2 = 1): Logger {
  return pino({ level, base: { service: 'sonde' } }, pino.destination({ fd: destination, sync: false }));
}
