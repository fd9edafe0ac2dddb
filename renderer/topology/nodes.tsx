// Custom React Flow nodes. Defined once, outside components, and memoised.
import { createContext, memo, useContext } from 'react';
import { Handle, Position, type Node, type NodeProps } from '@xyflow/react';
import type { TopoNodeData } from './build';

export type FlowNodeData = TopoNodeData & { highlighted?: boolean; dimmed?: boolean };
export type FlowNode = Node<FlowNodeData>;

export const TopologyActions = createContext<{ togglePod(podId: string): void }>({ togglePod: () => {} });

// Top/bottom for edges inside a pod (laid out downwards), left/right for edges between pods.
const Handles = () => (
  <>
    <Handle id="t" type="target" position={Position.Top} isConnectable={false} />
    <Handle id="b" type="source" position={Position.Bottom} isConnectable={false} />
    <Handle id="l" type="target" position={Position.Left} isConnectable={false} />
    <Handle id="r" type="source" position={Position.Right} isConnectable={false} />
  </>
);

function mark(d: FlowNodeData): string {
  return d.highlighted ? 'yes' : d.dimmed ? 'dimmed' : 'no';
}

export const PodNode = memo(function PodNode({ data }: NodeProps<FlowNode>) {
  const { togglePod } = useContext(TopologyActions);
  const c = data.counts;
  return (
    <div className={`topo-pod${data.collapsed ? ' collapsed' : ''}`} data-testid={`topo-pod-${data.label}`} data-highlighted={mark(data)}>
      <Handles />
      <header>
        <strong>{data.label}</strong>
        {data.sub && <small>{data.sub}</small>}
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
      </header>
      {data.collapsed && c && (
        <p className="topo-counts" data-testid={`topo-pod-counts-${data.label}`}>
          {c.networks} networks · {c.routers} routers · {c.fips} FIPs
        </p>
      )}
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
      <strong>{data.label}</strong>
    </div>
  );
});

export const NetworkNode = memo(function NetworkNode({ data }: NodeProps<FlowNode>) {
  const kind = data.bridge ? `bridge-${data.bridge}` : data.external ? 'external' : 'tenant';
  return (
    <div className={`topo-node topo-network ${kind}`} data-testid={`topo-network-${data.label}`} data-highlighted={mark(data)}>
      <Handles />
      <strong>{data.label}</strong>
      {data.sub && <small>{data.sub}</small>}
    </div>
  );
});

export const HopNode = memo(function HopNode({ data }: NodeProps<FlowNode>) {
  return (
    <div className={`topo-node topo-hop ${data.role ?? ''}`} data-testid={`topo-hop-${data.label}`} data-role={data.role} data-highlighted={mark(data)}>
      <Handles />
      <strong className="mono">{data.label}</strong>
      {data.sub && <small>{data.sub}</small>}
    </div>
  );
});

export const nodeTypes = { pod: PodNode, router: RouterNode, network: NetworkNode, hop: HopNode };
