// A real, certified OpenID Provider (panva/oidc-provider) for the oidc-login integration test.
//
// Usage: node provider.mjs '{"redirect_uri": "http://127.0.0.1:PORT/oidc/callback", "jwks": {"keys": [...]}}'
//
// Listens on 127.0.0.1 on an ephemeral port and prints one JSON line on stdout once ready:
// {"issuer": "http://127.0.0.1:PORT"}. Stops when stdin closes (the test process went away).
//
// Clients (all authorization code, PKCE S256 required, redirecting to the given redirect_uri):
//   guildhall       client_secret_basic, secret "guildhall-test-secret-0123456789abcdef"
//   guildhall-post  client_secret_post,  same secret
//   guildhall-jwt   private_key_jwt (RS256), keys from "jwks" (only registered when given)
//
// Sign-in uses oidc-provider's development interactions (a login form and a consent form); the
// only account is "ada", with the claims below.
import http from 'node:http';

import Provider from 'oidc-provider';

// stdout carries only the ready line: the provider's own notices go to stderr, because the test
// stops reading stdout once it has the issuer.
console.log = console.error;
console.info = console.error;

const options = JSON.parse(process.argv[2] ?? '{}');
if (!options.redirect_uri) {
  console.error('usage: node provider.mjs \'{"redirect_uri": "..."}\'');
  process.exit(2);
}

const SECRET = 'guildhall-test-secret-0123456789abcdef';

const ACCOUNTS = {
  ada: { sub: 'ada', email: 'ada@example.test', email_verified: true, name: 'Ada Lovelace' },
};

const codeClient = (clientId, authMethod, extra = {}) => ({
  client_id: clientId,
  redirect_uris: [options.redirect_uri],
  grant_types: ['authorization_code'],
  response_types: ['code'],
  token_endpoint_auth_method: authMethod,
  ...extra,
});

const clients = [
  codeClient('guildhall', 'client_secret_basic', { client_secret: SECRET }),
  codeClient('guildhall-post', 'client_secret_post', { client_secret: SECRET }),
];
if (options.jwks) {
  clients.push(codeClient('guildhall-jwt', 'private_key_jwt', {
    jwks: options.jwks,
    token_endpoint_auth_signing_alg: 'RS256',
  }));
}

const server = http.createServer();
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address();
  const issuer = `http://127.0.0.1:${port}`;
  const provider = new Provider(issuer, {
    clients,
    claims: { email: ['email', 'email_verified'], profile: ['name'] },
    findAccount: async (ctx, id) => {
      const account = ACCOUNTS[id];
      if (!account) return undefined;
      return { accountId: id, claims: async () => ({ ...account }) };
    },
    pkce: { required: () => true },
    features: { devInteractions: { enabled: true } },
    cookies: { keys: ['guildhall-oidc-login-test-cookie-key'] },
    ttl: { AccessToken: 600, Grant: 600, IdToken: 600, Interaction: 600, Session: 600 },
    clientAuthMethods: ['client_secret_basic', 'client_secret_post', 'private_key_jwt'],
  });
  server.on('request', provider.callback());
  process.stdout.write(`${JSON.stringify({ issuer })}\n`);
});

process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
