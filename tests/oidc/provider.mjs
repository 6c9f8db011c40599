// A real OpenID Connect provider for the single sign-on tests: panva's oidc-provider
// (certified), in memory, on loopback. tests/oidc_provider.py starts one per test worker:
//
//   node tests/oidc/provider.mjs [port]
//
// port: argv or OIDC_TEST_PORT; 0 or none lets the system pick a free one, with no race
// between finding a port and binding it. When listening it prints one line on stdout,
// `ready <issuer>`, the issuer being http://127.0.0.1:<port>.
//
// Environment: OIDC_TEST_CLIENT_ID and OIDC_TEST_CLIENT_SECRET, the app's client;
// OIDC_TEST_USERS, a JSON file { "<sub>": { email, email_verified, name, ... } } read at
// every sign-in, so a test can add or change a user while the provider runs.
//
// Development only: any password signs in (devInteractions), nothing is stored on disk.

import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';

import Provider from 'oidc-provider';

const CALLBACK_PATH = '/auth/sso/callback';
// The Flask test client's callback (SERVER_NAME=localhost). The browser tests' live server
// runs on a free port of 127.0.0.1, allowed by redirectUriAllowed below.
const REDIRECT_URIS = [`http://localhost${CALLBACK_PATH}`];
const SCOPE = 'openid email profile';

function required(name) {
  const value = process.env[name];
  if (!value) {
    throw new Error(`${name} is not set`);
  }
  return value;
}

async function findAccount(ctx, id) {
  // Read at every sign-in, not once, so that tests change users at run time.
  const users = JSON.parse(await readFile(required('OIDC_TEST_USERS'), 'utf8'));
  const user = Object.hasOwn(users, id) ? users[id] : undefined;
  if (!user) {
    return undefined;
  }
  return {
    accountId: id,
    // The provider keeps only the claims the granted scopes cover (`claims` below).
    claims() {
      return { ...user, sub: id };
    },
  };
}

// No signing key in the repository: a fresh RS256 key per run (the app finds it in the
// JWKS, as with a real provider). Without `jwks` the provider would use its published
// development keys and warn about them.
function signingKeys() {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const kid = randomBytes(8).toString('hex');
  return { keys: [{ ...privateKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' }] };
}

function configuration() {
  return {
    clients: [{
      client_id: required('OIDC_TEST_CLIENT_ID'),
      client_secret: required('OIDC_TEST_CLIENT_SECRET'),
      // A confidential web client, as the app is: code flow, secret in the Authorization
      // header (Authlib's default when the client has a secret).
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
      redirect_uris: REDIRECT_URIS,
    }],
    // The app sends a code_challenge (S256, the only method oidc-provider 9 takes); by
    // default only public clients must, so requiring it proves the app does.
    pkce: { required: () => true },
    findAccount,
    claims: {
      openid: ['sub'],
      email: ['email', 'email_verified'],
      profile: ['name', 'given_name', 'family_name', 'locale'],
    },
    // The app reads the user's claims from the validated ID token, not from userinfo: put
    // the scopes' claims in the ID token too (the default keeps them for userinfo only
    // when an access token is issued).
    conformIdTokenClaims: false,
    // A first-party client: the granted scopes are recorded without a consent screen, so
    // signing in is one form (the login). An existing grant (same session) is reused.
    async loadExistingGrant(ctx) {
      const grantId = ctx.oidc.result?.consent?.grantId
        || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
      if (grantId) {
        return ctx.oidc.provider.Grant.find(grantId);
      }
      const grant = new ctx.oidc.provider.Grant({
        clientId: ctx.oidc.client.clientId,
        accountId: ctx.oidc.session.accountId,
      });
      grant.addOIDCScope(SCOPE);
      await grant.save();
      return grant;
    },
    features: {
      // The built-in login form: any password, the login is the account's sub.
      devInteractions: { enabled: true },
      // The end_session endpoint, for the app's sign-out.
      rpInitiatedLogout: { enabled: true },
    },
    jwks: signingKeys(),
    cookies: { keys: [randomBytes(32).toString('hex')] },
    // Explicit lifetimes, which also keeps the provider from printing a notice for each
    // default it falls back to.
    ttl: {
      AccessToken: 3600,
      AuthorizationCode: 600,
      Grant: 3600,
      IdToken: 3600,
      Interaction: 3600,
      Session: 3600,
    },
  };
}

// Listen first, then make the provider: its issuer names the port the system gave.
const server = createServer();
server.listen(Number(process.argv[2] ?? process.env.OIDC_TEST_PORT ?? 0), '127.0.0.1', () => {
  const issuer = `http://127.0.0.1:${server.address().port}`;
  const provider = new Provider(issuer, configuration());

  // Only the registered URIs, plus the live server's callback on any port of 127.0.0.1
  // (the exception RFC 8252 makes for loopback, which oidc-provider applies to native
  // clients only; making this client native would force a consent screen and also allow
  // any port of localhost). Exactly http://127.0.0.1:<port>/auth/sso/callback: no user,
  // query or fragment, and written as the URL parser would write it back.
  const { redirectUriAllowed } = provider.Client.prototype;
  provider.Client.prototype.redirectUriAllowed = function liveServerRedirectUriAllowed(uri) {
    if (redirectUriAllowed.call(this, uri)) {
      return true;
    }
    const url = URL.parse(uri);
    return url?.protocol === 'http:' && url.hostname === '127.0.0.1'
      && uri === `${url.origin}${CALLBACK_PATH}`;
  };

  // A 500 would otherwise leave no trace; stderr is kept for the test's failure report.
  provider.on('server_error', (ctx, error) => console.error('server_error', ctx.path, error));

  server.on('request', provider.callback());
  console.log(`ready ${issuer}`);
});
