// Smoke test proving the oidc-provider fixture works end to end with a plain HTTP client.
// Run: node --test tests/interop/oidc-provider/
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash, createPublicKey, randomBytes, verify } from 'node:crypto';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const SERVER = fileURLToPath(new URL('./server.mjs', import.meta.url));
const CONFIDENTIAL_EXACT = 'http://127.0.0.1:8765/callback';

const b64url = (buf) => Buffer.from(buf).toString('base64url');

// ---------------------------------------------------------------------------
// Minimal cookie jar (name -> {value, path}); enough for oidc-provider's cookies.
class CookieJar {
  #cookies = new Map();

  store(res) {
    for (const line of res.headers.getSetCookie()) {
      const [pair, ...attrs] = line.split(';').map((s) => s.trim());
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq);
      const value = pair.slice(eq + 1);
      let path = '/';
      let expired = value === '';
      for (const attr of attrs) {
        const [k, v = ''] = attr.split('=');
        const key = k.toLowerCase();
        if (key === 'path') path = v;
        if (key === 'max-age' && Number(v) <= 0) expired = true;
        if (key === 'expires' && Date.parse(v) <= Date.now()) expired = true;
      }
      const id = `${name};${path}`;
      if (expired) this.#cookies.delete(id);
      else this.#cookies.set(id, { name, value, path });
    }
  }

  header(url) {
    const { pathname } = new URL(url);
    return [...this.#cookies.values()]
      .filter((c) => pathname === c.path || pathname.startsWith(c.path.endsWith('/') ? c.path : `${c.path}/`))
      .map((c) => `${c.name}=${c.value}`)
      .join('; ');
  }
}

// ---------------------------------------------------------------------------
async function startServer(extraArgs = []) {
  const child = spawn(process.execPath, [SERVER, '--port', '0', ...extraArgs], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d) => { stderr += d; });
  const rl = createInterface({ input: child.stdout });
  const [line] = await Promise.race([
    once(rl, 'line'),
    once(child, 'exit').then(([code]) => { throw new Error(`server exited ${code}: ${stderr}`); }),
  ]);
  const info = JSON.parse(line);
  return { child, ...info, stderr: () => stderr };
}

async function stopServer(child) {
  if (child.exitCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  await exited;
}

async function getJson(url, init) {
  const res = await fetch(url, init);
  return { status: res.status, body: await res.json() };
}

async function tokenRequest(endpoint, params) {
  return getJson(endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    body: new URLSearchParams(params),
  });
}

function decodeJwt(jwt) {
  const [h, p] = jwt.split('.');
  return {
    header: JSON.parse(Buffer.from(h, 'base64url')),
    payload: JSON.parse(Buffer.from(p, 'base64url')),
  };
}

async function verifyJwt(jwt, jwksUri) {
  const { body: jwks } = await getJson(jwksUri);
  const { header, payload } = decodeJwt(jwt);
  assert.equal(header.alg, 'RS256');
  const jwk = jwks.keys.find((k) => k.kid === header.kid);
  assert.ok(jwk, 'signing key present in jwks_uri');
  const [h, p, s] = jwt.split('.');
  const ok = verify('sha256', Buffer.from(`${h}.${p}`), createPublicKey({ key: jwk, format: 'jwk' }), Buffer.from(s, 'base64url'));
  assert.ok(ok, 'ID token signature verifies');
  return payload;
}

/**
 * Full front-channel dance: GET /auth -> 303 /interaction/UID -> GET /interaction/UID?user=...
 * -> 303 /auth/UID -> 303 redirect_uri?code&state&iss. Returns the final redirect URL.
 */
async function authorize(disco, {
  clientId, redirectUri, user = 'alice', deny = false, scope = 'openid profile email offline_access User.Read', jar = new CookieJar(),
}) {
  const verifier = b64url(randomBytes(32));
  const challenge = b64url(createHash('sha256').update(verifier).digest());
  const state = b64url(randomBytes(16));
  const nonce = b64url(randomBytes(16));

  const auth = new URL(disco.authorization_endpoint);
  auth.search = new URLSearchParams({
    client_id: clientId,
    response_type: 'code',
    redirect_uri: redirectUri,
    scope,
    state,
    nonce,
    code_challenge: challenge,
    code_challenge_method: 'S256',
  });

  let url = auth.href;
  const hops = [];
  for (let i = 0; i < 10; i += 1) {
    const res = await fetch(url, { redirect: 'manual', headers: { cookie: jar.header(url) } });
    jar.store(res);
    hops.push(`${res.status} ${new URL(url).pathname}`);
    if (res.status !== 302 && res.status !== 303) {
      return { error: { status: res.status, body: await res.text() }, hops };
    }
    let next = new URL(res.headers.get('location'), url);
    if (next.href.startsWith(redirectUri)) {
      return { redirect: next, state, nonce, verifier, hops };
    }
    if (next.pathname.startsWith('/interaction/')) {
      if (deny) next.searchParams.set('deny', '1');
      else if (user) next.searchParams.set('user', user);
    }
    url = next.href;
  }
  throw new Error(`too many redirects: ${hops.join(', ')}`);
}

