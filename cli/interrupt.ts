// Ctrl-C during a ping run: the first one stops the run (which then prints what was measured),
// a second one exits at once with 130 (128 + SIGINT), as ping and fping do.

/** Aborts `controller` on the first SIGINT; returns the function that removes the handler. */
export function abortOnInterrupt(controller: AbortController): () => void {
  let interrupts = 0;
  const onSigint = (): void => {
    if (++interrupts > 1) process.exit(130);
    controller.abort();
  };
  process.on('SIGINT', onSigint);
  return () => process.off('SIGINT', onSigint);
}
