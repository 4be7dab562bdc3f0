// Output to a pipe its reader closed (e.g. `sonde ping … | head`) is not an error: the writer
// goes quiet. Any other stream error still throws.

/** Calls `closed` when `stream` fails with EPIPE; rethrows every other error. */
export function onClosedPipe(stream: NodeJS.WriteStream, closed: () => void): void {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') closed();
    else throw error;
  });
}
