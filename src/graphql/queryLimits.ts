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

/** Deepest nesting of `{`, `[` and `(` in a query text, a JSON body or a GET's variables. */
export const MAX_NESTING = 64;

/**
 * Whether a GraphQL document or a JSON text nests `{`, `[` or `(` deeper than `max`, strings and
 * comments skipped. graphql-js parses, validates and coerces variables recursively, one stack frame
 * or more per level, so a 10 000-deep list or input object overflowed the stack and reached the client
 * as an internal error; this loop does not recurse and runs before any of them. A real query or
 * segment rule nests some twenty levels. Unbalanced text is left to the parsers to refuse. The same
 * scan reads JSON: its strings are GraphQL's, and `#` or `"""` never occur outside one.
 */
export function nestsDeeper(text: string, max: number): boolean {
  let depth = 0;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x7b || c === 0x5b || c === 0x28) {
      if (++depth > max) return true;
    } else if (c === 0x7d || c === 0x5d || c === 0x29) {
      if (depth > 0) depth--;
    } else if (c === 0x23) {
      // A comment, to the end of the line.
      while (i + 1 < n && text.charCodeAt(i + 1) !== 0x0a && text.charCodeAt(i + 1) !== 0x0d) i++;
    } else if (c === 0x22) {
      i = text.startsWith('"""', i) ? blockStringEnd(text, i + 3) : stringEnd(text, i + 1);
    }
  }
  return false;
}

/** The index of the quote closing a "string" opened before `from` (a newline ends an unterminated one). */
function stringEnd(text: string, from: number): number {
  let i = from;
  for (; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x5c) i++;
    else if (c === 0x22 || c === 0x0a || c === 0x0d) return i;
  }
  return i;
}

/** The index of the last quote of the `"""` closing a block string opened before `from` (`\"""` is escaped). */
function blockStringEnd(text: string, from: number): number {
  for (let at = from; ; ) {
    const k = text.indexOf('"""', at);
    if (k < 0) return text.length;
    if (text.charCodeAt(k - 1) !== 0x5c) return k + 2;
    at = k + 3;
  }
}

/**
 * A validation rule refusing subscriptions: the schema has none, and graphql-js only noticed at
 * execution, an error without a code that reached clients as an internal one.
 */
export function noSubscriptionsRule(context: ValidationContext): ASTVisitor {
  return {
    OperationDefinition(op) {
      if (op.operation === 'subscription') context.reportError(new GraphQLError('subscriptions are not supported: send a query or a mutation', { nodes: op }));
    },
  };
}
