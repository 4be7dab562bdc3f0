// fping's exit statuses, which `sonde ping` (and sonde invoked as `fping`) uses.
export const EXIT_ALL_ALIVE = 0;
export const EXIT_SOME_UNREACHABLE = 1;
export const EXIT_NAME_UNRESOLVED = 2;
export const EXIT_PING_USAGE = 3;
export const EXIT_SYSTEM_CALL = 4;
