#!/usr/bin/env node
// Local OpenID provider (npm `oidc-provider`, panva) for interop tests of the Rust OAuth client.
//
//   node server.mjs [--port 0] [--confidential-redirect URI]... [--access-token-ttl SECONDS] [--ignore-stdin]
//
// Listens on 127.0.0.1 only. Once listening, prints exactly one JSON line to stdout:
//   {"issuer":"http://127.0.0.1:PORT","port":PORT}
// Everything else goes to stderr. Exits on SIGTERM/SIGINT and when stdin closes
// (unless --ignore-stdin), so a crashed test harness never leaves it running.
//
// Env equivalents: OIDC_PORT, OIDC_CONFIDENTIAL_REDIRECTS (comma separated),
// OIDC_IGNORE_STDIN=1. See README.md for the HTTP sequence a client must perform.
//
// Test levers (never part of a real provider):
//   GET  /_test/stats               {"refresh_token": N, "authorization_code": N}: successful token grants
//   POST /_test/revoke?user=alice   destroy every grant of that user: their refresh tokens stop working

import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';

import Provider from 'oidc-provider';

const { values: args } = parseArgs({
  options: {
    port: { type: 'string' },
    'confidential-redirect': { type: 'string', multiple: true },
    'ignore-stdin': { type: 'boolean' },
    'access-token-ttl': { type: 'string' },
  },
  strict: true,
});

const port = Number(args.port ?? process.env.OIDC_PORT ?? 0);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  throw new Error(`invalid --port ${args.port}`);
}
const extraConfidentialRedirects = [
  ...(args['confidential-redirect'] ?? []),
  ...(process.env.OIDC_CONFIDENTIAL_REDIRECTS ?? '').split(',').map((s) => s.trim()).filter(Boolean),
];
const ignoreStdin = args['ignore-stdin'] || process.env.OIDC_IGNORE_STDIN === '1';
const accessTokenTtl = Number(args['access-token-ttl'] ?? 600);
if (!Number.isInteger(accessTokenTtl) || accessTokenTtl < 1) {
  throw new Error(`invalid --access-token-ttl ${args['access-token-ttl']}`);
}

const log = (...a) => console.error('[oidc-provider]', ...a);

// ---------------------------------------------------------------------------
// Accounts. oid/tid mimic the Microsoft identity platform claims.
const TENANT_ID = '9188040d-6c67-4c5b-b112-36a304b66dad';
const ACCOUNTS = {
  alice: {
    sub: 'alice',
    name: 'Alice Example',
    email: 'alice@example.com',
    email_verified: true,
    preferred_username: 'alice@example.com',
    oid: '00000000-0000-0000-0000-00000000a11c',
    tid: TENANT_ID,
  },
  bob: {
    sub: 'bob',
    name: 'Bob Example',
    email: 'bob@example.com',
    email_verified: true,
    preferred_username: 'bob@example.com',
    oid: '00000000-0000-0000-0000-000000000b0b',
    tid: TENANT_ID,
  },
};

async function findAccount(_ctx, id) {
  const account = ACCOUNTS[id];
  if (!account) return undefined;
  return {
    accountId: id,
    // All claims are returned; oidc-provider filters them by granted scopes / `claims` config.
    async claims() {
      return { ...account };
    },
  };
}

// ---------------------------------------------------------------------------
// Fresh signing key per run (RS256 is the default id_token_signed_response_alg).
const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const signingJwk = { ...privateKey.export({ format: 'jwk' }), kid: randomUUID(), use: 'sig', alg: 'RS256' };

const server = createServer();
server.on('request', (_req, res) => {
  // Only reachable before the provider is attached (i.e. never in practice).
  res.statusCode = 503;
  res.end();
});

await new Promise((resolve, reject) => {
  server.once('error', reject);
  server.listen(port, '127.0.0.1', resolve);
});
const actualPort = server.address().port;
const issuer = `http://127.0.0.1:${actualPort}`;

