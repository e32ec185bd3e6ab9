// The headers of every dashboard response (index.html, assets, /session, the "not built" answer).
// NOTE: no 'unsafe-inline' and no 'unsafe-eval': index.html only links its hashed script and style;
// Preact and uPlot set styles through the CSSOM (element.style), which style-src does not govern.
// NOTE: font-src allows data: because GraphiQL's stylesheet (the API explorer) carries its fonts as data:
// URLs; a font cannot run script, and 'self' stays the only origin anything is fetched from.
export const CONTENT_SECURITY_POLICY =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

export const SECURITY_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'same-origin',
  'x-frame-options': 'DENY',
});
