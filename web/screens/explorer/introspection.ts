// The schema in queries the API's own limits accept (src/graphql/queryLimits.ts: depth 8, 500 fields,
// 30 aliases). The standard introspection query nests field arguments' types twelve levels deep, so it is
// refused as QUERY_TOO_COMPLEX; here the types, fields and directives come in one query, and the fields'
// arguments in batches of `__type(name:)` queries, each under the limits, merged into one result.
import type { IntrospectionQuery } from 'graphql';
import { graphql, type Purpose } from '../../api.ts';

/** A type reference three wrappers deep (`[X!]!`), which is as deep as the schema's types go. */
const TYPE_REF = 'fragment T on __Type { kind name ofType { kind name ofType { kind name ofType { kind name } } } }';

const SCHEMA = `query ExplorerSchema {
  __schema {
    queryType { name } mutationType { name } subscriptionType { name }
    types {
      kind name description specifiedByURL
      fields(includeDeprecated: true) { name description type { ...T } isDeprecated deprecationReason }
      inputFields { name description defaultValue type { ...T } }
      interfaces { kind name }
      enumValues(includeDeprecated: true) { name description isDeprecated deprecationReason }
      possibleTypes { kind name }
    }
    directives { name description isRepeatable locations args { name description defaultValue type { ...T } } }
  }
}
${TYPE_REF}`;

/** Types whose fields' arguments one request asks for (each costs about 20 fields of the 500 allowed). */
const ARGS_BATCH = 20;

interface Field {
  name: string;
  args?: unknown[];
}
interface SchemaData {
  __schema: { types: Array<{ kind: string; name: string; fields: Field[] | null }> };
}
type ArgsData = Record<string, { fields: Array<{ name: string; args: unknown[] }> | null } | null>;

export async function fetchIntrospection(purpose: Purpose): Promise<IntrospectionQuery> {
  const data = await graphql<SchemaData>(purpose, SCHEMA);
  const withFields = data.__schema.types.filter((t) => t.fields !== null && !t.name.startsWith('__'));
  for (let i = 0; i < withFields.length; i += ARGS_BATCH) {
    const batch = withFields.slice(i, i + ARGS_BATCH);
    const selections = batch.map((t, j) => `t${j}: __type(name: ${JSON.stringify(t.name)}) { fields(includeDeprecated: true) { name args { name description defaultValue type { ...T } } } }`);
    const args = await graphql<ArgsData>(purpose, `query ExplorerArguments { ${selections.join(' ')} }\n${TYPE_REF}`);
    batch.forEach((t, j) => {
      const found = new Map((args[`t${j}`]?.fields ?? []).map((f) => [f.name, f.args]));
      for (const f of t.fields ?? []) f.args = found.get(f.name) ?? [];
    });
  }
  // Introspection types' fields keep no arguments: buildClientSchema uses graphql-js's own for them.
  for (const t of data.__schema.types) if (t.name.startsWith('__')) for (const f of t.fields ?? []) f.args = [];
  return data as unknown as IntrospectionQuery;
}
