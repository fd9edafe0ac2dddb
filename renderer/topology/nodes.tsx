// Custom React Flow nodes. Defined once, outside components, and memoised.
import { createContext, memo, useContext } from 'react';
import { Handle, Position, type Node, type NodeProps } from '@xyflow/react';
import type { TopoNodeData } from './graph';

export type FlowNodeData = TopoNodeData & { highlighted?: boolean; dimmed?: boolean };
export type FlowNode = Node<FlowNodeData>;

export const TopologyActions = createContext<{ togglePod(podId: string): void; drillPod(podId: string): void; canCollapse: boolean }>({
  togglePod: () => {},
  drillPod: () => {},
  canCollapse: false,
});

// Top/bottom for edges inside a pod (laid out downwards), left/right for edges between pods.
const Handles = () => (
  <>
    <Handle id="t" type="target" position={Position.Top} isConnectable={false} />
    <Handle id="b" type="source" position={Position.Bottom} isConnectable={false} />
    <Handle id="l" type="target" position={Position.Left} isConnectable={false} />
    <Handle id="r" type="source" position={Position.Right} isConnectable={false} />
    {/* Links between pods arc below the row, clear of the segments between them. */}
    <Handle id="bt" type="target" position={Position.Bottom} isConnectable={false} />
  </>
);

function mark(d: FlowNodeData): string {
  return d.highlighted ? 'yes' : d.dimmed ? 'dimmed' : 'no';
}

export const PodNode = memo(function PodNode({ data }: NodeProps<FlowNode>) {
  const { togglePod, drillPod, canCollapse } = useContext(TopologyActions);
  const c = data.counts;
  return (
    <div
      className={`topo-pod${data.group ? ' group' : ' leaf'}${data.health && data.health !== 'ok' ? ` ${data.health}` : ''}`}
      data-testid={`topo-pod-${data.label}`}
      data-highlighted={mark(data)}
      data-health={data.health ?? ''}
      title={data.health_note}
    >
      <Handles />
      <header>
        <strong>{data.label}</strong>
        {data.health && <span className={`topo-health ${data.health}`} title={data.health_note ?? `health: ${data.health}`} aria-label={`health ${data.health}`} />}
        {data.health === 'unreachable' && (
          <span className="topo-unreachable" data-testid={`topo-pod-unreachable-${data.label}`}>
            unreachable
          </span>
        )}
        {canCollapse && (
          <button
            type="button"
            className="nodrag topo-toggle"
            onClick={(e) => {
              e.stopPropagation();
              if (data.pod_id) togglePod(data.pod_id);
            }}
            aria-expanded={!data.collapsed}
            aria-label={`${data.collapsed ? 'Expand' : 'Collapse'} ${data.label}`}
            data-testid={`topo-pod-toggle-${data.label}`}
          >
            {data.collapsed ? '+' : '−'}
          </button>
        )}
        {!data.group && (
          <button
            type="button"
            className="nodrag topo-toggle"
            onClick={(e) => {
              e.stopPropagation();
              if (data.pod_id) drillPod(data.pod_id);
            }}
            aria-label={`Open ${data.label}`}
            title={`Open ${data.label}`}
            data-testid={`topo-pod-open-${data.label}`}
          >
            ↘
          </button>
        )}
      </header>
      {!data.group && c && (
        <p className="topo-counts" data-testid={`topo-pod-counts-${data.label}`}>
          {c.networks} networks · {c.routers} routers · {c.fips_external + c.fips_bound_here} FIPs
        </p>
      )}
      {!data.group && !c && data.sub && <p className="topo-counts">{data.sub}</p>}
    </div>
  );
});

export const SegmentNode = memo(function SegmentNode({ data }: NodeProps<FlowNode>) {
  return (
    <div className={`topo-node topo-segment ${data.net_kind ?? ''}`} data-testid={`topo-segment-${data.label}`} data-highlighted={mark(data)}>
      <Handles />
      <strong>{data.label}</strong>
      {data.sub && <small>{data.sub}</small>}
    </div>
  );
});

export const RouterNode = memo(function RouterNode({ data }: NodeProps<FlowNode>) {
  return (
    <div className="topo-node topo-router" data-testid={`topo-router-${data.label}`} data-highlighted={mark(data)}>
      <Handles />
      <span className="topo-icon" aria-hidden="true">
        ⇄
      </span>
      <span className="topo-router-text">
        <strong>{data.label}</strong>
        {data.sub && <small>{data.sub}</small>}
      </span>
    </div>
  );
});

export const NetworkNode = memo(function NetworkNode({ data }: NodeProps<FlowNode>) {
  const kind = data.net_kind === 'ew' || data.net_kind === 'ns' ? `bridge-${data.net_kind}` : (data.net_kind ?? 'tenant');
  return (
    <div className={`topo-node topo-network ${kind}`} data-testid={`topo-network-${data.label}`} data-highlighted={mark(data)}>
      <Handles />
      <strong>{data.label}</strong>
      {data.sub && <small>{data.sub}</small>}
    </div>
  );
});

export const VmNode = memo(function VmNode({ data }: NodeProps<FlowNode>) {
  return (
    <div className={`topo-node topo-vm${data.error ? ' unreachable' : ''}`} data-testid={`topo-vm-${data.label}`} data-highlighted={mark(data)} title={data.error}>
      <Handles />
      <strong>
        {data.error ? '⚠ ' : ''}
        {data.label}
      </strong>
      {data.sub && <small className="mono">{data.sub}</small>}
    </div>
  );
});

export const HopNode = memo(function HopNode({ data }: NodeProps<FlowNode>) {
  return (
    <div className={`topo-node topo-hop ${data.role ?? ''}${data.error ? ' unreachable' : ''}`} data-testid={`topo-hop-${data.label}`} data-role={data.role} data-highlighted={mark(data)} title={data.error}>
      <Handles />
      <strong className="mono">
        {data.error ? '⚠ ' : ''}
        {data.label}
      </strong>
      {data.sub && <small>{data.sub}</small>}
    </div>
  );
});

export const MoreNode = memo(function MoreNode({ data }: NodeProps<FlowNode>) {
  return (
    <div className="topo-node topo-more" data-testid="topo-more" data-highlighted={mark(data)}>
      <Handles />
      <strong>{data.label}</strong>
      {data.sub && <small>{data.sub}</small>}
    </div>
  );
});

export const nodeTypes = { pod: PodNode, segment: SegmentNode, router: RouterNode, network: NetworkNode, vm: VmNode, hop: HopNode, more: MoreNode };
