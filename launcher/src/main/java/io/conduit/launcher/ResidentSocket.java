package io.conduit.launcher;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;
import java.util.Set;

/**
 * Where a resident Conduit ({@code bin/conduit start}) listens and what its clients and it say to each other.
 * JDK classes only: the client decides whether to attach before anything of the framework is loaded.
 *
 * <p>The socket is {@code DATA/resident/sock} (DATA: {@code CONDUIT_DATA}, else {@code data/} of the home), a Unix
 * domain socket in a folder of mode 0700, the socket itself 0600; both must belong to the user running Conduit.
 *
 * <p>The wire: the client sends one request, {@code int length} then that many bytes ({@link Request}); then, while
 * the command runs, {@link #INTERRUPT} bytes for Ctrl-C. The resident answers with frames: {@code byte kind, int
 * length, bytes}: {@link #STDOUT}, {@link #STDERR}, then one {@link #EXIT} (4 bytes: the status) or one
 * {@link #DECLINED} (a UTF-8 reason: the client runs the command itself).
 */
final class ResidentSocket {
    static final int MAGIC = 0x434e4431; // "CND1"
    static final byte OP_WORDS = 'R';
    static final byte OP_LINE = 'L';
    static final byte OP_STATUS = 'S';
    static final byte OP_STOP = 'Q';
    static final byte STDOUT = 'O';
    static final byte STDERR = 'E';
    static final byte EXIT = 'X';
    static final byte DECLINED = 'D';
    static final byte INTERRUPT = 'I';
    /** The longest path a Unix domain socket address holds on Linux (sun_path, 108 bytes with its NUL). */
    static final int MAX_PATH = 107;
    private static final Set<PosixFilePermission> OWNER_ONLY_DIR = PosixFilePermissions.fromString("rwx------");
    static final Set<PosixFilePermission> OWNER_ONLY_FILE = PosixFilePermissions.fromString("rw-------");

    private final Path dir;

    ResidentSocket(Path data) {
        this.dir = data.resolve("resident");
    }

    Path dir() {
        return dir;
    }

    Path socket() {
        return dir.resolve("sock");
    }

    Path pidFile() {
        return dir.resolve("pid");
    }

    Path log(Path logDir) {
        return logDir.resolve("resident.log");
    }

