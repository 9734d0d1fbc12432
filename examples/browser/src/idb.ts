/**
 * Checkpoints in IndexedDB (works in the page and in workers): one object store, keyed by run id, value
 * `{ bytes, step, fingerprint, savedAt }`. A reload finds the checkpoint and resumes from it.
 */
import type { KnnPoint } from './knn';
import type { StepEvent } from './session';

const DB_NAME = 'splitmask-browser';
const STORE = 'checkpoints';

/** A stored checkpoint. */
export interface StoredCheckpoint {
  bytes: Uint8Array;
  step: number;
  fingerprint: string;
  savedAt: number;
  /** The run's step events up to `step` (the page redraws its chart from them after a reload). */
  history?: StepEvent[];
  /** The run's k-NN measurements up to `step`. */
  knn?: KnnPoint[];
}

function open(): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(DB_NAME, 1);
    req.onupgradeneeded = () => req.result.createObjectStore(STORE);
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

async function tx<T>(mode: IDBTransactionMode, fn: (s: IDBObjectStore) => IDBRequest<T>): Promise<T> {
  const db = await open();
  try {
    return await new Promise<T>((resolve, reject) => {
      const t = db.transaction(STORE, mode);
      const req = fn(t.objectStore(STORE));
      t.oncomplete = () => resolve(req.result);
      t.onerror = () => reject(t.error);
      t.onabort = () => reject(t.error);
    });
  } finally {
    db.close();
  }
}

/** Saves (overwrites) the checkpoint of run `key`. */
export function saveCheckpoint(key: string, value: StoredCheckpoint): Promise<IDBValidKey> {
  return tx('readwrite', (s) => s.put(value, key));
}

/** The checkpoint of run `key`, or undefined. */
export function loadCheckpoint(key: string): Promise<StoredCheckpoint | undefined> {
  return tx('readonly', (s) => s.get(key) as IDBRequest<StoredCheckpoint | undefined>);
}

/** Deletes the checkpoint of run `key`. */
export function deleteCheckpoint(key: string): Promise<undefined> {
  return tx('readwrite', (s) => s.delete(key));
}
