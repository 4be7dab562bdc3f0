// The only module that imports the `uwebsockets` package (a republish of uWebSockets.js v20,
// pinned in package.json). Everything else in server/ uses the names exported here, so a
// move to another build of uWS touches this file only.
import uws from 'uwebsockets';
import type { HttpRequest, HttpResponse, TemplatedApp, us_listen_socket, us_socket_context_t, WebSocket, WebSocketBehavior } from 'uwebsockets';

export type { HttpRequest, HttpResponse, TemplatedApp, us_socket_context_t, WebSocket, WebSocketBehavior };

export type UwsMethod = 'get' | 'post' | 'patch' | 'put' | 'del' | 'head' | 'options' | 'any';

export function createApp(): TemplatedApp {
  return uws.App();
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
