// Capacity-planning campaigns (issue 20; docs/capacity.md).
export * from './types.js';
export { CampaignSpecError, parseCampaignSpec, validateCampaignSpec, resolveSteps, checkSafety, isLoopbackAddress } from './spec.js';
export { CampaignStore } from './campaign-store.js';
export { startCampaign, runCampaign, type RunCampaignOptions } from './run-campaign.js';
export { hostInfo } from './host-info.js';
export { openCampaignStore } from './open-store.js';
export { CampaignService, type CampaignServiceOptions, type CampaignProgressListener } from './campaign-service.js';
export { resolveCampaignTargets, parseSelector, MAX_CAMPAIGN_TARGETS, type TargetSources } from './resolve-targets.js';
/** Decodes a step's stored `hdr` (counts blob): add(bucket, count) ascending. */
export { decodeBuckets as decodeCampaignHistogram, toV2Compressed as campaignHistogramToV2 } from '../monitor/hdr-codec.js';
export { runSelfRamp, missedGoals, DEFAULT_SELF_SIZES, type SelfRampOptions, type SelfRampResult } from './self/self-ramp.js';
export { loopbackTargets, type SizeResult } from './self/measure-size.js';
export { MONITORING_GOALS, goalVerdicts, meetsGoals, type MonitoringFigures, type MonitoringGoal } from './self/monitoring-goals.js';
