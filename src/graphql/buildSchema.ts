import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { GraphQLSchema } from 'graphql';
import { makeExecutableSchema } from '@graphql-tools/schema';
import type { IResolvers } from '@graphql-tools/utils';
import { enforcePurposes } from '../access/enforcePurposes.ts';

export const SDL_DIR = fileURLToPath(new URL('../../schema/graphql/', import.meta.url));

export function readSdl(dir = SDL_DIR): string {
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.graphql'))
    .sort()
    .map((f) => fs.readFileSync(path.join(dir, f), 'utf8'))
    .join('\n');
}

/** The executable schema with every resolver purpose-checked; throws when a field lacks @purpose. */
export function buildSchema(resolvers: IResolvers[], sdl = readSdl()): GraphQLSchema {
  return enforcePurposes(makeExecutableSchema({ typeDefs: sdl, resolvers }));
}
