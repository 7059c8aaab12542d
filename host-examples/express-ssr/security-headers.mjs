// @ts-check
// The headers every response carries: a strict Content-Security-Policy that still lets the service's widget run.

/** The policy for pages that embed the box from `serviceUrl`. @param {string} serviceUrl */
export function contentSecurityPolicy(serviceUrl) {
  return [
    "default-src 'self'",
    `script-src 'self' ${serviceUrl}`,
    "style-src 'self'",
    `connect-src ${serviceUrl}`,
    `img-src ${serviceUrl} https:`,
    // Sign-out posts here and is redirected on to the service's /end_session.
    `form-action 'self' ${serviceUrl}`,
    "frame-ancestors 'none'",
    "base-uri 'none'",
  ].join('; ');
}

/** @param {string} serviceUrl @returns {import('express').RequestHandler} */
export function securityHeaders(serviceUrl) {
  const csp = contentSecurityPolicy(serviceUrl);
  return (_req, res, next) => {
    res.set({
      'Content-Security-Policy': csp,
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'same-origin',
    });
    next();
  };
}
