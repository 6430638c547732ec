// tests/lib/oidc/browser.mjs -- a person at a browser, for tests/oauth.sh:
// opens a URL, signs in on oidc-provider's pages (any login name), gives
// consent, enters a device code, and follows every redirect -- to the
// loopback address outbox listens on, too.  Forms are filled from what
// the pages hold (hidden fields, the xsrf token), as a browser would.
//
// node browser.mjs URL LOGIN [USER-CODE] [deny]
// Trusts the test CA through NODE_EXTRA_CA_CERTS.  Prints each step on
// stderr and the final page's text on stdout; exit 0 when the flow ends
// on a page that is not a form (or, with deny, on the page that says the
// sign-in was interrupted); 1 on an error page.  Runs on Node 18
// (Debian 12) and later.
import dns from 'node:dns';
import { setCookies } from './cookies.mjs';

// The server listens on 127.0.0.1 only, under the name localhost (its
// certificate's).  Node 18's fetch() connects to the first address the
// resolver gives, ::1 on Debian; Node 20 tries them all.
dns.setDefaultResultOrder('ipv4first');

const [start, login, userCode, deny] = process.argv.slice(2);
const jar = new Map();

function cookies(res) {
  for (const c of setCookies(res.headers)) {
    const [pair] = c.split(';');
    const i = pair.indexOf('=');
    jar.set(pair.slice(0, i).trim(), pair.slice(i + 1));
  }
}

function cookieHeader() {
  return [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
}

function attr(tag, name) {
  const m = tag.match(new RegExp(`\\s${name}="([^"]*)"`));
  return m ? m[1].replace(/&amp;/g, '&') : undefined;
}

// The page's first form: its action, method and fields.
function formOf(html) {
  const m = html.match(/<form\b[^>]*>[\s\S]*?<\/form>/);
  if (!m) return null;
  const open = m[0].match(/<form\b[^>]*>/)[0];
  const fields = new URLSearchParams();
  for (const input of m[0].match(/<input\b[^>]*>/g) ?? []) {
    const name = attr(input, 'name');
    if (name) fields.set(name, attr(input, 'value') ?? '');
  }
  return { action: attr(open, 'action'), method: (attr(open, 'method') ?? 'get').toUpperCase(), fields };
}

async function go(url, init = {}) {
  const res = await fetch(url, {
    ...init, redirect: 'manual',
    headers: { ...(init.headers ?? {}), cookie: cookieHeader() },
  });
  cookies(res);
  console.error(`browser: ${init.method ?? 'GET'} ${url.split('?')[0]} -> ${res.status}`);
  return res;
}

let url = start;
let init = {};
for (let step = 0; step < 30; step += 1) {
  const res = await go(url, init);
  init = {};
  if (res.status >= 300 && res.status < 400) {
    url = new URL(res.headers.get('location'), url).href;
    continue;
  }
  const html = await res.text();
  const form = formOf(html);
  // The device pages show an error in red above the form again: a person
  // stops there.  After "abort", oidc-provider 8 says the sign-in was
  // interrupted: where a refusal ends.
  const red = html.match(/<p class="red">([^<]*)</);
  if (!form || red) {
    process.stdout.write(html.replace(/<[^>]*>/g, ' ').replace(/\s+/g, ' ').trim() + '\n');
    if (red) process.exit(deny === 'deny' && /interrupted/.test(red[1]) ? 0 : 1);
    process.exit(res.status === 200 ? 0 : 1);
  }
  const f = form.fields;
  if (f.has('user_code')) f.set('user_code', userCode ?? '');
  if (f.get('prompt') === 'login') { f.set('login', login); f.set('password', 'any'); }
  if (f.has('confirm') && deny === 'deny') { f.delete('confirm'); f.set('abort', 'yes'); }
  if (!f.has('confirm') && /deviceConfirmForm/.test(html) && deny !== 'deny') f.set('confirm', 'yes');
  if (/deviceConfirmForm/.test(html) && deny === 'deny') f.set('abort', 'yes');
  url = new URL(form.action ?? url, url).href;
  init = {
    method: 'POST',
    body: f.toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  };
}
console.error('browser: too many steps');
process.exit(1);
