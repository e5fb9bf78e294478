// A real OpenID provider for the tests: oidc-provider (the certified
// Node.js implementation, installed from npm by scripts/test) with one
// client, the portal under test.
//
//   node provider.mjs ISSUER CLIENT_ID CLIENT_SECRET REDIRECT_URI POST_LOGOUT_URI
//
// (ISSUER: http://HOST:PORT, where it listens.)
//
// Its sign-in page asks only for a login name: the account "alice" has the
// subject "sub-alice", the email "alice@uni.example.edu" (verified unless
// the name starts with "unverified") and the name "Alice (uni)".
//
// So that the tests can check what the portal refuses, POST /test/tamper
// with a body of "nonce" or "signature" makes the next token response carry
// an ID token with another nonce (signed with the provider's own key) or
// with a broken signature.
import { createRequire } from 'node:module';
import http from 'node:http';

const require = createRequire(process.env.OIDC_PROVIDER_MODULES + '/');
const { default: Provider } = await import(require.resolve('oidc-provider'));
const jose = await import(require.resolve('jose'));

const [issuer, clientId, clientSecret, redirectUri, postLogoutUri] = process.argv.slice(2);

const { privateKey } = await jose.generateKeyPair('RS256', { extractable: true });
const signingJwk = { ...(await jose.exportJWK(privateKey)), kid: 'test-key', alg: 'RS256', use: 'sig' };

const claimsOf = (login) => ({
  sub: `sub-${login}`,
  preferred_username: login,
  name: `${login[0].toUpperCase()}${login.slice(1)} (uni)`,
  email: `${login}@uni.example.edu`,
  email_verified: !login.startsWith('unverified'),
});

const provider = new Provider(issuer, {
  clients: [{
    client_id: clientId,
    client_secret: clientSecret,
    redirect_uris: [redirectUri],
    post_logout_redirect_uris: [postLogoutUri],
    response_types: ['code'],
    grant_types: ['authorization_code'],
  }],
  jwks: { keys: [signingJwk] },
  cookies: { keys: ['test cookie key'] },
  pkce: { required: () => true },
  ttl: { Interaction: 600, Session: 3600, Grant: 3600, AuthorizationCode: 60, AccessToken: 600, IdToken: 600 },
  claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name', 'preferred_username'] },
  features: { devInteractions: { enabled: false }, rpInitiatedLogout: { enabled: true } },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  findAccount: (ctx, id) => ({ accountId: id, claims: () => claimsOf(id.replace(/^sub-/, '')) }),
  renderError: (ctx, out) => { ctx.type = 'text/plain'; ctx.body = `error: ${out.error}: ${out.error_description ?? ''}`; },
});

let tamper = '';
provider.use(async (ctx, next) => {
  await next();
  if (ctx.path === '/token' && tamper && ctx.body && ctx.body.id_token) {
    const [header, payload, signature] = ctx.body.id_token.split('.');
    if (tamper === 'nonce') {
      const claims = JSON.parse(Buffer.from(payload, 'base64url'));
      claims.nonce = 'not-the-nonce-the-portal-sent';
      ctx.body.id_token = await new jose.SignJWT(claims)
        .setProtectedHeader({ alg: 'RS256', kid: 'test-key', typ: 'JWT' })
        .sign(privateKey);
    } else if (tamper === 'signature') {
      const flipped = Buffer.from(signature, 'base64url');
      flipped[0] ^= 0xff;
      ctx.body.id_token = `${header}.${payload}.${flipped.toString('base64url')}`;
    }
    tamper = '';
  }
});

const page = (body) => `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>University sign-in</title></head><body>${body}</body></html>`;
const readBody = (req) => new Promise((resolve) => {
  let data = '';
  req.on('data', (chunk) => { data += chunk; });
  req.on('end', () => resolve(data));
});

const callback = provider.callback();
const server = http.createServer(async (req, res) => {
  try {
    const url = new URL(req.url, issuer);
    if (req.method === 'POST' && url.pathname === '/test/tamper') {
      tamper = (await readBody(req)).trim();
      res.end('ok');
      return;
    }
    const match = url.pathname.match(/^\/interaction\/([^/]+)(\/login)?$/);
    if (!match) {
      callback(req, res);
      return;
    }
    const details = await provider.interactionDetails(req, res);
    if (details.prompt.name === 'login' && !match[2]) {
      res.setHeader('content-type', 'text/html; charset=utf-8');
      res.end(page(`<h1>University sign-in</h1>
<form method="post" action="/interaction/${details.uid}/login">
<label for="login">Login</label> <input id="login" name="login" autofocus>
<button type="submit">Sign in to the university</button></form>`));
      return;
    }
    let result;
    if (details.prompt.name === 'login') {
      const login = new URLSearchParams(await readBody(req)).get('login') || 'nobody';
      result = { login: { accountId: `sub-${login}` } };
    } else {
      // Consent: granted at once (the portal is the university's own client).
      const grant = details.grantId
        ? await provider.Grant.find(details.grantId)
        : new provider.Grant({ accountId: details.session.accountId, clientId: details.params.client_id });
      grant.addOIDCScope(details.params.scope);
      result = { consent: { grantId: await grant.save() } };
    }
    await provider.interactionFinished(req, res, result, { mergeWithLastSubmission: false });
  } catch (err) {
    res.statusCode = 500;
    res.end(String(err));
  }
});
const { hostname, port } = new URL(issuer);
server.listen(Number(port), hostname, () => console.log(`listening ${issuer}`));
