// Setup file of every test file: its temporary directories go once its own afterAll hooks (which stop
// the services using them) have run; hooks of a setup file are registered first, so they run last.
import { afterAll } from 'vitest';
import { removeTempDirs } from './testService.ts';

afterAll(() => removeTempDirs());
