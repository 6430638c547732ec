// tests/lib/oidc/cookies-test.mjs -- does cookies.mjs keep Set-Cookie
// lines apart, on the Node that runs it?  For tests/oauth.sh: exit 0 if
// so, else 1 with each mismatch on stderr.
import { setCookies, splitSetCookie } from './cookies.mjs';

const lines = [
  '_interaction=k1Zx; path=/interaction/k1Zx; expires=Wed, 03 Dec 2025 07:10:00 GMT; samesite=lax; secure; httponly',
  '_interaction.sig=a-B_c; path=/interaction/k1Zx; expires=Wed, 03 Dec 2025 07:10:00 GMT; samesite=lax; secure; httponly',
  '_session=; path=/; expires=Thu, 01 Jan 1970 00:00:00 GMT',
  'plain=v',
  'Max-Age-Only=x; Max-Age=60',
];
let bad = 0;
function same(what, got, want) {
  if (JSON.stringify(got) !== JSON.stringify(want)) {
    console.error(`${what}:\n  got  ${JSON.stringify(got)}\n  want ${JSON.stringify(want)}`);
    bad += 1;
  }
}

// As Node 18's fetch() hands them over: one value, joined with ", ".
same('joined', splitSetCookie(lines.join(', ')), lines);
same('one line', splitSetCookie(lines[0]), [lines[0]]);
same('none', splitSetCookie(null), []);

// A real Headers object, with getSetCookie() (Node 20) and without it
// (Node 18, or forced here through get() alone).
const h = new Headers();
for (const l of lines) h.append('set-cookie', l);
same('Headers', setCookies(h), lines);
same('Headers.get only', setCookies({ get: (n) => h.get(n) }), lines);
process.exit(bad ? 1 : 0);
