import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import { isoCBOR } from '@simplewebauthn/server/helpers';
import type { AuthenticationResponseJSON, RegistrationResponseJSON } from '@simplewebauthn/server';

const b64u = (bytes: Uint8Array | Buffer) => Buffer.from(bytes).toString('base64url');
const sha256 = (data: Uint8Array | string) => createHash('sha256').update(data).digest();

/** What a ceremony may be made to get wrong, to see the service refuse it. */
export interface Tamper {
  origin?: string;
  rpId?: string;
  challenge?: string;
  /** The signature counter to report (default: one more than the last). */
  counter?: number;
}

/**
 * A software WebAuthn authenticator (ES256, `none` attestation, resident keys, user verification) that answers
 * the service's options as a browser and authenticator would, so the server's rules can be driven from Node.
 */
export function createSoftAuthenticator(defaults: { rpId: string; origin: string; synced?: boolean }) {
  const credentials = new Map<string, { privateKey: KeyObject; counter: number; userHandle: string }>();
  const flags = (extra: number) => 0x01 | 0x04 | (defaults.synced ? 0x08 | 0x10 : 0) | extra;
  const clientData = (type: string, challenge: string, origin: string) =>
    Buffer.from(JSON.stringify({ type, challenge, origin, crossOrigin: false }));

  return {
    credentialIds: () => [...credentials.keys()],

    register(options: { challenge: string; user: { id: string } }, tamper: Tamper = {}): RegistrationResponseJSON {
      const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      const jwk = publicKey.export({ format: 'jwk' });
      const cose = isoCBOR.encode(
        new Map<number, number | Uint8Array>([
          [1, 2],
          [3, -7],
          [-1, 1],
          [-2, Buffer.from(jwk.x!, 'base64url')],
          [-3, Buffer.from(jwk.y!, 'base64url')],
        ]),
      );
      const id = randomBytes(16);
      const counter = tamper.counter ?? 0;
      const count = Buffer.alloc(4);
      count.writeUInt32BE(counter);
      const idLength = Buffer.alloc(2);
      idLength.writeUInt16BE(id.length);
      const authData = Buffer.concat([sha256(tamper.rpId ?? defaults.rpId), Buffer.from([flags(0x40)]), count, Buffer.alloc(16), idLength, id, Buffer.from(cose)]);
      const attestationObject = isoCBOR.encode(new Map<string, unknown>([['fmt', 'none'], ['attStmt', new Map()], ['authData', authData]]) as never);
      credentials.set(b64u(id), { privateKey, counter, userHandle: options.user.id });
      return {
        id: b64u(id),
        rawId: b64u(id),
        type: 'public-key',
        clientExtensionResults: {},
        response: {
          clientDataJSON: b64u(clientData('webauthn.create', tamper.challenge ?? options.challenge, tamper.origin ?? defaults.origin)),
          attestationObject: b64u(attestationObject),
          transports: ['internal'],
        },
      };
    },

    authenticate(options: { challenge: string }, credentialId: string, tamper: Tamper = {}): AuthenticationResponseJSON {
      const credential = credentials.get(credentialId);
      if (!credential) throw new Error('no such credential');
      credential.counter = tamper.counter ?? credential.counter + 1;
      const count = Buffer.alloc(4);
      count.writeUInt32BE(credential.counter);
      const authData = Buffer.concat([sha256(tamper.rpId ?? defaults.rpId), Buffer.from([flags(0)]), count]);
      const clientDataJSON = clientData('webauthn.get', tamper.challenge ?? options.challenge, tamper.origin ?? defaults.origin);
      const signature = sign('sha256', Buffer.concat([authData, sha256(clientDataJSON)]), credential.privateKey);
      return {
        id: credentialId,
        rawId: credentialId,
        type: 'public-key',
        clientExtensionResults: {},
        response: {
          clientDataJSON: b64u(clientDataJSON),
          authenticatorData: b64u(authData),
          signature: b64u(signature),
          userHandle: credential.userHandle,
        },
      };
    },
  };
}
