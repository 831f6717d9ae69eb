package io.conduit.core.run;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import io.conduit.api.connection.Secret;

/**
 * Replaces every occurrence of a set of secret values with {@value #MASK}, in bytes (each secret's UTF-8
 * encoding) or in text, as GitHub Actions and Rundeck mask the secrets registered for a job. Immutable and
 * thread safe; a {@link Stream} masks output that arrives in chunks, including a secret split across two
 * chunks.
 *
 * <p>Rules:
 * <ul>
 * <li>Values shorter than {@value #MIN_LENGTH} bytes are not masked: a password {@code a} would otherwise
 * blank every {@code a} of the output, and hide more than it protects. Such a value is also far too weak to
 * be worth hiding.</li>
 * <li>Where secrets overlap at one position, the longest wins; matching resumes after it, so one
 * {@value #MASK} stands for one secret.</li>
 * <li>Only the value's own bytes are found: a host that prints it encoded (base64, hex, JSON-escaped, one
 * character a line) is not caught.</li>
 * <li>When a stream was cut (an output limit), its last bytes that begin a secret are masked too: the rest of
 * the secret may have been dropped with the cut.</li>
 * </ul>
 */
public final class SecretMasker {
    /** What a secret is replaced with. */
    public static final String MASK = "***";
    /** Secrets shorter than this many bytes (UTF-8) are not masked; see the class comment. */
    public static final int MIN_LENGTH = 4;
    /** A masker that masks nothing. */
    public static final SecretMasker NONE = new SecretMasker(List.of());

    private static final byte[] MASK_BYTES = MASK.getBytes(StandardCharsets.US_ASCII);

    /** Longest first, so that the first full match at a position is the longest one. */
    private final List<byte[]> patterns;
    /** The patterns by their first byte (longest first), so that a position is checked only against candidates. */
    private final byte[][][] byFirstByte = new byte[256][][];
    private final List<String> texts;
    private final int longest;

    private SecretMasker(List<byte[]> patterns) {
        this.patterns = patterns;
        for (int b = 0; b < 256; b++) {
            int first = b;
            byFirstByte[b] = patterns.stream().filter(p -> (p[0] & 0xff) == first).toArray(byte[][]::new);
        }
        this.texts = patterns.stream().map(p -> new String(p, StandardCharsets.UTF_8)).toList();
        this.longest = patterns.isEmpty() ? 0 : patterns.get(0).length;
    }

    /**
     * Makes a masker.
     *
     * @param secrets the values to mask; {@code null} elements and values shorter than {@value #MIN_LENGTH}
     *        bytes are ignored
     * @return the masker
     */
    public static SecretMasker of(Collection<Secret> secrets) {
        Set<String> values = new LinkedHashSet<>();
        for (Secret s : secrets) {
            if (s != null && s.reveal().getBytes(StandardCharsets.UTF_8).length >= MIN_LENGTH) {
                values.add(s.reveal());
            }
        }
        List<byte[]> patterns = new ArrayList<>();
        values.forEach(v -> patterns.add(v.getBytes(StandardCharsets.UTF_8)));
        patterns.sort(Comparator.comparingInt((byte[] p) -> p.length).reversed());
        return new SecretMasker(List.copyOf(patterns));
    }

    /** @return whether this masker has nothing to mask */
    public boolean isEmpty() {
        return patterns.isEmpty();
    }

    /**
     * Masks text (an error message, a log line).
     *
     * @param text the text, or {@code null}
     * @return the text with every secret replaced, {@code null} for {@code null}
     */
    public String mask(String text) {
        if (text == null || patterns.isEmpty()) {
            return text;
        }
        String out = text;
        for (String secret : texts) { // longest first, so a secret containing another is replaced whole
            out = out.replace(secret, MASK);
        }
        return out;
    }

    /**
     * Masks a whole output.
     *
     * @param bytes the output
     * @param cut whether the output was cut at a limit (its last bytes that begin a secret are then masked too)
     * @return the masked bytes; the same array when nothing was masked
     */
    public byte[] mask(byte[] bytes, boolean cut) {
        if (patterns.isEmpty()) {
            return bytes;
        }
        Stream stream = stream();
        byte[] head = stream.write(bytes, 0, bytes.length);
        byte[] tail = stream.finish(cut);
        if (tail.length == 0 && head.length == bytes.length && Arrays.equals(head, bytes)) {
            return bytes;
        }
        byte[] out = Arrays.copyOf(head, head.length + tail.length);
        System.arraycopy(tail, 0, out, head.length, tail.length);
        return out;
    }

