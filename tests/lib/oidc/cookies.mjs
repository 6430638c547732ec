// tests/lib/oidc/cookies.mjs -- the Set-Cookie header lines of a fetch()
// response, for browser.mjs, on every Node that Debian or NodeSource
// ship.  Node 20 has Headers.getSetCookie(), which keeps the lines apart;
// Debian 12's Node 18 has not, and fetch() joins them into one value
// with ", " -- the same separator the Expires attribute holds ("Expires=
// Wed, 03 Dec 2025 07:00:00 GMT").  A cookie-name is a token (RFC 6265
// 4.1.1: no space, no ';', no '='), and a cookie-value never holds a
// comma, so a line starts only where ", " is followed by a token and '=';
// inside a date, ", " is followed by a day of the month and a space.

// The characters of an RFC 7230 token.
const TOKEN = "[!#$%&'*+.^_`|~0-9A-Za-z-]+";
const LINE_START = new RegExp(`,[ \\t]*(?=${TOKEN}=)`);

// splitSetCookie(joined): the lines of a joined Set-Cookie value.
export function splitSetCookie(joined) {
  if (!joined) return [];
  return joined.split(LINE_START).map((s) => s.trim()).filter((s) => s);
}

// setCookies(headers): the Set-Cookie lines of a fetch() Headers object.
export function setCookies(headers) {
  if (typeof headers.getSetCookie === 'function') {
    return headers.getSetCookie();
  }
  return splitSetCookie(headers.get('set-cookie'));
}
