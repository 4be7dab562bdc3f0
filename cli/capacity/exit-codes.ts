// Exit statuses of `sonde capacity …` (docs/capacity.md, "Exit codes").
export const EXIT_OK = 0;
/** The run failed (engine or store error), or a stored run could not be read or written out. */
export const EXIT_FAILED = 1;
/** Bad usage or a bad spec: the message names the option or the spec field. */
export const EXIT_USAGE = 2;
/** The spec is over a safety cap: the message names the cap and how to raise it. */
export const EXIT_SAFETY_CAP = 3;
/** Stopped by Ctrl-C (128 + SIGINT) or SIGTERM (128 + 15); the partial run is stored 'stopped'. */
export const EXIT_SIGINT = 130;
export const EXIT_SIGTERM = 143;