const provider = new Provider(issuer, {
  clients: [
    {
      // Public native client: loopback redirect URIs match on any port (RFC 8252 §7.3).
      client_id: 'patchbay-native',
      application_type: 'native',
      token_endpoint_auth_method: 'none',
      redirect_uris: ['http://127.0.0.1/callback', 'http://localhost/callback'],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
    },
    {
      // Confidential web client: redirect URIs must match EXACTLY (port included).
      client_id: 'patchbay-confidential',
      client_secret: 'patchbay-confidential-secret',
      application_type: 'web',
      token_endpoint_auth_method: 'client_secret_post',
      redirect_uris: ['http://127.0.0.1/callback', ...extraConfidentialRedirects],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
    },
  ],
  jwks: { keys: [signingJwk] },
  findAccount,
  scopes: ['openid', 'offline_access', 'profile', 'email', 'User.Read', 'Mail.Read'],
  claims: {
    openid: ['sub', 'oid', 'tid'],
    profile: ['name', 'preferred_username'],
    email: ['email', 'email_verified'],
  },
  // Put scope-granted claims (name, email, oid, tid, ...) into the ID token, not only userinfo.
  conformIdTokenClaims: false,
  pkce: { methods: ['S256'], required: () => true },
  // offline_access (with the prompt=consent injection below) => refresh token.
  issueRefreshToken: async (_ctx, client, code) =>
    client.grantTypeAllowed('refresh_token') && code.scopes.has('offline_access'),
  rotateRefreshToken: true,
  features: {
    devInteractions: { enabled: false },
    // RFC 9207 `iss` in authorization responses is always on in v8 (discovery advertises it).
  },
  interactions: {
    url: (_ctx, interaction) => `/interaction/${interaction.uid}`,
  },
  cookies: {
    keys: ['patchbay-interop-dev-cookie-key-1', 'patchbay-interop-dev-cookie-key-0'],
  },
  ttl: {
    AccessToken: accessTokenTtl,
    AuthorizationCode: 60,
    IdToken: 600,
    RefreshToken: 86400,
    Interaction: 600,
    Session: 3600,
    Grant: 86400,
  },
  renderError: async (ctx, out) => {
    ctx.type = 'json';
    ctx.body = out;
  },
});

provider.on('server_error', (_ctx, err) => log('server_error', err));

// Counters and grants for the test levers.
const stats = { refresh_token: 0, authorization_code: 0 };
provider.on('grant.success', (ctx) => {
  const type = ctx.oidc.params?.grant_type;
  if (type in stats) stats[type] += 1;
});
const grantsByUser = new Map();
if (process.env.OIDC_DEBUG) {
  for (const ev of ['authorization.error', 'grant.error', 'interaction.started', 'grant.success']) {
    provider.on(ev, (...a) => log(ev, a.at(-1)?.message ?? ''));
  }
}

// ---------------------------------------------------------------------------
// Non-interactive interaction endpoint.
//   GET /interaction/:uid[?user=alice|bob][&deny=1]
// Logs the user in (default alice) and grants everything requested, then 303s back to the
// authorization endpoint, which 303s to the client's redirect_uri with code, state and iss.
async function handleInteraction(req, res, uid, query) {
  const sendJson = (status, body) => {
    res.statusCode = status;
    res.setHeader('Content-Type', 'application/json');
    res.end(JSON.stringify(body));
  };
  try {
    const details = await provider.interactionDetails(req, res);
    if (details.uid !== uid) {
      sendJson(400, { error: 'invalid_request', error_description: 'interaction uid mismatch' });
      return;
    }

    if (query.get('deny')) {
      await provider.interactionFinished(req, res, {
        error: 'access_denied',
        error_description: 'End-User denied the request',
      }, { mergeWithLastSubmission: false });
      return;
    }

    const { params, prompt } = details;
    const user = query.get('user') ?? details.session?.accountId ?? 'alice';
    if (!ACCOUNTS[user]) {
      sendJson(400, { error: 'invalid_request', error_description: `unknown user ${user}` });
      return;
    }

    const sameAccount = details.session?.accountId === user;
    if (details.session?.uid && !sameAccount) {
      // Switching user inside an existing browser session: oidc-provider would answer with an
      // auto-submitting logout form. Drop the old session server-side instead so a plain HTTP
      // client just continues with the 303 chain.
      const old = await provider.Session.findByUid(details.session.uid);
      if (old) await old.destroy();
      delete details.session;
      await details.save(details.exp - Math.floor(Date.now() / 1000));
    }
    let grant;
    if (sameAccount && details.grantId) {
      grant = await provider.Grant.find(details.grantId);
    }
    grant ??= new provider.Grant({ accountId: user, clientId: params.client_id });

    // Grant every scope/claim that was requested (prompt details when available, else params).
    const scope = [params.scope, ...(prompt.details?.missingOIDCScope ?? [])].filter(Boolean).join(' ');
    if (scope) grant.addOIDCScope(scope);
    const claims = new Set(prompt.details?.missingOIDCClaims ?? []);
    if (params.claims) {
      const requested = JSON.parse(params.claims);
      for (const part of ['id_token', 'userinfo']) {
        for (const claim of Object.keys(requested[part] ?? {})) claims.add(claim);
      }
    }
    if (claims.size) grant.addOIDCClaims([...claims]);
    for (const [indicator, scopes] of Object.entries(prompt.details?.missingResourceScopes ?? {})) {
      grant.addResourceScope(indicator, scopes.join(' '));
    }
    const grantId = await grant.save();
    grantsByUser.set(user, new Set([...(grantsByUser.get(user) ?? []), grantId]));

    const result = { consent: { grantId } };
    if (!sameAccount || prompt.name === 'login') {
      result.login = { accountId: user };
    }
    await provider.interactionFinished(req, res, result, { mergeWithLastSubmission: false });
  } catch (err) {
    log('interaction error', err);
    sendJson(400, { error: err.error ?? 'invalid_request', error_description: err.error_description ?? err.message });
  }
}

