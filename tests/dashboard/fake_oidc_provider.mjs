// A small OpenID Connect provider for the dashboard test: a real HTTP server
// on loopback that runs the authorisation-code flow with PKCE and signs ID
// tokens with a test RSA key. It approves every sign-in at once (no login
// form) as one test user, checks what a real provider checks (client
// secret, redirect URI, the PKCE verifier, single-use codes) and counts the
// token requests it served.
import crypto from 'node:crypto';
import http from 'node:http';

export async function startProvider({ clientId, clientSecret, user }) {
  const { privateKey, publicKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const kid = 'test-key-1';
  const codes = new Map(); // code -> {challenge, redirectUri, nonce}
  const provider = { tokenRequests: 0 };
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, provider.issuer);
    if (req.method === 'GET' && url.pathname === '/authorize') return authorize(url, res);
    if (req.method === 'POST' && url.pathname === '/token') return token(req, res);
    res.writeHead(404).end();
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  provider.issuer = `http://127.0.0.1:${server.address().port}`;
  provider.jwks = { keys: [{ ...publicKey.export({ format: 'jwk' }), kid, use: 'sig', alg: 'RS256' }] };
  provider.close = () => new Promise((resolve) => server.close(resolve));

  function authorize(url, res) {
    const p = url.searchParams;
    if (p.get('client_id') !== clientId || p.get('response_type') !== 'code'
        || p.get('code_challenge_method') !== 'S256' || !p.get('code_challenge') || !p.get('state')) {
      res.writeHead(400).end('bad authorisation request');
      return;
    }
    const code = crypto.randomBytes(16).toString('hex');
    codes.set(code, { challenge: p.get('code_challenge'), redirectUri: p.get('redirect_uri'), nonce: p.get('nonce') });
    const back = new URL(p.get('redirect_uri'));
    back.searchParams.set('code', code);
    back.searchParams.set('state', p.get('state'));
    res.writeHead(302, { Location: back.toString() }).end();
  }

  function token(req, res) {
    let body = '';
    req.on('data', (chunk) => { body += chunk; });
    req.on('end', () => {
      const form = new URLSearchParams(body);
      const basic = Buffer.from((req.headers.authorization || '').replace(/^Basic /, ''), 'base64').toString();
      const [id, secret] = basic.split(':').map(decodeURIComponent);
      const grant = codes.get(form.get('code'));
      codes.delete(form.get('code'));
      const verifier = form.get('code_verifier') || '';
      const challenge = crypto.createHash('sha256').update(verifier).digest('base64url');
      if (id !== clientId || secret !== clientSecret || !grant || grant.challenge !== challenge
          || grant.redirectUri !== form.get('redirect_uri') || form.get('grant_type') !== 'authorization_code') {
        res.writeHead(400, { 'Content-Type': 'application/json' }).end('{"error":"invalid_grant"}');
        return;
      }
      provider.tokenRequests += 1;
      const now = Math.floor(Date.now() / 1000);
      const idToken = sign({
        iss: provider.issuer, aud: clientId, sub: user.sub, email: user.email, email_verified: true,
        name: user.name, iat: now, exp: now + 3600, nonce: grant.nonce,
      });
      res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' })
        .end(JSON.stringify({ access_token: crypto.randomBytes(16).toString('hex'), token_type: 'Bearer', expires_in: 3600, id_token: idToken }));
    });
  }

  function sign(claims) {
    const header = Buffer.from(JSON.stringify({ alg: 'RS256', typ: 'JWT', kid })).toString('base64url');
    const payload = Buffer.from(JSON.stringify(claims)).toString('base64url');
    const signature = crypto.sign('sha256', Buffer.from(`${header}.${payload}`), privateKey).toString('base64url');
    return `${header}.${payload}.${signature}`;
  }

  return provider;
}
