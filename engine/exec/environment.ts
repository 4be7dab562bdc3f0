// The environment a command runs with: a fixed PATH and a few locale/identity variables
// copied from the daemon, nothing else (no API keys, no SONDE_* settings, no proxies).

/** The only PATH a command sees (a bare command name is looked up here). */
export const EXEC_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** Variables copied from the daemon's environment when set there. */
export const EXEC_ENV_PASSTHROUGH = ['HOME', 'LANG', 'LANGUAGE', 'LC_ALL', 'LC_CTYPE', 'LC_MESSAGES', 'LOGNAME', 'TZ', 'USER'] as const;

export function scrubbedEnvironment(from: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const env: Record<string, string> = { PATH: EXEC_PATH };
  for (const name of EXEC_ENV_PASSTHROUGH) {
    const value = from[name];
    if (value !== undefined) env[name] = value;
  }
  return env;
}
