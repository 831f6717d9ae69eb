package io.conduit.ssh.agent;

import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * A client of a running ssh-agent over its UNIX-domain socket ({@code SSH_AUTH_SOCK}), speaking the agent protocol
 * of draft-miller-ssh-agent ("SSH Agent Protocol", the protocol of OpenSSH's ssh-agent): it lists the agent's keys
 * ({@value #SSH2_AGENTC_REQUEST_IDENTITIES}) and asks it to sign ({@value #SSH2_AGENTC_SIGN_REQUEST}). Private keys
 * never leave the agent; this class sees public key blobs, comments and signatures only, and neither logs nor
 * shows any of them.
 *
 * <p>One connection, one request at a time (requests are serialized). Every request must be answered within the
 * timeout given to {@link #connect}; {@link #close()} from another thread ends a request in progress with an
 * {@link IOException}. Needs Java 16+ (UNIX-domain {@link SocketChannel}); no native library.
 */
public final class AgentClient implements Closeable {
    /** Answer: the request failed (draft-miller-ssh-agent section 3.1). */
    public static final int SSH_AGENT_FAILURE = 5;
    /** Request: list the keys (draft-miller-ssh-agent section 4.4). */
    public static final int SSH2_AGENTC_REQUEST_IDENTITIES = 11;
    /** Answer to {@link #SSH2_AGENTC_REQUEST_IDENTITIES}: count, then key blob and comment per key. */
    public static final int SSH2_AGENT_IDENTITIES_ANSWER = 12;
    /** Request: sign data with a key (draft-miller-ssh-agent section 4.5). */
    public static final int SSH2_AGENTC_SIGN_REQUEST = 13;
    /** Answer to {@link #SSH2_AGENTC_SIGN_REQUEST}: the signature. */
    public static final int SSH2_AGENT_SIGN_RESPONSE = 14;
    /** Answer: an extension request failed (OpenSSH; treated like {@link #SSH_AGENT_FAILURE}). */
    public static final int SSH_AGENT_EXTENSION_FAILURE = 28;
    /** Sign flag: an RSA key signs with {@code rsa-sha2-256} (RFC 8332) instead of SHA-1 {@code ssh-rsa}. */
    public static final int SSH_AGENT_RSA_SHA2_256 = 2;
    /** Sign flag: an RSA key signs with {@code rsa-sha2-512} (RFC 8332). */
    public static final int SSH_AGENT_RSA_SHA2_512 = 4;
    /** Longest message accepted from the agent, in bytes: OpenSSH's AGENT_MAX_LEN (256 KiB). */
    public static final int MAX_MESSAGE_LENGTH = 256 * 1024;

    /**
     * One key the agent holds.
     *
     * @param blob the public key in SSH wire format (RFC 4253 section 6.6); never the private key
     * @param comment the comment the key was added with (often its file name), possibly empty
     */
    public record Identity(byte[] blob, String comment) {
        /** Copies the blob. */
        public Identity {
            blob = blob.clone();
            Objects.requireNonNull(comment, "comment");
        }

        /**
         * The key type, the first string of the blob.
         *
         * @return e.g. {@code ssh-ed25519}, {@code ssh-rsa}, or {@code unknown} when the blob is malformed
         */
        public String type() {
            try {
                ByteBuffer b = ByteBuffer.wrap(blob);
                return new String(string(b), StandardCharsets.US_ASCII);
            } catch (IOException e) {
                return "unknown";
            }
        }

        /** @return a copy of the public key blob */
        @Override
        public byte[] blob() {
            return blob.clone();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Identity i && Arrays.equals(blob, i.blob) && comment.equals(i.comment);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(blob) * 31 + comment.hashCode();
        }

        /** The type and comment only. */
        @Override
        public String toString() {
            return "Identity[" + type() + ", " + comment + "]";
        }
    }

    /**
     * A signature made by the agent (RFC 4253 section 6.6 signature encoding, split).
     *
     * @param algorithm the signature algorithm, e.g. {@code ssh-ed25519} or {@code rsa-sha2-512}
     * @param bytes the signature itself, without the algorithm name
     */
    public record Signature(String algorithm, byte[] bytes) {
        /** Copies the bytes. */
        public Signature {
            Objects.requireNonNull(algorithm, "algorithm");
            bytes = bytes.clone();
        }

        /** @return a copy of the signature bytes */
        @Override
        public byte[] bytes() {
            return bytes.clone();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Signature s && algorithm.equals(s.algorithm) && Arrays.equals(bytes, s.bytes);
        }

        @Override
        public int hashCode() {
            return algorithm.hashCode() * 31 + Arrays.hashCode(bytes);
        }

        /** The algorithm and length only. */
        @Override
        public String toString() {
            return "Signature[" + algorithm + ", " + bytes.length + " bytes]";
        }
    }

    private final Path socket;
    private final Duration timeout;
    private final SocketChannel channel;
    private final Selector selector;
    private final SelectionKey key;
    private volatile boolean closed;

    private AgentClient(Path socket, Duration timeout, SocketChannel channel, Selector selector, SelectionKey key) {
        this.socket = socket;
        this.timeout = timeout;
        this.channel = channel;
        this.selector = selector;
        this.key = key;
    }

    /**
     * Connects to the agent listening on a UNIX-domain socket.
     *
     * @param socket the socket file, as in {@code SSH_AUTH_SOCK}
     * @param timeout how long the connection and each later request may take; positive
     * @return the connected client; close it
     * @throws IOException the socket cannot be reached: the message names the path and the reason (no such file,
     *         connection refused because no agent listens any more, permission denied) and asks whether ssh-agent
     *         is running
     */
    public static AgentClient connect(Path socket, Duration timeout) throws IOException {
        Objects.requireNonNull(socket, "socket");
        if (timeout.isZero() || timeout.isNegative()) {
            throw new IllegalArgumentException("timeout must be positive: " + timeout);
        }
        SocketChannel ch = null;
        Selector sel = null;
        try {
            ch = SocketChannel.open(StandardProtocolFamily.UNIX);
            ch.configureBlocking(false);
            sel = Selector.open();
            SelectionKey k = ch.register(sel, SelectionKey.OP_CONNECT);
            if (!ch.connect(UnixDomainSocketAddress.of(socket))) {
                long deadline = System.nanoTime() + timeout.toNanos();
                while (!ch.finishConnect()) {
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        throw new SocketTimeoutException("no connection within " + timeout.toMillis() + " ms");
                    }
                    sel.select(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
                    sel.selectedKeys().clear();
                }
            }
            k.interestOps(0);
            return new AgentClient(socket, timeout, ch, sel, k);
        } catch (IOException | RuntimeException e) {
            closeQuietly(ch);
            closeQuietly(sel);
            throw new IOException(unreachable(socket, e), e);
        }
    }

    /**
     * Says why a socket cannot be reached, naming it.
     *
     * @param socket the agent socket
     * @param e what connecting threw
     * @return e.g. {@code ssh-agent socket /tmp/a.sock cannot be reached (no such file); is ssh-agent running?}
     */
    static String unreachable(Path socket, Throwable e) {
        String why;
        if (!Files.exists(socket)) {
            why = "no such file";
        } else if (Files.isRegularFile(socket)) {
            why = "a regular file, not a socket";
        } else {
            String m = e.getMessage();
            why = m == null || m.isBlank() ? e.getClass().getSimpleName() : m;
        }
        return "ssh-agent socket " + socket + " cannot be reached (" + why + "); is ssh-agent running?";
    }

    /** @return the socket this client is connected to */
    public Path socket() {
        return socket;
    }

    /**
     * Lists the agent's keys ({@value #SSH2_AGENTC_REQUEST_IDENTITIES}, answered by
     * {@value #SSH2_AGENT_IDENTITIES_ANSWER}).
     *
     * @return the keys in the agent's order (the order they were added), possibly none
     * @throws IOException the agent failed, answered something else, took longer than the timeout, or the
     *         connection was closed
     */
    public List<Identity> identities() throws IOException {
        ByteBuffer answer = request(SSH2_AGENTC_REQUEST_IDENTITIES, new byte[0], SSH2_AGENT_IDENTITIES_ANSWER,
                "list its keys");
        long n = Integer.toUnsignedLong(int32(answer));
        if (n > MAX_MESSAGE_LENGTH / 8) {
            throw new IOException("ssh-agent at " + socket + " announced " + n + " keys; not an agent answer");
        }
        List<Identity> out = new ArrayList<>((int) n);
        for (long i = 0; i < n; i++) {
            byte[] blob = string(answer);
            String comment = new String(string(answer), StandardCharsets.UTF_8);
            out.add(new Identity(blob, comment));
        }
        return List.copyOf(out);
    }

    /**
     * Asks the agent to sign ({@value #SSH2_AGENTC_SIGN_REQUEST}, answered by {@value #SSH2_AGENT_SIGN_RESPONSE}).
     *
     * @param blob the public key blob, as {@link Identity#blob()} gave it
     * @param data the data to sign (for user authentication: the RFC 4252 section 7 signed content)
     * @param flags {@code 0}, or for RSA keys {@link #SSH_AGENT_RSA_SHA2_256} or {@link #SSH_AGENT_RSA_SHA2_512}
     * @return the signature
     * @throws IOException the agent refused ({@value #SSH_AGENT_FAILURE}: key removed meanwhile, confirmation
     *         denied, key locked), answered something else, took longer than the timeout, or the connection was
     *         closed
     */
    public Signature sign(byte[] blob, byte[] data, int flags) throws IOException {
        ByteBuffer body = ByteBuffer.allocate(4 + blob.length + 4 + data.length + 4);
        body.putInt(blob.length).put(blob).putInt(data.length).put(data).putInt(flags);
        ByteBuffer answer = request(SSH2_AGENTC_SIGN_REQUEST, body.array(), SSH2_AGENT_SIGN_RESPONSE,
                "sign with its " + new Identity(blob, "").type() + " key");
        ByteBuffer sig = ByteBuffer.wrap(string(answer));
        String algorithm = new String(string(sig), StandardCharsets.US_ASCII);
        return new Signature(algorithm, string(sig));
    }

    private synchronized ByteBuffer request(int type, byte[] body, int expected, String what) throws IOException {
        if (closed) {
            throw new IOException("connection to ssh-agent at " + socket + " is closed");
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        ByteBuffer out = ByteBuffer.allocate(4 + 1 + body.length);
        out.putInt(1 + body.length).put((byte) type).put(body).flip();
        transfer(out, true, deadline, what);
        ByteBuffer len = ByteBuffer.allocate(4);
        transfer(len, false, deadline, what);
        int n = len.flip().getInt();
        if (n < 1 || n > MAX_MESSAGE_LENGTH) {
            throw new IOException("ssh-agent at " + socket + " sent a message of " + Integer.toUnsignedLong(n)
                    + " bytes; not an agent answer");
        }
        ByteBuffer in = ByteBuffer.allocate(n);
        transfer(in, false, deadline, what);
        in.flip();
        int answer = in.get() & 0xff;
        if (answer == expected) {
            return in;
        }
        if (answer == SSH_AGENT_FAILURE || answer == SSH_AGENT_EXTENSION_FAILURE) {
            throw new IOException("ssh-agent at " + socket + " refused to " + what);
        }
        throw new IOException("ssh-agent at " + socket + " answered message " + answer + " instead of " + expected
                + " when asked to " + what);
    }

    private void transfer(ByteBuffer b, boolean write, long deadline, String what) throws IOException {
        try {
            while (b.hasRemaining()) {
                int n = write ? channel.write(b) : channel.read(b);
                if (n < 0) {
                    throw new EOFException("ssh-agent at " + socket + " closed the connection when asked to " + what);
                }
                if (n == 0) {
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        throw new SocketTimeoutException("ssh-agent at " + socket + " did not answer within "
                                + timeout.toMillis() + " ms when asked to " + what
                                + " (does the key need a confirmation?)");
                    }
                    key.interestOps(write ? SelectionKey.OP_WRITE : SelectionKey.OP_READ);
                    selector.select(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
                    selector.selectedKeys().clear();
                }
            }
        } catch (ClosedSelectorException | ClosedChannelException | java.nio.channels.CancelledKeyException e) {
            throw new IOException("connection to ssh-agent at " + socket + " was closed while asking it to " + what,
                    e);
        }
    }

    /** @return whether {@link #close()} was not called yet and the connection is up */
    public boolean isOpen() {
        return !closed && channel.isOpen();
    }

    /** Closes the connection; a request in progress on another thread fails. Idempotent. */
    @Override
    public void close() {
        closed = true;
        selector.wakeup();
        closeQuietly(channel);
        closeQuietly(selector);
    }

    @Override
    public String toString() {
        return "AgentClient[" + socket + "]";
    }

    private static int int32(ByteBuffer b) throws IOException {
        if (b.remaining() < 4) {
            throw new IOException("truncated ssh-agent message");
        }
        return b.getInt();
    }

    /** Reads an RFC 4251 {@code string}: uint32 length, then the bytes. */
    static byte[] string(ByteBuffer b) throws IOException {
        int n = int32(b);
        if (n < 0 || n > b.remaining()) {
            throw new IOException("truncated ssh-agent message");
        }
        byte[] out = new byte[n];
        b.get(out);
        return out;
    }

    private static void closeQuietly(Closeable c) {
        if (c != null) {
            try {
                c.close();
            } catch (IOException e) {
                // nothing left to release
            }
        }
    }
}
