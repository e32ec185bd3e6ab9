// Limits on the shape of a GraphQL document, checked at validation before anything runs.
import { GraphQLError, Kind, type ASTVisitor, type FragmentDefinitionNode, type SelectionSetNode, type ValidationContext } from 'graphql';
import { ErrorCode } from './errorCodes.ts';

export interface QueryLimitOptions {
  /** Deepest nesting of fields, fragments expanded. Default 8. */
  maxDepth?: number;
  /** Most aliased fields in one operation. Default 30. */
  maxAliases?: number;
  /** Most fields in one operation, fragments expanded (each use counts). Default 500. */
  maxFields?: number;
  /** Most tokens in a document (enforced by the parser). Default 2 000. */
  maxTokens?: number;
}

export const DEFAULT_QUERY_LIMITS: Required<QueryLimitOptions> = { maxDepth: 8, maxAliases: 30, maxFields: 500, maxTokens: 2_000 };

export function tooComplex(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: ErrorCode.QUERY_TOO_COMPLEX } });
}

interface Measure {
  depth: number;
  aliases: number;
  fields: number;
}

/** Walks a selection set with fragments expanded; stops early once a limit is passed (fragment bombs). */
function measure(set: SelectionSetNode, fragments: ReadonlyMap<string, FragmentDefinitionNode>, limits: Required<QueryLimitOptions>, depth: number, m: Measure, seen: ReadonlySet<string>): void {
  for (const sel of set.selections) {
    if (m.fields > limits.maxFields || m.depth > limits.maxDepth) return;
    if (sel.kind === Kind.FIELD) {
      m.fields++;
      if (sel.alias !== undefined) m.aliases++;
      if (sel.selectionSet !== undefined) {
        m.depth = Math.max(m.depth, depth + 1);
        measure(sel.selectionSet, fragments, limits, depth + 1, m, seen);
      }
    } else if (sel.kind === Kind.INLINE_FRAGMENT) {
      measure(sel.selectionSet, fragments, limits, depth, m, seen);
    } else {
      const f = fragments.get(sel.name.value);
      // A fragment spread inside itself is refused by graphql-js' own rules; do not loop on it here.
      if (f !== undefined && !seen.has(f.name.value)) measure(f.selectionSet, fragments, limits, depth, m, new Set([...seen, f.name.value]));
    }
  }
}

/** A validation rule reporting QUERY_TOO_COMPLEX for an operation over the depth, alias or field limits. */
export function queryLimitsRule(options: QueryLimitOptions = {}) {
  const limits = { ...DEFAULT_QUERY_LIMITS, ...options };
  return (context: ValidationContext): ASTVisitor => {
    const fragments = new Map(
      context
        .getDocument()
        .definitions.filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION)
        .map((d) => [d.name.value, d]),
    );
    return {
      OperationDefinition(op) {
        const m: Measure = { depth: 1, aliases: 0, fields: 0 };
        measure(op.selectionSet, fragments, limits, 1, m, new Set());
        if (m.depth > limits.maxDepth) context.reportError(tooComplex(`the query is nested deeper than ${limits.maxDepth} levels`));
        else if (m.aliases > limits.maxAliases) context.reportError(tooComplex(`the query uses more than ${limits.maxAliases} aliases`));
        else if (m.fields > limits.maxFields) context.reportError(tooComplex(`the query selects more than ${limits.maxFields} fields, fragments expanded`));
      },
    };
  };
}