const providerCallback = provider.callback();

server.removeAllListeners('request');
server.on('request', (req, res) => {
  const url = new URL(req.url, issuer);

  if (url.pathname === '/_test/stats' && req.method === 'GET') {
    res.setHeader('Content-Type', 'application/json');
    res.end(JSON.stringify(stats));
    return;
  }
  if (url.pathname === '/_test/revoke' && req.method === 'POST') {
    const user = url.searchParams.get('user') ?? '';
    const ids = [...(grantsByUser.get(user) ?? [])];
    grantsByUser.delete(user);
    Promise.all(ids.map(async (id) => (await provider.Grant.find(id))?.destroy())).then(
      () => {
        res.setHeader('Content-Type', 'application/json');
        res.end(JSON.stringify({ revoked: ids.length }));
      },
      (err) => {
        log('revoke error', err);
        res.statusCode = 500;
        res.end();
      },
    );
    return;
  }

  const m = /^\/interaction\/([^/]+)$/.exec(url.pathname);
  if (m && req.method === 'GET') {
    handleInteraction(req, res, m[1], url.searchParams);
    return;
  }

  // oidc-provider follows OIDC Core strictly and ignores offline_access unless prompt=consent.
  // Microsoft issues refresh tokens for offline_access without it, so inject prompt=consent
  // (harmless here: our interaction endpoint always grants consent).
  if (url.pathname === '/auth' && req.method === 'GET') {
    const scopes = (url.searchParams.get('scope') ?? '').split(' ');
    const prompts = (url.searchParams.get('prompt') ?? '').split(' ').filter(Boolean);
    if (scopes.includes('offline_access') && !prompts.includes('consent') && !prompts.includes('none')) {
      url.searchParams.set('prompt', [...prompts, 'consent'].join(' '));
      req.url = url.pathname + url.search;
    }
  }

  providerCallback(req, res);
});

// ---------------------------------------------------------------------------
let shuttingDown = false;
function shutdown(reason) {
  if (shuttingDown) return;
  shuttingDown = true;
  log(`shutting down (${reason})`);
  server.close(() => process.exit(0));
  server.closeAllConnections();
  setTimeout(() => process.exit(0), 1000).unref();
}
process.on('SIGTERM', () => shutdown('SIGTERM'));
process.on('SIGINT', () => shutdown('SIGINT'));
if (!ignoreStdin) {
  process.stdin.on('end', () => shutdown('stdin closed'));
  process.stdin.on('close', () => shutdown('stdin closed'));
  process.stdin.on('error', () => shutdown('stdin error'));
  process.stdin.resume();
}

process.stdout.write(`${JSON.stringify({ issuer, port: actualPort })}\n`);
