import { createRequire } from 'node:module';

// package.json sits one level above both src/ and dist/, so this resolves in either.
const { name, version } = createRequire(import.meta.url)('../package.json') as {
  name: string;
  version: string;
};

/** Instrumentation scope of this package's tracer and meter. */
export const PACKAGE_NAME = name;
export const PACKAGE_VERSION = version;
