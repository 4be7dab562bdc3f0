// The only module that imports the `uwebsockets` package (a republish of uWebSockets.js v20,
// pinned in package.json). Everything else in server/ uses the names exported here, so a
// move to another build of uWS touches this file only.
import uws from 'uwebsockets';
import type { HttpRequest, HttpResponse, TemplatedApp, us_listen_socket, us_socket_context_t, WebSocket, WebSocketBehavior } from 'uwebsockets';

export type { HttpRequest, HttpResponse, TemplatedApp, us_socket_context_t, WebSocket, WebSocketBehavior };

export type UwsMethod = 'get' | 'post' | 'patch' | 'put' | 'del' | 'head' | 'options' | 'any';

/** PEM files of the TLS certificate (chain) and its private key: with them, an SSLApp. */
export interface TlsFiles {
  cert: string;
  key: string;
}

/** A plain app, or an SSL app over the given files (read now; uWS keeps them for the app's life). */
export function createApp(tls?: TlsFiles): TemplatedApp {
  if (tls === undefined) return uws.App();
  try {
    return uws.SSLApp({ cert_file_name: tls.cert, key_file_name: tls.key });
  } catch (error) {
    throw new Error(`cannot serve TLS with listen.tls cert ${tls.cert} and key ${tls.key}: uWS refused them (${(error as Error).message}); check both are PEM files and the key is the certificate's`);
  }
}

export interface Listening {
  /** The port actually bound (differs from the requested one when that was 0). */
  readonly port: number;
  /** Stops accepting new connections; open keep-alive connections stay until closeAll. */
  stopAccepting(): void;
}

/** Binds host:port (port 0 picks a free one) and resolves with the bound port. */
export function listen(app: TemplatedApp, host: string, port: number): Promise<Listening> {
  return new Promise((resolve, reject) => {
    app.listen(host, port, (socket: us_listen_socket | false) => {
      if (socket === false) {
        reject(new Error(`cannot listen on ${host}:${port}: the address is in use or not available on this machine; pick another --host/--port`));
        return;
      }
      let open = true;
      resolve({
        port: uws.us_socket_local_port(socket as unknown as Parameters<typeof uws.us_socket_local_port>[0]),
        stopAccepting() {
          if (open) {
            open = false;
            uws.us_listen_socket_close(socket);
          }
        },
      });
    });
  });
}

/** Closes the listen socket and every open connection of the app. */
export function closeAll(app: TemplatedApp): void {
  app.close();
}