    /** @return a new streaming masker over these secrets */
    public Stream stream() {
        return new Stream();
    }

    /**
     * Masks one output stream that arrives in chunks. It holds back at most (longest secret - 1) bytes: those
     * at the end of what it was given that could still begin a secret. Not thread safe: one writer.
     */
    public final class Stream {
        private byte[] pending = new byte[0];

        private Stream() {
        }

        /**
         * Masks the next chunk.
         *
         * @param chunk the bytes
         * @param offset where they start
         * @param length how many
         * @return the bytes that are now final (masked), possibly none; held-back bytes come with a later call
         */
        public byte[] write(byte[] chunk, int offset, int length) {
            byte[] data = new byte[pending.length + length];
            System.arraycopy(pending, 0, data, 0, pending.length);
            System.arraycopy(chunk, offset, data, pending.length, length);
            ByteArrayOutputStream out = new ByteArrayOutputStream(data.length);
            int held = scan(data, out, Ending.MORE_TO_COME);
            pending = Arrays.copyOfRange(data, held, data.length);
            return out.toByteArray();
        }

        /**
         * Ends the stream.
         *
         * @param cut whether the stream was cut at a limit: then held-back bytes that begin a secret are masked;
         *        otherwise they are given back as they were (masked where they hold a whole secret), since the
         *        output really ended there
         * @return the last bytes
         */
        public byte[] finish(boolean cut) {
            ByteArrayOutputStream out = new ByteArrayOutputStream(pending.length);
            scan(pending, out, cut ? Ending.CUT : Ending.END);
            pending = new byte[0];
            return out.toByteArray();
        }
    }

    private enum Ending {
        /** More bytes may follow: hold back a tail that could begin a secret. */
        MORE_TO_COME,
        /** The output ended. */
        END,
        /** The output was cut: a tail that begins a secret is masked. */
        CUT
    }

    /**
     * Writes {@code data} masked to {@code out}, up to the tail it holds back.
     *
     * @return where the held-back tail starts ({@code data.length} when none is held)
     */
    private int scan(byte[] data, ByteArrayOutputStream out, Ending ending) {
        int i = 0;
        int plain = 0; // bytes from here to i are passed on as they are, in one write
        scan:
        while (i < data.length) {
            byte[][] candidates = byFirstByte[data[i] & 0xff];
            if (candidates.length == 0) {
                i++;
                continue;
            }
            // a longer secret that may still complete here wins over a shorter one complete already
            if (ending != Ending.END && data.length - i < longest && beginsSecret(data, i)) {
                out.write(data, plain, i - plain);
                if (ending == Ending.MORE_TO_COME) {
                    return i;
                }
                out.write(MASK_BYTES, 0, MASK_BYTES.length);
                return data.length;
            }
            for (byte[] p : candidates) {
                if (matches(data, i, p, p.length)) {
                    out.write(data, plain, i - plain);
                    out.write(MASK_BYTES, 0, MASK_BYTES.length);
                    i += p.length;
                    plain = i;
                    continue scan;
                }
            }
            i++;
        }
        out.write(data, plain, data.length - plain);
        return data.length;
    }

    /** Whether {@code data[from..]} is a proper prefix of some secret. */
    private boolean beginsSecret(byte[] data, int from) {
        int left = data.length - from;
        for (byte[] p : byFirstByte[data[from] & 0xff]) {
            if (p.length > left && matches(data, from, p, left)) {
                return true;
            }
        }
        return false;
    }

    /** Whether {@code data[from..]} starts with the first {@code n} bytes of {@code p}. */
    private static boolean matches(byte[] data, int from, byte[] p, int n) {
        if (from + n > data.length) {
            return false;
        }
        for (int k = 0; k < n; k++) {
            if (data[from + k] != p[k]) {
                return false;
            }
        }
        return true;
    }
}
