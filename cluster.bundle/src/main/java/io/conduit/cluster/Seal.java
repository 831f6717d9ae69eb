package io.conduit.cluster;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;

import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Seals bytes with the cluster key before they leave this member, and opens what comes back. A sealed piece is
 * {@code version (1 byte) | nonce (12 bytes, random) | AES-256-GCM ciphertext and tag (the context as associated
 * data) | HMAC-SHA256 (32 bytes)}, the HMAC taken over the context, the version, the nonce and the ciphertext under
 * the proving key. {@link #open} checks the HMAC first, in constant time, and decrypts only what it proves.
 *
 * <p>The context says what the piece is ({@code work}, {@code answer:...}, {@code record:RUN/KEY}, {@code run:RUN},
 * {@code member:UUID}), so a piece sealed as one thing cannot be handed back as another: it opens only under the
 * context it was sealed with. Thread-safe.
 */
public final class Seal {
    /** The format's version, the first byte of every sealed piece. */
    static final byte VERSION = 1;
    static final int NONCE_BYTES = 12;
    static final int TAG_BITS = 128;
    static final int MAC_BYTES = 32;
    /** Version, nonce, GCM tag and HMAC: what sealing adds to the bytes. */
    public static final int OVERHEAD = 1 + NONCE_BYTES + TAG_BITS / 8 + MAC_BYTES;

    private final SecretKeySpec mac;
    private final SecretKeySpec enc;
    private final SecureRandom random = new SecureRandom();

    /** @param key the cluster key */
    public Seal(ClusterKey key) {
        this.mac = new SecretKeySpec(key.macKey(), "HmacSHA256");
        this.enc = new SecretKeySpec(key.encKey(), "AES");
    }

    /**
     * @param context what the bytes are, e.g. {@code run:RUN}; the same context opens them
     * @param plain the bytes
     * @return the sealed piece, {@link #OVERHEAD} bytes longer
     */
    public byte[] seal(String context, byte[] plain) {
        byte[] ctx = context.getBytes(StandardCharsets.UTF_8);
        byte[] nonce = new byte[NONCE_BYTES];
        random.nextBytes(nonce);
        try {
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(Cipher.ENCRYPT_MODE, enc, new GCMParameterSpec(TAG_BITS, nonce));
            c.updateAAD(ctx);
            byte[] cipher = c.doFinal(plain);
            ByteBuffer out = ByteBuffer.allocate(1 + NONCE_BYTES + cipher.length + MAC_BYTES);
            out.put(VERSION).put(nonce).put(cipher);
            out.put(proof(ctx, VERSION, nonce, cipher));
            return out.array();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is not available in this JDK", e); // every JDK 17 has it
        }
    }

    /**
     * @param context what the bytes must be, as given to {@link #seal}
     * @param sealed a sealed piece
     * @return the bytes sealed
     * @throws SealException the piece does not prove itself under this key and context (another key, a changed
     *         byte, another context), or is not a sealed piece
     */
    public byte[] open(String context, byte[] sealed) throws SealException {
        if (sealed == null || sealed.length < OVERHEAD) {
            throw new SealException(context + ": not a sealed piece");
        }
        if (sealed[0] != VERSION) {
            throw new SealException(context + ": sealed in an unknown format (version " + sealed[0] + ")");
        }
        byte[] ctx = context.getBytes(StandardCharsets.UTF_8);
        byte[] nonce = Arrays.copyOfRange(sealed, 1, 1 + NONCE_BYTES);
        byte[] cipher = Arrays.copyOfRange(sealed, 1 + NONCE_BYTES, sealed.length - MAC_BYTES);
        byte[] given = Arrays.copyOfRange(sealed, sealed.length - MAC_BYTES, sealed.length);
        if (!MessageDigest.isEqual(given, proof(ctx, sealed[0], nonce, cipher))) {
            throw new SealException(context + ": does not prove the cluster key");
        }
        try {
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(Cipher.DECRYPT_MODE, enc, new GCMParameterSpec(TAG_BITS, nonce));
            c.updateAAD(ctx);
            return c.doFinal(cipher);
        } catch (GeneralSecurityException e) {
            // the HMAC held, so only a member holding the key could have made this: a bug, not an attack
            throw new SealException(context + ": proven but could not be decrypted");
        }
    }

    private byte[] proof(byte[] ctx, byte version, byte[] nonce, byte[] cipher) {
        try {
            Mac m = Mac.getInstance("HmacSHA256");
            m.init(mac);
            // the context's length first, so that no (context, ciphertext) pair reads as another
            m.update(ByteBuffer.allocate(4).putInt(ctx.length).array());
            m.update(ctx);
            m.update(version);
            m.update(nonce);
            m.update(cipher);
            return m.doFinal();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HMAC-SHA256 is not available in this JDK", e);
        }
    }
}
