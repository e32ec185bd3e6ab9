// Wraps every field resolver of the schema with the purpose check; refuses a field without @purpose.
import { defaultFieldResolver, GraphQLSchema, isObjectType, type GraphQLFieldConfig } from 'graphql';
import { getDirective, MapperKind, mapSchema } from '@graphql-tools/utils';
import { apiError } from '../graphql/errors.ts';
import type { RequestContext } from '../graphql/requestContext.ts';
import { checkAccess } from './checkAccess.ts';
import { isPurpose, type Purpose } from './purposes.ts';

export class SchemaPurposeError extends Error {
  override name = 'SchemaPurposeError';
}

/** Every field of every object type, introspection aside, with the purposes it declares. */
export function declaredPurposes(schema: GraphQLSchema): Map<string, ReadonlySet<Purpose> | undefined> {
  const out = new Map<string, ReadonlySet<Purpose> | undefined>();
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith('__')) continue;
    for (const field of Object.values(type.getFields())) {
      const allow = getDirective(schema, field, 'purpose')?.[0]?.allow as unknown;
      const purposes = Array.isArray(allow) ? allow.filter(isPurpose) : undefined;
      out.set(`${type.name}.${field.name}`, purposes === undefined || purposes.length === 0 ? undefined : new Set(purposes));
    }
  }
  return out;
}

/** The sites a root field's arguments name: `site` and `sites`. Nested fields inherit their root's check. */
function sitesOf(args: Record<string, unknown>): string[] {
  const out: string[] = [];
  if (typeof args.site === 'string') out.push(args.site);
  if (Array.isArray(args.sites)) for (const s of args.sites) if (typeof s === 'string') out.push(s);
  return out;
}

export function enforcePurposes(schema: GraphQLSchema): GraphQLSchema {
  const declared = declaredPurposes(schema);
  const missing = [...declared].filter(([, p]) => p === undefined).map(([f]) => f);
  if (missing.length > 0) throw new SchemaPurposeError(`every field must declare @purpose(allow: [...]); missing on ${missing.join(', ')}`);
  const roots = new Set([schema.getQueryType()?.name, schema.getMutationType()?.name, schema.getSubscriptionType()?.name]);
  // A nested field's check depends only on the request and the field: decided once per request and field,
  // not once per list item (segmentsForCookies answers up to 1 000 objects).
  const nestedChecks = new WeakMap<object, Map<string, ReturnType<typeof checkAccess> | null>>();
  const checkNested = (access: RequestContext['access'], coordinate: string, allowed: ReadonlySet<Purpose>) => {
    let checks = nestedChecks.get(access);
    if (checks === undefined) nestedChecks.set(access, (checks = new Map()));
    let denial = checks.get(coordinate);
    if (denial === undefined) checks.set(coordinate, (denial = checkAccess(access, coordinate, allowed, []) ?? null));
    return denial ?? undefined;
  };

  return mapSchema(schema, {
    [MapperKind.OBJECT_FIELD]: (config: GraphQLFieldConfig<unknown, RequestContext>, fieldName, typeName) => {
      const coordinate = `${typeName}.${fieldName}`;
      const allowed = declared.get(coordinate)!;
      const isRoot = roots.has(typeName);
      const resolve = config.resolve ?? defaultFieldResolver;
      return {
        ...config,
        resolve(source, args, ctx, info) {
          const sites = isRoot ? sitesOf(args) : [];
          const denial = isRoot ? checkAccess(ctx.access, coordinate, allowed, sites) : checkNested(ctx.access, coordinate, allowed);
          if (isRoot || denial !== undefined) ctx.audit.touch(coordinate, sites, denial?.code);
          if (denial !== undefined) throw apiError(denial.code, denial.message);
          return resolve(source, args, ctx, info);
        },
      };
    },
  });
}
