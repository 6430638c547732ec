// tests/lib/oidc/server.mjs -- an OAuth 2.0 authorization server for
// tests/oauth.sh: oidc-provider (installed by install.sh; nobody here
// wrote it) over HTTPS on 127.0.0.1 at a port the system picks, with the
// device grant, PKCE, refresh-token rotation, revocation and token
// introspection.  Its login and consent pages are oidc-provider's own
// development pages (any login name, any password).
// The version is 8.8.1 (package-lock.json), the last of the 8.x line,
// which runs on Debian 12's Node 18; 9.x wants Node 22 (it calls
// URL.parse, which Node 18 lacks, and stops in the constructor).
//
// node server.mjs MODULES-DIR CERT KEY PORT-FILE
// Environment: ACCESS_TTL: seconds the access tokens of client
// outbox-pkce live (default 3600; outbox-device's live an hour).
// Writes the port to PORT-FILE once it listens; logs one line per
// token grant ("grant GRANT_TYPE client CLIENT") on stdout.
import https from 'node:https';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const [modules, cert, key, portFile] = process.argv.slice(2);
const { default: Provider } = await import(pathToFileURL(
    path.join(modules, 'node_modules/oidc-provider/lib/index.js')).href);

const server = https.createServer({
  cert: fs.readFileSync(cert), key: fs.readFileSync(key),
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const { port } = server.address();
const ttl = Number(process.env.ACCESS_TTL || 3600);

const provider = new Provider(`https://localhost:${port}`, {
  clients: [{
    client_id: 'outbox-device',
    token_endpoint_auth_method: 'none',
    application_type: 'native',
    grant_types: ['urn:ietf:params:oauth:grant-type:device_code',
      'refresh_token'],
    response_types: [],
    redirect_uris: [],
  }, {
    client_id: 'outbox-pkce',
    token_endpoint_auth_method: 'none',
    application_type: 'native',
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    redirect_uris: ['http://127.0.0.1/'],
  }, {
    // Dovecot asks about tokens with its own credentials.
    client_id: 'dovecot',
    client_secret: 'dovecot-introspection-secret',
    grant_types: [],
    response_types: [],
    redirect_uris: [],
  }],
  scopes: ['openid', 'offline_access', 'mail'],
  features: {
    devInteractions: { enabled: true },
    deviceFlow: { enabled: true },
    introspection: { enabled: true },
    revocation: { enabled: true },
  },
  issueRefreshToken: async (ctx, client) =>
    client.grantTypeAllowed('refresh_token'),
  rotateRefreshToken: () => true,
  ttl: {
    AccessToken: (ctx, token, client) =>
      (client.clientId === 'outbox-pkce' ? ttl : 3600),
    RefreshToken: 86400,
    DeviceCode: 600,
    Grant: 86400,
    Interaction: 600,
    Session: 86400,
  },
  cookies: { keys: ['outbox-test-cookie-key'] },
});
provider.proxy = false;
provider.on('grant.success', (ctx) => {
  console.log(`grant ${ctx.oidc.params.grant_type} client ${ctx.oidc.client.clientId} expires_in ${ctx.body?.expires_in}`);
});
provider.on('grant.error', (ctx, err) => {
  console.log(`grant-error ${ctx.oidc.params?.grant_type} ${err.error}`);
});
server.on('request', provider.callback());
fs.writeFileSync(portFile, `${port}\n`);
process.on('SIGTERM', () => process.exit(0));
