// The fault lines under a builder node or control; its id is what the node's aria-describedby names.
import type { NodeFault } from './issueText.ts';

/** The fault lines of a node (its own, and its fields' when no control shows them). */
export function FaultList({ id, faults }: { id: string; faults: NodeFault[] | undefined }) {
  if (faults === undefined || faults.length === 0) return null;
  return (
    <ul class="rb-faults" id={`${id}-err`}>
      {faults.map((f, i) => <li key={i} class="error">{f.message}</li>)}
    </ul>
  );
}
