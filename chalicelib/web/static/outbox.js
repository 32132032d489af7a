// Recorded calls are saved on the phone first (IndexedDB, keyed by the client-made call_id) and
// sent when the network allows: at once, on 'online', on every load and every so often while any
// wait. A reload, a crash or a flat battery between recording and sending loses nothing; the
// server's idempotency on call_id means a call sent twice is logged once. Only one tab sends at a
// time (Web Locks). A call the server refuses for good (a 4xx) is set aside as "failed", with the
// reason, until the agent dismisses it; it never holds up the calls behind it.

import * as api from './api.js';

const DB_NAME = 'sampark';
const STORE = 'outbox';
const channel = 'BroadcastChannel' in self ? new BroadcastChannel('sampark-outbox') : null;
const listeners = new Set();
let dbPromise = null;
let flushing = null;

function open() {
  if (!dbPromise) {
    dbPromise = new Promise((resolve, reject) => {
      const req = indexedDB.open(DB_NAME, 1);
      req.onupgradeneeded = () => {
        const store = req.result.createObjectStore(STORE, { keyPath: 'call_id' });
        store.createIndex('username', 'username');
      };
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
  }
  return dbPromise;
}

async function tx(mode, work) {
  const db = await open();
  return new Promise((resolve, reject) => {
    const transaction = db.transaction(STORE, mode);
    const result = work(transaction.objectStore(STORE));
    transaction.oncomplete = () => resolve(result?.result ?? result);
    transaction.onerror = () => reject(transaction.error);
    transaction.onabort = () => reject(transaction.error);
  });
}

function changed() {
  for (const listener of listeners) listener();
  channel?.postMessage('changed');
}
channel?.addEventListener('message', () => { for (const listener of listeners) listener(); });

export function onChange(listener) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** Keep a recorded call. Resolves once it is durably on the phone. */
export async function save(username, body, label) {
  await tx('readwrite', (store) => store.put({
    call_id: body.call_id, username, body, label, saved_at: new Date().toISOString(), state: 'waiting',
    error: null, tries: 0,
  }));
  changed();
}

export async function items(username) {
  const all = await tx('readonly', (store) => store.index('username').getAll(username));
  return (all || []).sort((a, b) => a.saved_at.localeCompare(b.saved_at));
}

export async function counts(username) {
  const all = username ? await items(username) : [];
  return {
    waiting: all.filter((i) => i.state === 'waiting').length,
    failed: all.filter((i) => i.state === 'failed').length,
  };
}

/** Everything waiting on this phone, whoever recorded it (the sign-in screen says so). */
export async function countAll() {
  const all = (await tx('readonly', (store) => store.getAll())) || [];
  return { waiting: all.filter((i) => i.state === 'waiting').length };
}

export async function remove(callId) {
  await tx('readwrite', (store) => store.delete(callId));
  changed();
}

async function update(item) {
  await tx('readwrite', (store) => store.put(item));
}

/** Send every waiting call of `username`, oldest first. One call never holds up the others: a call the
 * server refuses (a 4xx) is set aside as "failed" with the reason, for the agent to see, and a call that
 * meets a problem of its own (409 contended, a 5xx) waits for the next run while the rest go on. Only
 * what stops every call stops the run: no network, a busy server (429, 503), or a session that ended.
 * Returns what happened. */
export function flush(username) {
  if (!username) return Promise.resolve({ sent: 0, failed: 0, deferred: 0, stopped: null });
  if (!flushing) {
    const run = () => sendAll(username);
    const locked = navigator.locks ? navigator.locks.request('sampark-outbox', run) : run();
    flushing = locked.finally(() => { flushing = null; changed(); });
  }
  return flushing;
}

function stopsEveryCall(err) {
  return err.status === 0 || err.status === 401 || err.status === 429 || err.status === 503
    || ['network', 'timeout', 'session_expired', 'unavailable', 'too_many_requests'].includes(err.code);
}

function reason(err) {
  return { status: err.status, code: err.code, field: err.field, details: err.details };
}

async function sendAll(username) {
  const result = { sent: 0, failed: 0, deferred: 0, stopped: null };
  for (const item of await items(username)) {
    if (item.state !== 'waiting') continue;
    try {
      await api.post('/calls', item.body);
      await tx('readwrite', (store) => store.delete(item.call_id));
      result.sent += 1;
    } catch (err) {
      if (err.transient) {
        await update({ ...item, tries: item.tries + 1, error: reason(err) });
        if (stopsEveryCall(err)) {
          result.stopped = err;
          break;
        }
        result.deferred += 1; // this call's own trouble: the next run tries it again
        continue;
      }
      await update({ ...item, state: 'failed', tries: item.tries + 1, failed_at: new Date().toISOString(),
        error: reason(err) });
      result.failed += 1;
    }
  }
  return result;
}

export async function waitingFor(username, campaignId, contactId) {
  return (await items(username)).some((i) => i.state === 'waiting' && i.body.campaign_id === campaignId
    && i.body.contact_id === contactId);
}
