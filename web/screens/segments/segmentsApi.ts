// The segments screen's GraphQL calls, all under ADVERTISING (the purpose this screen serves). The rule
// goes as the `$rule` variable, so a GraphQL coercion error names it `rule.…` like the resolver does.
import { graphql } from '../../api.ts';

export type SegmentStatus = 'PENDING' | 'LIVE' | 'FAILED';

export interface Segment {
  id: string;
  site: string;
  name: string;
  rule: unknown;
  version: number;
  refreshEveryMinutes: number;
  size: number | null;
  refreshedAt: string | null;
  status: SegmentStatus;
  error: string | null;
}

export interface SegmentVersion {
  version: number;
  name: string;
  rule: unknown;
  refreshEveryMinutes: number;
  deleted: boolean;
  changedAt: string;
}

export interface SegmentExport {
  segment: string;
  recipient: string;
  version: string;
  ids: string[];
  createdAt: string;
}

const FIELDS = 'id site name rule version refreshEveryMinutes size refreshedAt status error';

export async function listSegments(site: string): Promise<Segment[]> {
  const d = await graphql<{ segments: Segment[] }>('ADVERTISING', `query Segments($site: ID!) { segments(site: $site) { ${FIELDS} } }`, { site });
  return d.segments;
}

export async function defineSegment(site: string, name: string, rule: unknown, refreshEveryMinutes: number): Promise<Segment> {
  const d = await graphql<{ defineSegment: Segment }>(
    'ADVERTISING',
    `mutation Define($site: ID!, $name: String!, $rule: SegmentRuleInput!, $refreshEveryMinutes: Int) { defineSegment(site: $site, name: $name, rule: $rule, refreshEveryMinutes: $refreshEveryMinutes) { ${FIELDS} } }`,
    { site, name, rule, refreshEveryMinutes },
  );
  return d.defineSegment;
}

export async function updateSegment(id: string, name: string, rule: unknown, refreshEveryMinutes: number): Promise<Segment> {
  const d = await graphql<{ updateSegment: Segment }>(
    'ADVERTISING',
    `mutation Update($id: ID!, $name: String, $rule: SegmentRuleInput, $refreshEveryMinutes: Int) { updateSegment(id: $id, name: $name, rule: $rule, refreshEveryMinutes: $refreshEveryMinutes) { ${FIELDS} } }`,
    { id, name, rule, refreshEveryMinutes },
  );
  return d.updateSegment;
}

export async function refreshSegment(id: string): Promise<Segment> {
  const d = await graphql<{ refreshSegment: Segment }>('ADVERTISING', `mutation Refresh($id: ID!) { refreshSegment(id: $id) { ${FIELDS} } }`, { id });
  return d.refreshSegment;
}

export async function deleteSegment(id: string): Promise<boolean> {
  const d = await graphql<{ deleteSegment: boolean }>('ADVERTISING', 'mutation Delete($id: ID!) { deleteSegment(id: $id) }', { id });
  return d.deleteSegment;
}

export async function segmentHistory(id: string): Promise<SegmentVersion[]> {
  const d = await graphql<{ segmentHistory: SegmentVersion[] }>(
    'ADVERTISING',
    'query History($id: ID!) { segmentHistory(id: $id) { version name rule refreshEveryMinutes deleted changedAt } }',
    { id },
  );
  return d.segmentHistory;
}

export async function segmentOverlap(a: string, b: string): Promise<number | null> {
  const d = await graphql<{ segmentOverlap: { size: number | null } }>('ADVERTISING', 'query Overlap($a: ID!, $b: ID!) { segmentOverlap(a: $a, b: $b) { size } }', { a, b });
  return d.segmentOverlap.size;
}

export async function exportSegment(id: string, recipient: string): Promise<SegmentExport> {
  const d = await graphql<{ exportSegment: SegmentExport }>(
    'ADVERTISING',
    'mutation Export($id: ID!, $recipient: String!) { exportSegment(id: $id, recipient: $recipient) { segment recipient version ids createdAt } }',
    { id, recipient },
  );
  return d.exportSegment;
}
