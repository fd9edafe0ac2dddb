// The app store: one zustand store built from per-domain slices.
import { create } from 'zustand';
import type { EngineEvent, EventName } from '../../shared/contract';
import { createAuditSlice, type AuditSlice } from './audit';
import { createFipsSlice, type FipsSlice } from './fips';
import { createJobsSlice, type JobsSlice } from './jobs';
import { createNetworksSlice, type NetworksSlice } from './networks';
import { createPodsSlice, type PodsSlice } from './pods';
import { createPortsSlice, type PortsSlice } from './ports';
import { createRoutersSlice, type RoutersSlice } from './routers';
import { createRoutingsSlice, type RoutingsSlice } from './routings';
import { createSubnetsSlice, type SubnetsSlice } from './subnets';
import { createTopologySlice, type TopologySlice } from './topology';
import { createUiSlice, type UiSlice } from './ui';
import type { Domain } from './types';

export type AppState = PodsSlice &
  NetworksSlice &
  SubnetsSlice &
  PortsSlice &
  RoutersSlice &
  FipsSlice &
  JobsSlice &
  RoutingsSlice &
  AuditSlice &
  TopologySlice &
  UiSlice;

export const useApp = create<AppState>()((...a) => ({
  ...createPodsSlice(...a),
  ...createNetworksSlice(...a),
  ...createSubnetsSlice(...a),
  ...createPortsSlice(...a),
  ...createRoutersSlice(...a),
  ...createFipsSlice(...a),
  ...createJobsSlice(...a),
  ...createRoutingsSlice(...a),
  ...createAuditSlice(...a),
  ...createTopologySlice(...a),
  ...createUiSlice(...a),
}));

/** What each event makes stale. */
export const EVENT_REFRESH: Record<EventName, Domain[]> = {
  'pods.changed': ['pods', 'topology'],
  'networks.changed': ['networks', 'subnets', 'topology'],
  'subnets.changed': ['subnets', 'networks', 'topology'],
  'ports.changed': ['ports', 'topology'],
  'routers.changed': ['routers', 'topology'],
  'fips.changed': ['fips', 'topology'],
  'routings.changed': ['routings', 'topology'],
  'jobs.changed': ['jobs'],
  'audit.changed': ['audit'],
};

export function handleEvent(e: EngineEvent): Promise<void> {
  return useApp.getState().refresh(EVENT_REFRESH[e.name] ?? [], { onlyLoaded: true });
}

/** Reloads everything already on screen (after a dropped event stream). */
export function refreshAll(): Promise<void> {
  return useApp.getState().refresh(ALL, { onlyLoaded: true });
}

const ALL: Domain[] = ['pods', 'networks', 'subnets', 'ports', 'routers', 'fips', 'jobs', 'routings', 'audit', 'topology'];

/** Back to the first state (tests). */
export function resetStore(): void {
  useApp.setState(useApp.getInitialState(), true);
}

export type { Domain } from './types';
export { setClient, getClient } from './client-ref';
