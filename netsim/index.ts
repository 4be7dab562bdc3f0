// The network simulator's public API: what cli/ (`sonde netsim`) imports from netsim/.
export { startNetsim, netsimAvailability, type Netsim, type NetsimOptions } from './netsim.js';
export { NetsimInputError, nthAddress, SIM_RANGE_V4, SIM_RANGE_V6, LOCAL_V4, LOCAL_V6, type Family } from './addresses.js';
export type { HostProfile, Latency, Selector } from './profile.js';
export type { EventList, FrameStats, HostStats, KernelStats, NetsimStats, NetsimTotals, ReplyList } from './stats.js';
