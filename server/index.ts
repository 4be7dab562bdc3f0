// The front end's public surface (for cli/ and the contract route modules).
export { startServer, type ServerOptions, type SondeServer } from './server.js';
export { defineRoute, type AnyRoute, type RouteSpec, type RequestContext } from './http/route.js';
export { registerEnvelope, envelopeNamed, nativeEnvelope, type ErrorEnvelope, type ErrorInfo } from './http/envelopes.js';
export { HttpError, type HttpErrorKind } from './http/errors.js';
export { createLogger } from './logger.js';
export { sondeVersion } from './version.js';