    /**
     * Why this folder or socket must not be used, or empty when it may: it must belong to the user running
     * Conduit and let nobody else in (folder 0700, socket 0600).
     *
     * @return the reason, for an operator, or empty
     */
    Optional<String> unsafe() {
        try {
            if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
                return Optional.empty(); // nothing yet: start creates it
            }
            Optional<String> d = unsafe(dir, "folder", "0700", OWNER_ONLY_DIR);
            if (d.isPresent() || !Files.exists(socket(), LinkOption.NOFOLLOW_LINKS)) {
                return d;
            }
            return unsafe(socket(), "socket", "0600", OWNER_ONLY_FILE);
        } catch (IOException | UnsupportedOperationException e) {
            return Optional.of("cannot check the owner and mode of " + dir + ": " + e.getMessage());
        }
    }

    private static Optional<String> unsafe(Path p, String what, String mode, Set<PosixFilePermission> allowed)
            throws IOException {
        int owner = (Integer) Files.getAttribute(p, "unix:uid", LinkOption.NOFOLLOW_LINKS);
        long me = new com.sun.security.auth.module.UnixSystem().getUid();
        if (owner != me) {
            return Optional.of("the resident Conduit's " + what + " " + p + " belongs to user id " + owner
                    + ", not to you (" + me + "); remove it, then run conduit start");
        }
        Set<PosixFilePermission> perms = Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS);
        if (!allowed.containsAll(perms)) {
            return Optional.of("the resident Conduit's " + what + " " + p + " has mode "
                    + PosixFilePermissions.toString(perms) + "; it must be " + mode + " (only you): chmod "
                    + mode.substring(1) + " " + p + ", or remove it and run conduit start");
        }
        return Optional.empty();
    }

    /** Creates the folder 0700 (or checks the one there). */
    void prepare() throws IOException {
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            Files.createDirectories(dir.getParent());
            try {
                Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(OWNER_ONLY_DIR));
            } catch (java.nio.file.FileAlreadyExistsException e) {
                // another start at the same time: checked below
            }
            Files.setPosixFilePermissions(dir, OWNER_ONLY_DIR); // the umask may have taken bits away, never added
        }
        Optional<String> problem = unsafe();
        if (problem.isPresent()) {
            throw new IOException(problem.get());
        }
        if (socket().toString().getBytes(StandardCharsets.UTF_8).length > MAX_PATH) {
            throw new IOException("the socket path " + socket() + " is longer than a Unix socket allows ("
                    + MAX_PATH + " bytes); set CONDUIT_DATA to a shorter folder");
        }
    }

    /**
     * Connects to the resident Conduit, when one listens and the folder is safe.
     *
     * @return the connected channel, or empty: none runs (a socket left by a killed one included)
     */
    Optional<SocketChannel> connect() {
        Path sock = socket();
        if (!Files.exists(sock, LinkOption.NOFOLLOW_LINKS)
                || sock.toString().getBytes(StandardCharsets.UTF_8).length > MAX_PATH) {
            return Optional.empty();
        }
        SocketChannel ch = null;
        try {
            ch = SocketChannel.open(StandardProtocolFamily.UNIX);
            ch.connect(UnixDomainSocketAddress.of(sock));
            return Optional.of(ch);
        } catch (IOException | UnsupportedOperationException e) {
            closeQuietly(ch);
            return Optional.empty();
        }
    }

    /** The pid the resident wrote, when its process still lives. */
    Optional<ProcessHandle> process() {
        try {
            long pid = Long.parseLong(Files.readString(pidFile()).trim());
            return ProcessHandle.of(pid).filter(ProcessHandle::isAlive);
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    /** Removes a socket and pid file a killed resident left behind. */
    void removeStale() throws IOException {
        Files.deleteIfExists(socket());
        Files.deleteIfExists(pidFile());
    }

    static void closeQuietly(java.io.Closeable c) {
        if (c != null) {
            try {
                c.close();
            } catch (IOException e) {
                // nothing left to release
            }
        }
    }

    // ---- the wire ----

    /**
     * What a client asks.
     *
     * @param op {@link #OP_WORDS}, {@link #OP_LINE}, {@link #OP_STATUS} or {@link #OP_STOP}
     * @param words the command's words, or the line alone
     * @param cwd the client's working directory, absolute
     * @param tty whether the client's standard output is a terminal
     * @param env the client's environment
     */
    record Request(byte op, String[] words, String cwd, boolean tty, java.util.Map<String, String> env) {
        byte[] encode() throws IOException {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            DataOutputStream out = new DataOutputStream(bytes);
            out.writeInt(MAGIC);
            out.writeByte(op);
            out.writeInt(words.length);
            for (String w : words) {
                string(out, w);
            }
            string(out, cwd);
            out.writeBoolean(tty);
            out.writeInt(env.size());
            for (var e : env.entrySet()) {
                string(out, e.getKey());
                string(out, e.getValue());
            }
            out.flush();
            byte[] body = bytes.toByteArray();
            return ByteBuffer.allocate(4 + body.length).putInt(body.length).put(body).array();
        }

        static Request decode(InputStream in) throws IOException {
            DataInputStream data = new DataInputStream(in);
            int length = data.readInt();
            if (length < 0 || length > 64 << 20) {
                throw new IOException("a request of " + length + " bytes");
            }
            DataInputStream body = new DataInputStream(new java.io.ByteArrayInputStream(data.readNBytes(length)));
            if (body.readInt() != MAGIC) {
                throw new IOException("not a Conduit client");
            }
            byte op = body.readByte();
            String[] words = new String[body.readInt()];
            for (int i = 0; i < words.length; i++) {
                words[i] = string(body);
            }
            String cwd = string(body);
            boolean tty = body.readBoolean();
            int n = body.readInt();
            java.util.Map<String, String> env = new java.util.HashMap<>();
            for (int i = 0; i < n; i++) {
                env.put(string(body), string(body));
            }
            return new Request(op, words, cwd, tty, env);
        }

        private static void string(DataOutputStream out, String s) throws IOException {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            out.writeInt(b.length);
            out.write(b);
        }

        private static String string(DataInputStream in) throws IOException {
            int n = in.readInt();
            if (n < 0) {
                throw new EOFException();
            }
            return new String(in.readNBytes(n), StandardCharsets.UTF_8);
        }
    }

    /** Reads a channel as a stream without Channels.newInputStream's lock, which a concurrent write would wait on. */
    static InputStream input(SocketChannel ch) {
        return new InputStream() {
            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                return len == 0 ? 0 : ch.read(ByteBuffer.wrap(b, off, len));
            }
        };
    }

    /** Writes all of a buffer (a blocking channel may write a part). */
    static void writeFully(SocketChannel ch, ByteBuffer buffer) throws IOException {
        while (buffer.hasRemaining()) {
            ch.write(buffer);
        }
    }

    static ByteBuffer frame(byte kind, byte[] data, int off, int len) {
        return ByteBuffer.allocate(5 + len).put(kind).putInt(len).put(data, off, len).flip();
    }
}
