/**
 * DKIM (RFC 6376) with rsa-sha256 and ed25519-sha256 (RFC 8463), JDK cryptography only: canonicalization and
 * the streaming body hash ({@link dev.tern.dkim.BodyHasher}), signing ({@link dev.tern.dkim.DkimSigner}),
 * verification ({@link dev.tern.dkim.DkimVerifier}) with key records fetched through
 * {@link dev.tern.dkim.TxtLookup}, and the signing keys under {@code <data_dir>/dkim/}
 * ({@link dev.tern.dkim.DkimKeys}).
 *
 * <p>It never re-serialises a message: signing returns header fields to put in front of the octets it was
 * given, verification returns one result per signature. It never reads a socket (key lookups go through
 * {@link dev.tern.dkim.TxtLookup}) and never decides policy (what a failed signature means is the caller's).
 */
package dev.tern.dkim;
