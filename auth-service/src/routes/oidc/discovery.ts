import { Router } from 'express';
import { amrValuesSupported } from '../../services/auth-methods.js';
import { clientAssertionAlgs } from '../../services/client-assertions.js';
import { clientAuthMethods } from '../../services/clients.js';
import { signingAlgs, type SigningKeys } from '../../services/signing-keys.js';

/** The provider metadata (OpenID Connect Discovery 1.0) for an issuer: exactly what the endpoints implement. */
export function providerMetadata(issuer: string) {
  return {
    issuer,
    authorization_endpoint: `${issuer}/authorize`,
    token_endpoint: `${issuer}/token`,
    userinfo_endpoint: `${issuer}/userinfo`,
    jwks_uri: `${issuer}/jwks.json`,
    revocation_endpoint: `${issuer}/revoke`,
    end_session_endpoint: `${issuer}/end_session`,
    scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
    response_types_supported: ['code'],
    response_modes_supported: ['query'],
    grant_types_supported: ['authorization_code', 'refresh_token'],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: [...signingAlgs],
    token_endpoint_auth_methods_supported: [...clientAuthMethods],
    revocation_endpoint_auth_methods_supported: [...clientAuthMethods],
    token_endpoint_auth_signing_alg_values_supported: [...clientAssertionAlgs],
    revocation_endpoint_auth_signing_alg_values_supported: [...clientAssertionAlgs],
    code_challenge_methods_supported: ['S256'],
    prompt_values_supported: ['none', 'login', 'select_account'],
    claims_supported: ['sub', 'iss', 'aud', 'exp', 'iat', 'auth_time', 'amr', 'nonce', 'sid', 'name', 'picture', 'email', 'email_verified'],
    /** Not in the Discovery registry, but read by libraries and tools: the `amr` values ID tokens may carry. */
    amr_values_supported: [...amrValuesSupported],
    authorization_response_iss_parameter_supported: true,
    // OpenID Connect Back-Channel Logout 1.0: logout tokens to a registered backchannelLogoutUri, always with `sid`.
    backchannel_logout_supported: true,
    backchannel_logout_session_supported: true,
    request_parameter_supported: false,
    request_uri_parameter_supported: false,
  };
}

/** `/.well-known/openid-configuration` and `/jwks.json`: public, cacheable, readable from any origin. */
export function discoveryRoutes(issuer: string, keys: SigningKeys): Router {
  const router = Router();
  const metadata = providerMetadata(issuer);
  router.get('/.well-known/openid-configuration', (_req, res) => {
    res.set({ 'Access-Control-Allow-Origin': '*', 'Cache-Control': 'public, max-age=3600' });
    res.json(metadata);
  });
  // Short max-age: a rotated key is used at once, and verifiers refetch on an unknown kid anyway.
  router.get('/jwks.json', async (_req, res) => {
    res.set({ 'Access-Control-Allow-Origin': '*', 'Cache-Control': 'public, max-age=300' });
    res.json(await keys.jwks());
  });
  return router;
}
