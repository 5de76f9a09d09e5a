import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** A snapshot's name: starts with a letter or digit, so it never names `.` or `..`. */
export const SNAPSHOT_NAME = /^[A-Za-z0-9][\w.-]*$/;

const snapshots = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '.ab');

/** Where `pnpm bench:snapshot NAME` puts a build. */
export function snapshotDir(name: string): string {
  return join(snapshots, name);
}

/** The entry point of a snapshot's @regionkit/fetch. */
export function snapshotFetchEntry(name: string): string {
  return join(snapshotDir(name), 'node_modules', '@regionkit', 'fetch', 'dist', 'index.js');
}
