package io.conduit.ssh.hostkey;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

import org.apache.sshd.client.config.hosts.KnownHostDigest;
import org.apache.sshd.client.config.hosts.KnownHostEntry;
import org.apache.sshd.client.config.hosts.KnownHostHashValue;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.apache.sshd.common.config.keys.PublicKeyEntryResolver;
import org.apache.sshd.common.mac.Mac;
import org.apache.sshd.common.util.security.SecurityUtils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An OpenSSH {@code known_hosts} file: plain, hashed ({@code |1|salt|hash}) and {@code [host]:port} entries,
 * {@code @revoked} markers. Lookups use a parsed snapshot that is re-read when the file's size or modification
 * time changes, so a fleet connecting at once parses the file once.
 *
 * <p>Writers never corrupt the file: {@link #add} takes a lock (in this JVM per path, across processes a
 * {@code known_hosts.lock} file lock), re-reads the current file, appends only when no other writer recorded the
 * host meanwhile, writes everything to a temporary file in the same directory, forces it to disk and renames it
 * over the old one atomically. Readers thus see the old or the new file, never half of one.
 */
public final class KnownHosts {
    private static final Logger LOG = LoggerFactory.getLogger(KnownHosts.class);
    /** One lock per file in this JVM: FileLock alone cannot exclude threads of the same process. */
    private static final ConcurrentHashMap<Path, ReentrantLock> LOCKS = new ConcurrentHashMap<>();
    private static final Duration LOCK_WAIT = Duration.ofSeconds(30);
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Path file;
    private volatile Snapshot snapshot = new Snapshot(-1, -1, List.of());

    /**
     * One usable line of the file.
     *
     * @param line the 1-based line number
     * @param entry the parsed entry
     */
    public record Line(int line, KnownHostEntry entry) {
        /** @return whether the line is marked {@code @revoked} */
        public boolean revoked() {
            return "revoked".equals(entry.getMarker());
        }

        /** @return whether the line is a plain host key (no {@code @cert-authority} or other marker) */
        public boolean plain() {
            return entry.getMarker() == null;
        }

        /** @return the key type written on the line, e.g. {@code ssh-ed25519} */
        public String keyType() {
            return entry.getKeyEntry().getKeyType();
        }

        /**
         * Decodes the line's key.
         *
         * @return the key, or {@code null} when it cannot be decoded (unsupported type)
         */
        public PublicKey key() {
            try {
                return entry.getKeyEntry().resolvePublicKey(null, Collections.emptyMap(),
                        PublicKeyEntryResolver.IGNORING);
            } catch (IOException | java.security.GeneralSecurityException | RuntimeException e) {
                return null;
            }
        }
    }

    /**
     * A parsed file. Plain entries without wildcards are indexed by their exact pattern ({@code host} or
     * {@code [host]:port}), so a fleet of 500 hosts does not scan 500 lines per lookup; hashed, wildcard and
     * negated entries are checked one by one.
     */
    private record Snapshot(long size, long modified, List<Line> lines, Map<String, List<Line>> exact,
            List<Line> others) {
        Snapshot(long size, long modified, List<Line> lines) {
            this(size, modified, lines, new HashMap<>(), new ArrayList<>());
            for (Line l : lines) {
                String field = hostField(l.entry.getConfigLine(), l.entry.getMarker() != null);
                if (l.entry.getHashedEntry() != null || field == null || field.contains("*") || field.contains("?")
                        || field.contains("!")) {
                    others.add(l);
                    continue;
                }
                for (String pattern : field.split(",")) {
                    String p = pattern.toLowerCase(Locale.ROOT);
                    if (p.startsWith("[") && p.endsWith("]:22")) {
                        p = p.substring(1, p.length() - 4); // [host]:22 is the host on the default port
                    }
                    exact.computeIfAbsent(p, k -> new ArrayList<>(1)).add(l);
                }
            }
        }

        private static String hostField(String line, boolean marker) {
            String[] parts = line.trim().split("\\s+");
            int i = marker ? 1 : 0;
            return parts.length > i ? parts[i] : null;
        }
    }

