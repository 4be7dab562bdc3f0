// A resolver for agents' facts that answers from memory: every hostname is 127.0.0.1 and
// 127.0.0.1 has no dotted name, so the fqdn fact stays the hostname and no DNS query is sent.
import type { HostResolver } from '../../engine/index.js';

export const localResolver: HostResolver = {
  lookup: async () => ({ address: '127.0.0.1' }),
  lookupService: async () => ({ hostname: 'localhost' }),
};