// ---------------------------------------------------------------------------
describe('oidc-provider fixture', () => {
  let srv;
  let disco;

  before(async () => {
    srv = await startServer(['--confidential-redirect', CONFIDENTIAL_EXACT]);
    disco = (await getJson(`${srv.issuer}/.well-known/openid-configuration`)).body;
  });

  after(async () => {
    await stopServer(srv.child);
  });

  test('startup line and discovery', () => {
    assert.equal(srv.issuer, `http://127.0.0.1:${srv.port}`);
    assert.equal(disco.issuer, srv.issuer);
    assert.equal(disco.authorization_endpoint, `${srv.issuer}/auth`);
    assert.equal(disco.token_endpoint, `${srv.issuer}/token`);
    assert.equal(disco.userinfo_endpoint, `${srv.issuer}/me`);
    assert.equal(disco.jwks_uri, `${srv.issuer}/jwks`);
    assert.equal(disco.authorization_response_iss_parameter_supported, true);
    assert.deepEqual(disco.code_challenge_methods_supported, ['S256']);
    for (const s of ['openid', 'profile', 'email', 'offline_access', 'User.Read', 'Mail.Read']) {
      assert.ok(disco.scopes_supported.includes(s), s);
    }
    for (const c of ['oid', 'tid', 'email', 'name', 'preferred_username']) {
      assert.ok(disco.claims_supported.includes(c), c);
    }
  });

  const clients = [
    {
      name: 'native (any loopback port, 127.0.0.1)',
      clientId: 'patchbay-native',
      redirectUri: 'http://127.0.0.1:54321/callback',
      auth: {},
    },
    {
      name: 'native (any loopback port, localhost)',
      clientId: 'patchbay-native',
      redirectUri: 'http://localhost:40001/callback',
      auth: {},
    },
    {
      name: 'confidential (exact registered redirect via --confidential-redirect)',
      clientId: 'patchbay-confidential',
      redirectUri: CONFIDENTIAL_EXACT,
      auth: { client_secret: 'patchbay-confidential-secret' },
    },
    {
      name: 'confidential (default portless redirect)',
      clientId: 'patchbay-confidential',
      redirectUri: 'http://127.0.0.1/callback',
      auth: { client_secret: 'patchbay-confidential-secret' },
    },
  ];

  for (const c of clients) {
    test(`full flow: ${c.name}`, async () => {
      const a = await authorize(disco, { clientId: c.clientId, redirectUri: c.redirectUri, user: 'alice' });
      assert.ok(a.redirect, `expected redirect, got ${JSON.stringify(a.error)} hops=${a.hops}`);
      assert.deepEqual(a.hops.map((h) => h.replace(/\/[A-Za-z0-9_-]{10,}$/, '/UID')), [
        '303 /auth', '303 /interaction/UID', '303 /auth/UID',
      ]);
      const q = a.redirect.searchParams;
      assert.equal(q.get('state'), a.state);
      assert.equal(q.get('iss'), srv.issuer);
      const code = q.get('code');
      assert.ok(code);

      const base = { client_id: c.clientId, ...c.auth };

      // wrong code_verifier -> invalid_grant (does not consume the code)
      let r = await tokenRequest(disco.token_endpoint, {
        ...base, grant_type: 'authorization_code', code, redirect_uri: c.redirectUri, code_verifier: b64url(randomBytes(32)),
      });
      assert.equal(r.status, 400);
      assert.equal(r.body.error, 'invalid_grant');

      // missing code_verifier -> invalid_grant
      r = await tokenRequest(disco.token_endpoint, {
        ...base, grant_type: 'authorization_code', code, redirect_uri: c.redirectUri,
      });
      assert.equal(r.body.error, 'invalid_grant');

      // wrong redirect_uri at token endpoint -> invalid_grant
      r = await tokenRequest(disco.token_endpoint, {
        ...base, grant_type: 'authorization_code', code, redirect_uri: 'http://127.0.0.1:1/other', code_verifier: a.verifier,
      });
      assert.equal(r.body.error, 'invalid_grant');

      if (c.auth.client_secret) {
        r = await tokenRequest(disco.token_endpoint, {
          ...base, client_secret: 'wrong', grant_type: 'authorization_code', code, redirect_uri: c.redirectUri, code_verifier: a.verifier,
        });
        assert.equal(r.status, 401);
        assert.equal(r.body.error, 'invalid_client');
        r = await tokenRequest(disco.token_endpoint, {
          client_id: c.clientId, grant_type: 'authorization_code', code, redirect_uri: c.redirectUri, code_verifier: a.verifier,
        });
        assert.equal(r.body.error, 'invalid_client');
      }

      // correct exchange
      r = await tokenRequest(disco.token_endpoint, {
        ...base, grant_type: 'authorization_code', code, redirect_uri: c.redirectUri, code_verifier: a.verifier,
      });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      const tokens = r.body;
      assert.equal(tokens.token_type, 'Bearer');
      assert.equal(tokens.expires_in, 600);
      assert.ok(tokens.access_token);
      assert.ok(tokens.refresh_token, 'refresh token issued for offline_access');
      assert.deepEqual(new Set(tokens.scope.split(' ')), new Set(['openid', 'profile', 'email', 'offline_access', 'User.Read']));

      const claims = await verifyJwt(tokens.id_token, disco.jwks_uri);
      assert.equal(claims.iss, srv.issuer);
      assert.equal(claims.aud, c.clientId);
      assert.equal(claims.sub, 'alice');
      assert.equal(claims.nonce, a.nonce);
      assert.equal(claims.name, 'Alice Example');
      assert.equal(claims.email, 'alice@example.com');
      assert.equal(claims.preferred_username, 'alice@example.com');
      assert.equal(claims.oid, '00000000-0000-0000-0000-00000000a11c');
      assert.equal(claims.tid, '9188040d-6c67-4c5b-b112-36a304b66dad');
      assert.ok(claims.at_hash);

      // userinfo
      const ui = await getJson(disco.userinfo_endpoint, { headers: { authorization: `Bearer ${tokens.access_token}` } });
      assert.equal(ui.status, 200);
      assert.equal(ui.body.email, 'alice@example.com');
      assert.equal(ui.body.oid, claims.oid);

      // refresh with rotation
      r = await tokenRequest(disco.token_endpoint, { ...base, grant_type: 'refresh_token', refresh_token: tokens.refresh_token });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      const refreshed = r.body;
      assert.ok(refreshed.access_token);
      assert.ok(refreshed.refresh_token);
      assert.notEqual(refreshed.refresh_token, tokens.refresh_token, 'refresh token rotated');
      const rc = decodeJwt(refreshed.id_token).payload;
      assert.equal(rc.sub, 'alice');
      assert.equal(rc.oid, claims.oid);

      // rotate again with the new token
      r = await tokenRequest(disco.token_endpoint, { ...base, grant_type: 'refresh_token', refresh_token: refreshed.refresh_token });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      const refreshed2 = r.body;

      // reusing a rotated-out refresh token -> invalid_grant, and the whole grant gets revoked
      r = await tokenRequest(disco.token_endpoint, { ...base, grant_type: 'refresh_token', refresh_token: tokens.refresh_token });
      assert.equal(r.status, 400);
      assert.equal(r.body.error, 'invalid_grant');
      r = await tokenRequest(disco.token_endpoint, { ...base, grant_type: 'refresh_token', refresh_token: refreshed2.refresh_token });
      assert.equal(r.body.error, 'invalid_grant', 'reuse detection revoked the latest refresh token too');

      // reusing the authorization code -> invalid_grant
      r = await tokenRequest(disco.token_endpoint, {
        ...base, grant_type: 'authorization_code', code, redirect_uri: c.redirectUri, code_verifier: a.verifier,
      });
      assert.equal(r.status, 400);
      assert.equal(r.body.error, 'invalid_grant');
    });
  }

  test('bob, without offline_access: no refresh token', async () => {
    const redirectUri = 'http://127.0.0.1:12345/callback';
    const a = await authorize(disco, { clientId: 'patchbay-native', redirectUri, user: 'bob', scope: 'openid profile email' });
    assert.ok(a.redirect, JSON.stringify(a.error));
    const r = await tokenRequest(disco.token_endpoint, {
      client_id: 'patchbay-native', grant_type: 'authorization_code', code: a.redirect.searchParams.get('code'), redirect_uri: redirectUri, code_verifier: a.verifier,
    });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.refresh_token, undefined);
    const claims = decodeJwt(r.body.id_token).payload;
    assert.equal(claims.sub, 'bob');
    assert.equal(claims.email, 'bob@example.com');
    assert.equal(claims.oid, '00000000-0000-0000-0000-000000000b0b');
  });

  test('deny=1 -> access_denied at redirect_uri', async () => {
    const redirectUri = 'http://127.0.0.1:23456/callback';
    const a = await authorize(disco, { clientId: 'patchbay-native', redirectUri, deny: true });
    assert.ok(a.redirect, JSON.stringify(a.error));
    assert.equal(a.redirect.searchParams.get('error'), 'access_denied');
    assert.equal(a.redirect.searchParams.get('state'), a.state);
    assert.equal(a.redirect.searchParams.get('iss'), srv.issuer);
    assert.equal(a.redirect.searchParams.get('code'), null);
  });

  test('unregistered redirect_uri is rejected at /auth (no redirect)', async () => {
    for (const [clientId, redirectUri] of [
      ['patchbay-native', 'http://127.0.0.1:5555/other'],
      ['patchbay-native', 'http://example.com/callback'],
      ['patchbay-confidential', 'http://127.0.0.1:9999/callback'], // web client: port must match exactly
    ]) {
      const a = await authorize(disco, { clientId, redirectUri });
      assert.equal(a.redirect, undefined, `${clientId} ${redirectUri}`);
      assert.equal(a.error.status, 400);
      assert.match(a.error.body, /redirect_uri/);
    }
  });

  test('PKCE is required', async () => {
    const url = new URL(disco.authorization_endpoint);
    url.search = new URLSearchParams({
      client_id: 'patchbay-confidential', response_type: 'code', redirect_uri: 'http://127.0.0.1/callback', scope: 'openid', state: 'xyz',
    });
    let res = await fetch(url, { redirect: 'manual' });
    assert.equal(res.status, 303);
    let loc = new URL(res.headers.get('location'));
    assert.equal(loc.searchParams.get('error'), 'invalid_request');
    assert.match(loc.searchParams.get('error_description'), /PKCE/);

    url.searchParams.set('client_id', 'patchbay-native');
    url.searchParams.set('redirect_uri', 'http://127.0.0.1:34567/callback');
    url.searchParams.set('code_challenge', 'x'.repeat(43));
    url.searchParams.set('code_challenge_method', 'plain');
    res = await fetch(url, { redirect: 'manual' });
    loc = new URL(res.headers.get('location'));
    assert.equal(loc.searchParams.get('error'), 'invalid_request');
    assert.match(loc.searchParams.get('error_description'), /code_challenge_method/);
  });

  test('existing session: re-authorize, default user, and switching user', async () => {
    const jar = new CookieJar();
    const redirectUri = 'http://127.0.0.1:45678/callback';
    const exchange = async (a) => {
      assert.ok(a.redirect, JSON.stringify(a.error));
      const r = await tokenRequest(disco.token_endpoint, {
        client_id: 'patchbay-native', grant_type: 'authorization_code', code: a.redirect.searchParams.get('code'), redirect_uri: redirectUri, code_verifier: a.verifier,
      });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      return decodeJwt(r.body.id_token).payload;
    };
    // no ?user= at all -> alice
    let claims = await exchange(await authorize(disco, { clientId: 'patchbay-native', redirectUri, user: null, jar }));
    assert.equal(claims.sub, 'alice');
    // same jar: session exists; native clients still get an interaction (consent)
    let a = await authorize(disco, { clientId: 'patchbay-native', redirectUri, user: null, jar, scope: 'openid email' });
    claims = await exchange(a);
    assert.equal(claims.sub, 'alice');
    assert.equal(claims.nonce, a.nonce);
    // same jar, switch to bob
    a = await authorize(disco, { clientId: 'patchbay-native', redirectUri, user: 'bob', jar });
    claims = await exchange(a);
    assert.equal(claims.sub, 'bob');
    assert.equal(claims.email, 'bob@example.com');
  });
});

test('server exits when stdin closes and on SIGTERM', async () => {
  const a = await startServer();
  const exitA = once(a.child, 'exit');
  a.child.stdin.end();
  const [codeA] = await exitA;
  assert.equal(codeA, 0);

  const b = await startServer();
  const exitB = once(b.child, 'exit');
  b.child.kill('SIGTERM');
  const [codeB] = await exitB;
  assert.equal(codeB, 0);
});