    /** @param file the known_hosts file (need not exist yet) */
    public KnownHosts(Path file) {
        this.file = file.toAbsolutePath().normalize();
    }

    /** @return the file */
    public Path file() {
        return file;
    }

    /**
     * Finds the lines for a host.
     *
     * @param host the host name or address as the inventory gives it
     * @param port the port; entries are looked up as {@code [host]:port} when it is not 22
     * @return the matching lines, in file order
     * @throws IOException the file cannot be read
     */
    public List<Line> lookup(String host, int port) throws IOException {
        Snapshot s = current();
        List<Line> out = new ArrayList<>();
        for (Line l : s.exact.getOrDefault(KnownHostHashValue.createHostPattern(host, port).toLowerCase(Locale.ROOT),
                List.of())) {
            if (l.entry.isHostMatch(host, port)) {
                out.add(l);
            }
        }
        for (Line l : s.others) {
            if (l.entry.isHostMatch(host, port)) {
                out.add(l);
            }
        }
        out.sort(java.util.Comparator.comparingInt(Line::line));
        return out;
    }

    /**
     * Records a host key, unless an entry for the host with that key is already there.
     *
     * @param host the host
     * @param port its port
     * @param key the key to record
     * @param hashed write the host hashed like {@code HashKnownHosts yes}
     * @return the line number of the new (or already present) entry
     * @throws IOException the file could not be written; it is then unchanged
     */
    public int add(String host, int port, PublicKey key, boolean hashed) throws IOException {
        ReentrantLock lock = LOCKS.computeIfAbsent(file, f -> new ReentrantLock());
        try {
            if (!lock.tryLock(LOCK_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new IOException(file + ": could not lock for writing within " + LOCK_WAIT.toSeconds() + "s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(file + ": interrupted while waiting to write", e);
        }
        try {
            Files.createDirectories(file.getParent());
            try (FileChannel lockChannel = FileChannel.open(file.resolveSibling(file.getFileName() + ".lock"),
                    StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                    FileLock ignored = processLock(lockChannel)) {
                return addLocked(host, port, key, hashed);
            }
        } finally {
            lock.unlock();
        }
    }

    private int addLocked(String host, int port, PublicKey key, boolean hashed) throws IOException {
        snapshot = read(); // another process may have written since our last look
        for (Line l : snapshot.lines) {
            if (l.plain() && l.entry.isHostMatch(host, port) && KeyUtils.compareKeys(key, l.key())) {
                return l.line;
            }
        }
        byte[] old = exists() ? Files.readAllBytes(file) : new byte[0];
        String entry = entryLine(host, port, key, hashed);
        boolean needsNewline = old.length > 0 && old[old.length - 1] != '\n';
        Path tmp = file.resolveSibling("." + file.getFileName() + "." + Long.toUnsignedString(RANDOM.nextLong(), 36)
                + ".tmp");
        try {
            try (FileChannel out = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                ByteBuffer all = ByteBuffer.allocate(old.length + entry.length() * 2 + 2);
                all.put(old);
                if (needsNewline) {
                    all.put((byte) '\n');
                }
                all.put((entry + "\n").getBytes(StandardCharsets.UTF_8));
                all.flip();
                while (all.hasRemaining()) {
                    out.write(all);
                }
                out.force(true);
            }
            copyPermissions(tmp);
            try {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
        snapshot = read();
        int line = snapshot.lines.isEmpty() ? 1 : snapshot.lines.get(snapshot.lines.size() - 1).line;
        LOG.info("{}:{}: recorded {} key {} for {}", file, line, KeyUtils.getKeyType(key),
                KeyUtils.getFingerPrint(key), KnownHostHashValue.createHostPattern(host, port));
        return line;
    }

    /**
     * Formats the known_hosts line for a host key.
     *
     * @param host the host
     * @param port the port
     * @param key the key
     * @param hashed hash the host part
     * @return the line, without newline
     * @throws IOException the key cannot be encoded
     */
    public static String entryLine(String host, int port, PublicKey key, boolean hashed) throws IOException {
        StringBuilder sb = new StringBuilder();
        if (hashed) {
            byte[] salt = new byte[20];
            RANDOM.nextBytes(salt);
            try {
                Mac mac = KnownHostDigest.SHA1.create();
                byte[] digest = KnownHostHashValue.calculateHashValue(host, port, mac, salt);
                KnownHostHashValue.append(sb, KnownHostDigest.SHA1, salt, digest); // |1|salt|hash
            } catch (IOException e) {
                throw e;
            } catch (Exception e) {
                throw new IOException("cannot hash host name " + host + ": " + e.getMessage(), e);
            }
        } else {
            sb.append(KnownHostHashValue.createHostPattern(host, port));
        }
        sb.append(' ');
        PublicKeyEntry.appendPublicKeyEntry(sb, key);
        return sb.toString();
    }

    private boolean exists() {
        return Files.isRegularFile(file);
    }

    private static FileLock processLock(FileChannel channel) throws IOException {
        long deadline = System.nanoTime() + LOCK_WAIT.toNanos();
        // bounded: the lock file is held only for the few milliseconds of a rewrite; another bundle version
        // in this JVM (an upgrade in progress) shows up as OverlappingFileLockException
        for (int attempt = 0; ; attempt++) {
            try {
                FileLock lock = channel.tryLock();
                if (lock != null) {
                    return lock;
                }
            } catch (OverlappingFileLockException e) {
                // held by another class loader's copy of this class in this JVM
            }
            if (System.nanoTime() > deadline) {
                throw new IOException("could not lock " + channel + " within " + LOCK_WAIT.toSeconds() + "s");
            }
            try {
                Thread.sleep(Math.min(50, 1 + attempt)); // nothing signals a file lock's release: poll with a deadline
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while locking known_hosts", e);
            }
        }
    }

    private void copyPermissions(Path tmp) {
        try {
            Set<PosixFilePermission> perms = exists() ? Files.getPosixFilePermissions(file)
                    : PosixFilePermissions.fromString("rw-r--r--");
            Files.setPosixFilePermissions(tmp, perms);
        } catch (IOException | UnsupportedOperationException e) {
            LOG.debug("cannot copy permissions to {}: {}", tmp, e.toString());
        }
    }

    private Snapshot current() throws IOException {
        Snapshot s = snapshot;
        BasicFileAttributes attrs;
        try {
            attrs = Files.readAttributes(file, BasicFileAttributes.class);
        } catch (NoSuchFileException e) {
            return s.size == -1 && s.modified == -1 ? s : (snapshot = new Snapshot(-1, -1, List.of()));
        }
        if (attrs.size() == s.size && attrs.lastModifiedTime().toMillis() == s.modified) {
            return s;
        }
        Snapshot fresh = read();
        snapshot = fresh;
        return fresh;
    }

    private Snapshot read() throws IOException {
        BasicFileAttributes attrs;
        List<String> text;
        try {
            attrs = Files.readAttributes(file, BasicFileAttributes.class);
            text = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return new Snapshot(-1, -1, List.of());
        }
        List<Line> lines = new ArrayList<>(text.size());
        for (int i = 0; i < text.size(); i++) {
            String t = text.get(i).trim();
            if (t.isEmpty() || t.startsWith("#")) {
                continue;
            }
            try {
                KnownHostEntry e = KnownHostEntry.parseKnownHostEntry(t);
                if (e != null && e.getKeyEntry() != null) {
                    lines.add(new Line(i + 1, e));
                }
            } catch (RuntimeException e) {
                LOG.warn("{}:{}: ignoring a line that is not a known_hosts entry ({})", file, i + 1, e.getMessage());
            }
        }
        return new Snapshot(attrs.size(), attrs.lastModifiedTime().toMillis(), List.copyOf(lines));
    }

    static {
        // make sure MINA's registrars (eddsa) are set up before the first key is decoded
        SecurityUtils.isEDDSACurveSupported();
    }
}
