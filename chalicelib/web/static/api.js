// The API, and the session. Tokens live in this tab only (memory + sessionStorage, so a reload keeps
// the session); the id token is refreshed before it expires and on a 401, and everything is
// cleared on sign-out. Nothing is kept in localStorage or cookies.

const SESSION_KEY = 'sampark.session';
const CACHE_PREFIX = 'sampark.cache.';
const REFRESH_BEFORE_MS = 2 * 60 * 1000;
const TIMEOUT_MS = 15000;
const TRANSIENT = new Set(['network', 'timeout', 'unavailable', 'too_many_requests', 'internal', 'contended',
  'session_expired']);

let session = readSession();
let refreshing = null;
const sessionListeners = [];

export class ApiError extends Error {
  constructor(status, code, message, field = null, details = {}) {
    super(message || code);
    this.status = status;
    this.code = code;
    this.field = field;
    this.details = details;
  }

  /** Worth sending again later: the network, a busy server, or a session that needs signing in. */
  get transient() {
    return TRANSIENT.has(this.code) || this.status >= 500 || this.status === 0;
  }
}

function readSession() {
  try {
    return JSON.parse(sessionStorage.getItem(SESSION_KEY) || 'null');
  } catch {
    return null;
  }
}

function decodeClaims(jwt) {
  const part = jwt.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
  const bytes = Uint8Array.from(atob(part + '='.repeat((4 - (part.length % 4)) % 4)), (c) => c.charCodeAt(0));
  return JSON.parse(new TextDecoder().decode(bytes));
}

function keep(tokens, previous = null) {
  const claims = decodeClaims(tokens.id_token);
  session = {
    id_token: tokens.id_token,
    refresh_token: tokens.refresh_token || previous?.refresh_token || null,
    exp: claims.exp * 1000,
    username: claims['cognito:username'] || claims.sub,
    roles: claims['cognito:groups'] || [],
  };
  sessionStorage.setItem(SESSION_KEY, JSON.stringify(session));
  return session;
}

export function current() {
  return session;
}

export function onSessionEnd(listener) {
  sessionListeners.push(listener);
}

/** Sign out: forget the tokens and every cached answer. Unsent calls stay in the outbox. */
export function signOut() {
  session = null;
  for (const key of Object.keys(sessionStorage)) {
    if (key.startsWith('sampark.')) sessionStorage.removeItem(key);
  }
}

async function send(method, path, body, token, extra = {}) {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), TIMEOUT_MS);
  const headers = { Accept: 'application/json', ...extra };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (token) headers.Authorization = `Bearer ${token}`;
  let response;
  try {
    response = await fetch(path, {
      method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal: controller.signal,
      cache: 'no-store',
    });
  } catch (exc) {
    throw new ApiError(0, exc.name === 'AbortError' ? 'timeout' : 'network', String(exc));
  } finally {
    clearTimeout(timer);
  }
  let data = null;
  try {
    data = await response.json();
  } catch {
    data = null;
  }
  if (!response.ok) {
    const error = data?.error || {};
    const code = error.code || (response.status === 401 ? 'unauthorized' : `http_${response.status}`);
    throw new ApiError(response.status, code, error.message || data?.message || '', error.field || null, error);
  }
  return data;
}

export async function login(username, password) {
  return keep(await send('POST', '/auth/login', { username, password }));
}

export async function newPassword(username, challengeSession, password) {
  return keep(await send('POST', '/auth/new-password', { username, session: challengeSession, new_password: password }));
}

async function refresh() {
  if (!session?.refresh_token) return false;
  if (!refreshing) {
    const before = session;
    refreshing = send('POST', '/auth/refresh', { refresh_token: before.refresh_token })
      .then((tokens) => { keep(tokens, before); return true; })
      .catch((err) => {
        if (err.status === 401) return false;
        throw err;
      })
      .finally(() => { refreshing = null; });
  }
  return refreshing;
}

function ended() {
  const hadSession = session !== null;
  signOut();
  if (hadSession) for (const listener of sessionListeners) listener();
  return new ApiError(401, 'session_expired', 'session expired');
}

/** One API call with the session's token: refreshed first when it is about to expire, and once more
 * after a 401. A session that cannot be refreshed ends (the app shows the sign-in screen). */
export async function request(method, path, body, headers = {}) {
  if (!session) throw new ApiError(401, 'session_expired', 'not signed in');
  if (session.exp - Date.now() < REFRESH_BEFORE_MS && !(await refresh())) throw ended();
  try {
    return await send(method, path, body, session.id_token, headers);
  } catch (err) {
    if (err.status !== 401) throw err;
    if (!(await refresh())) throw ended();
    try {
      return await send(method, path, body, session.id_token, headers);
    } catch (again) {
      if (again.status === 401) throw ended();
      throw again;
    }
  }
}

export const get = (path) => request('GET', path);
export const post = (path, body = {}, headers = {}) => request('POST', path, body, headers);
export const patch = (path, body = {}) => request('PATCH', path, body);

/** A GET whose last answer is kept for this tab, so a screen can still show it offline. */
export async function getCached(path) {
  const key = `${CACHE_PREFIX}${session?.username}.${path}`;
  try {
    const data = await get(path);
    sessionStorage.setItem(key, JSON.stringify({ data, at: Date.now() }));
    return { data, stale: false };
  } catch (err) {
    const kept = err.transient ? JSON.parse(sessionStorage.getItem(key) || 'null') : null;
    if (kept) return { data: kept.data, stale: true, at: kept.at, error: err };
    throw err;
  }
}

export function hasRole(...roles) {
  return Boolean(session?.roles?.some((r) => roles.includes(r)));
}
