// A real OpenID Connect provider for the regiewerkplek's tests (the npm package oidc-provider,
// pinned in deploy/web), on loopback. Two staff members of different gemeenten; their
// staff id, gemeenten and role travel as claims of a JWT access token for Rondom's API.
// It signs with a new key each start.
//
// node provider.mjs NODE_MODULES PORT REDIRECT_URI POST_LOGOUT_URI
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import path from 'node:path';

const [modules, port, redirect, postLogout] = process.argv.slice(2);
// The package is in .tools/web (make tools), not beside this file.
const require = createRequire(path.join(modules, 'noop.js'));
const { default: Provider } = await import(pathToFileURL(require.resolve('oidc-provider')).href);
const issuer = `http://127.0.0.1:${port}`;
const audience = 'urn:rondom:api';

const staff = {
  'mw-0412': { staff_id: 'mw-0412', gemeenten: ['0363'], rondom_role: 'coordinator' },
  'mw-0599': { staff_id: 'mw-0599', gemeenten: ['0599'], rondom_role: 'coordinator' },
};

// A signing key of its own each start (a restart is a key rollover to the hub).
const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const signing = {
  ...privateKey.export({ format: 'jwk' }),
  kid: randomBytes(8).toString('hex'),
  alg: 'RS256',
  use: 'sig',
};

const provider = new Provider(issuer, {
  jwks: { keys: [signing] },
  clients: [{
    client_id: 'rondom',
    client_secret: 'rondom-test-secret',
    redirect_uris: [redirect],
    post_logout_redirect_uris: [postLogout],
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
  }],
  pkce: { required: () => true },
  scopes: ['openid', 'rondom'],
  claims: { openid: ['sub'] },
  async findAccount(_ctx, id) {
    if (!staff[id]) return undefined;
    return { accountId: id, async claims() { return { sub: id }; } };
  },
  async extraTokenClaims(_ctx, token) {
    return token.accountId ? staff[token.accountId] : undefined;
  },
  features: {
    devInteractions: { enabled: true },
    rpInitiatedLogout: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: () => audience,
      useGrantedResource: () => true,
      getResourceServerInfo: () => ({
        scope: 'rondom',
        audience,
        accessTokenTTL: 3600,
        accessTokenFormat: 'jwt',
        jwt: { sign: { alg: 'RS256' } },
      }),
    },
  },
});
provider.proxy = false;
provider.listen(Number(port), '127.0.0.1', () => {
  console.log(`ready ${issuer}`);
});
