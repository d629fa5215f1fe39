/**
 * Credentials never leave a manifest: `${VAR}` references stay references (pip and uv expand them
 * when they install), a literal password or token in a URL is taken out of what Seam generates,
 * and every message, report and printout shows it masked.
 */

const MASK = '****';
/** `scheme://userinfo@` (userinfo without `/`, whitespace or `@`). */
const USERINFO = /([a-z][a-z0-9+.-]*:\/\/)([^/\s@]+)@/gi;
/** Query parameters that carry secrets. */
const SECRET_PARAM = /([?&](?:[a-z_-]*token|password|passwd|secret|api[_-]?key|access[_-]?key|signature|sig)=)([^&#\s]+)/gi;

const isReference = (s: string) => /^(\$\{[A-Za-z0-9_]+\})+$/.test(s);
/** User names that carry no secret (git's, and the fixed names of token logins). */
const PLAIN_USER = /^(git|oauth2|x-access-token|__token__|gitlab-ci-token|x-token-auth)$/;

/** The userinfo with any literal secret taken out: null when nothing is secret, else what stays (maybe ''). */
function withoutSecret(info: string): string | null {
  const colon = info.indexOf(':');
  if (colon < 0) return isReference(info) || PLAIN_USER.test(info) ? null : '';
  const password = info.slice(colon + 1);
  return password === '' || isReference(password) ? null : info.slice(0, colon);
}

/** The text with every URL credential masked (`https://user:****@host`, `?token=****`); `${VAR}` references are left as they are. */
export function maskCredentials(text: string): string {
  return text
    .replace(USERINFO, (whole, scheme: string, info: string) => {
      const kept = withoutSecret(info);
      return kept === null ? whole : `${scheme}${kept ? `${kept}:` : ''}${MASK}@`;
    })
    .replace(SECRET_PARAM, (whole, key: string, value: string) => (isReference(value) ? whole : `${key}${MASK}`));
}

/** A URL without literal credentials (`${VAR}` references kept), and whether any were taken out. */
export function stripCredentials(url: string): { url: string; stripped: boolean } {
  let stripped = false;
  const out = url
    .replace(USERINFO, (whole, scheme: string, info: string) => {
      const kept = withoutSecret(info);
      if (kept === null) return whole;
      stripped = true;
      return `${scheme}${kept ? `${kept}@` : ''}`;
    })
    .replace(SECRET_PARAM, (whole, key: string, value: string) => {
      if (isReference(value)) return whole;
      stripped = true;
      return `${key}${MASK}`;
    });
  return { url: out, stripped };
}
