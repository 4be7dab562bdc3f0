// The benchmarks' view of another process's CPU and memory: engine/capacity/self/ measures the
// same for `sonde capacity self`.
export { clockTicks, cpuSeconds, memory } from '../../engine/capacity/self/proc-stat.js';
