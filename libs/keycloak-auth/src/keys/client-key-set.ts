import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Clock, systemClock } from '../core/clock';
import { addClientKey, CLIENT_KEY_SUFFIX, ClientKey, readClientKeys } from './client-key-file';

/** Where this service's signing keys for `private_key_jwt` come from (option `clientAuth.keys`). */
export interface ClientKeysOptions {
  /** Folder of key files (`<kid>.key.json`, made by `addClientKey` or the keys CLI); every one is published. */
  dir: string;
  /** When the folder is missing or holds no key, make one there (the dev stack). Default false: refuse to start. */
  generate?: boolean;
  /**
   * Seconds a new key is published before it signs. Keycloak reads a client's JWKS URL at first use and again for
   * an unknown `kid` only about 10 s after its previous read: a key signs only once Keycloak has certainly seen
   * it or will fetch it. Must exceed 10 s + `reloadIntervalSec` + the JWKS answer's max-age. Default 30.
   */
  activationDelaySec?: number;
  /** Seconds the folder's contents are reused before it is read again (a key added or removed shows then). Default 5. */
  reloadIntervalSec?: number;
}

/** What a JWKS document holds (RFC 7517 §5). */
export interface PublishedJwks {
  keys: ClientKey['publicJwk'][];
}

/**
 * This service's key pairs for signed-JWT client authentication (RFC 7523 §2.2), read from one folder that every
 * replica shares. All of them are published (`jwks()`); the one that signs is the newest that has been in the
 * folder for `activationDelaySec`, or the oldest when none has (a first key signs at once: there is no other).
 * Rotation is therefore: add a key, wait, retire the old one — no call to Keycloak. The folder is re-read at most
 * every `reloadIntervalSec`, when a key is asked for, so there is no timer to stop.
 */
export class ClientKeySet {
  private keys: ClientKey[];
  private readAt: number;
  private signing?: string;
  readonly activationDelayMs: number;
  readonly reloadIntervalMs: number;

  constructor(
    readonly options: ClientKeysOptions,
    private readonly clock: Clock = systemClock,
    /** Told when the signing key changes and when the folder cannot be re-read (kids only, never key material). */
    private readonly log: (message: string) => void = () => undefined,
  ) {
    this.activationDelayMs = (options.activationDelaySec ?? 30) * 1000;
    this.reloadIntervalMs = (options.reloadIntervalSec ?? 5) * 1000;
    if (options.generate && (!existsSync(options.dir) || readClientKeys(options.dir).length === 0)) {
      const kid = addClientKey(options.dir, 'ES256', new Date(clock.now()));
      log(`made a new client key ${kid} in ${options.dir}`);
    }
    this.keys = readClientKeys(options.dir);
    if (this.keys.length === 0) throw new Error(`${options.dir} holds no key (*.key.json)`);
    this.readAt = clock.now();
  }

  /** The key that signs now (see the class). */
  signingKey(): ClientKey {
    const now = this.clock.now();
    const keys = this.current(now);
    const active = keys.filter((k) => k.created + this.activationDelayMs <= now);
    const key = active.at(-1) ?? keys[0];
    if (key.kid !== this.signing) {
      this.log(`client key ${key.kid} signs from now on (${keys.length} published)`);
      this.signing = key.kid;
    }
    return key;
  }

  /** The public keys to publish at this service's JWKS URL. */
  jwks(): PublishedJwks {
    return { keys: this.current(this.clock.now()).map((k) => k.publicJwk) };
  }

  /** The folder's keys, re-read when the last read is older than the reload interval. */
  private current(now: number): ClientKey[] {
    if (now - this.readAt < this.reloadIntervalMs) return this.keys;
    this.readAt = now;
    try {
      const keys = readClientKeys(this.options.dir);
      // An emptied folder (every key retired by mistake) must not stop the service: it keeps what it had.
      if (keys.length === 0)
        this.log(`${this.options.dir} holds no key any more; keeping the last ones read`);
      else this.keys = keys;
    } catch (error) {
      this.log(
        `${this.options.dir} could not be re-read (${(error as Error).message}); keeping the last keys read`,
      );
    }
    return this.keys;
  }
}

/**
 * The last step of a rotation: deletes every key in `dir` older than the one that signs now, and returns their
 * kids. Refuses while the newest key does not sign yet (its `activationDelaySec` has not passed): the old key is
 * still the one in use then.
 */
export function retireClientKeys(dir: string, activationDelaySec = 30, now = Date.now()): string[] {
  const keys = readClientKeys(dir);
  const newest = keys.at(-1);
  if (newest === undefined) throw new Error(`${dir} holds no key (*.key.json)`);
  const from = newest.created + activationDelaySec * 1000;
  if (from > now)
    throw new Error(`key ${newest.kid} signs only from ${new Date(from).toISOString()}: retire after then`);
  const old = keys.slice(0, -1);
  for (const key of old) rmSync(join(dir, `${key.kid}${CLIENT_KEY_SUFFIX}`));
  return old.map((k) => k.kid);
}
