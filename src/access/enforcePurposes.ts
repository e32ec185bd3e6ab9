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
          const denial = checkAccess(ctx.access, coordinate, allowed, sites);
          if (isRoot || denial !== undefined) ctx.audit.touch(coordinate, sites, denial?.code);
          if (denial !== undefined) throw apiError(denial.code, denial.message);
          return resolve(source, args, ctx, info);
        },
      };
    },
  });
}
