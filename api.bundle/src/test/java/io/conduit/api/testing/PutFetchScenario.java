package io.conduit.api.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import io.conduit.api.connection.Connection;
import io.conduit.api.connection.RemoteFileNotFoundException;

/**
 * What put and fetch do, the same on every plugin (the README's "What put and fetch do, on every plugin"),
 * driven through the core's put and fetch (a {@link Transfers} each module wires to its plugin's connection) and
 * checked on the host itself, not through the plugin: a put is {@code changed} only when content, mode or owner
 * differ, and {@code ok} otherwise; {@code --check} tells what would change and changes nothing; modes are kept
 * both ways; owner and group are set by name or number; a directory is fetched only with {@code -r} and refused
 * by name otherwise; a missing file is {@link RemoteFileNotFoundException}; a symbolic link is followed; {@code -r}
 * keeps directories, their modes and empty ones, copies links to files as files and skips links to directories.
 * Every failure leaves nothing locally.
 */
public final class PutFetchScenario {
    /** The core's put and fetch for one host, as {@code conduit:put} and {@code conduit:fetch} run them. */
    public interface Transfers {
        /**
         * @param local the local file or directory
         * @param remote the target
         * @param how mode, owner, group, -r, --check
         * @return the host's status and output, or the failure the task threw
         */
        Outcome put(Path local, String remote, How how);

        /**
         * @param remote the remote path
         * @param localDir LOCALDIR: the file lands in LOCALDIR/HOST/NAME, and the output's first line names it
         * @param recursive -r
         * @return the host's status and output, or the failure the task threw
         */
        Outcome fetch(String remote, Path localDir, boolean recursive);
    }

    /**
     * A put's options.
     *
     * @param mode bits or {@link Connection#KEEP_MODE} @param owner or null @param group or null
     * @param recursive -r @param check --check
     */
    public record How(int mode, String owner, String group, boolean recursive, boolean check) {
        static How mode(int mode) {
            return new How(mode, null, null, false, false);
        }
    }

    /**
     * What a task returned.
     *
     * @param status {@code "ok"}, {@code "changed"}, or {@code null} when it threw @param output its stdout
     * @param error what it threw, or null
     */
    public record Outcome(String status, String output, IOException error) {
        /** @return the output's first line (fetch: the local path) */
        public String firstLine() {
            return output.lines().findFirst().orElse("");
        }

        @Override
        public String toString() {
            return error != null ? "failed: " + error.getMessage() : status + ": " + output;
        }
    }

    /**
     * The host's file system, seen with {@code sh} on the host (never through the plugin): the local one for
     * local, ssh to 127.0.0.1 and the in-JVM agent; a container through {@code docker exec}.
     */
    public interface HostShell {
        /**
         * Runs {@code sh -c script sh args...} on the host as root.
         *
         * @return its stdout @throws IOException it exited non-zero (the message has its stderr)
         */
        byte[] sh(String script, String... args) throws IOException;

        /** @return "TYPE MODE UID GID" of a path, TYPE file, dir, link (the link itself) or none */
        default String stat(String path) throws IOException {
            return new String(sh("if [ -L \"$1\" ]; then echo link; elif [ -d \"$1\" ]; then"
                    + " echo dir $(stat -c '%a %u %g' \"$1\"); elif [ -f \"$1\" ]; then echo file $(stat -c"
                    + " '%a %u %g' \"$1\"); else echo none; fi", path), StandardCharsets.UTF_8).strip();
        }

        /** @return the file's content, or null when it is no regular file */
        default byte[] read(String path) throws IOException {
            return stat(path).startsWith("file") ? sh("cat \"$1\"", path) : null;
        }

        /** Writes a file with a mode (and its directory). */
        default void write(String path, String content, int mode) throws IOException {
            sh("mkdir -p \"${1%/*}\" && printf %s \"$2\" > \"$1\" && chmod " + Integer.toOctalString(mode)
                    + " \"$1\"", path, content);
        }
    }

    /** The host is this machine: {@code sh} here. */
    public static final HostShell THIS_MACHINE = (script, args) -> {
        List<String> cmd = new ArrayList<>(List.of("sh", "-c", script, "sh"));
        cmd.addAll(List.of(args));
        return run(cmd);
    };

    /**
     * Runs a command here and returns its stdout.
     *
     * @param cmd the argument vector @return stdout @throws IOException it failed or took over a minute
     */
    public static byte[] run(List<String> cmd) throws IOException {
        Process p = new ProcessBuilder(cmd).start();
        p.getOutputStream().close();
        byte[] out = p.getInputStream().readAllBytes();
        byte[] err = p.getErrorStream().readAllBytes();
        try {
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException(cmd + " did not finish within 60 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
        if (p.exitValue() != 0) {
            throw new IOException(cmd + " exited " + p.exitValue() + ": " + new String(err, StandardCharsets.UTF_8));
        }
        return out;
    }

    /**
     * Runs the whole contract against one plugin, in a fresh directory under {@code base} on the host.
     *
     * @param t the core's put and fetch over the plugin's connection
     * @param host the host's shell
     * @param base an absolute directory on the host (made here)
     * @param local a local directory of its own for this run
     */
    public void run(Transfers t, HostShell host, String base, Path local) throws IOException {
        String dir = base + "/contract";
        host.sh("rm -rf \"$1\" && mkdir -p \"$1\"", dir);
        putChangesOnlyWhatDiffers(t, host, dir, Files.createDirectories(local.resolve("put")));
        fetchKeepsModesFollowsLinksAndRefusesDirectories(t, host, dir, Files.createDirectories(local.resolve("fetch")));
        recursiveCopiesTreesBothWays(t, host, dir, Files.createDirectories(local.resolve("tree")));
    }

    private static void putChangesOnlyWhatDiffers(Transfers t, HostShell host, String dir, Path local)
            throws IOException {
        Path src = Files.writeString(local.resolve("app.conf"), "v1\n");
        Files.setPosixFilePermissions(src, PosixFilePermissions.fromString("rwxr-x---"));
        String remote = dir + "/app.conf";

        Outcome first = t.put(src, remote, How.mode(Connection.KEEP_MODE));
        assertEquals("changed", first.status(), first::toString);
        assertTrue(first.output().contains("new file"), first::toString);
        assertEquals("file 750 0 0", host.stat(remote), "put keeps the local file's mode");
        assertEquals("v1\n", new String(host.read(remote), StandardCharsets.UTF_8));

        Outcome again = t.put(src, remote, How.mode(Connection.KEEP_MODE));
        assertEquals("ok", again.status(), "the same content and mode: " + again);

        Outcome mode = t.put(src, remote, How.mode(0600));
        assertEquals("changed", mode.status(), mode::toString);
        assertTrue(mode.output().contains("mode 0750 -> 0600") && !mode.output().contains("content"),
                mode::toString);
        assertEquals("file 600 0 0", host.stat(remote));

        Files.writeString(src, "v2\n");
        Outcome check = t.put(src, remote, new How(0600, null, null, false, true));
        assertEquals("changed", check.status(), check::toString);
        assertTrue(check.output().contains("would change " + remote + ": content differs"), check::toString);
        assertEquals("v1\n", new String(host.read(remote), StandardCharsets.UTF_8), "--check changed the file");

        Outcome content = t.put(src, remote, How.mode(0600));
        assertEquals("changed", content.status(), content::toString);
        assertTrue(content.output().contains("content differs"), content::toString);
        assertEquals("v2\n", new String(host.read(remote), StandardCharsets.UTF_8));

        // by name and by number; the host is checked by number
        Outcome owner = t.put(src, remote, new How(0600, "nobody", "65534", false, false));
        assertEquals("changed", owner.status(), owner::toString);
        assertTrue(owner.output().contains("owner root -> nobody") && !owner.output().contains("content"),
                owner::toString);
        assertEquals("file 600 65534 65534", host.stat(remote));
        Outcome sameOwner = t.put(src, remote, new How(0600, "65534", "65534", false, false));
        assertEquals("ok", sameOwner.status(), sameOwner::toString);

        // set-user-ID and sticky bits too, though a plugin's own put may set the nine permission bits only
        Outcome special = t.put(src, dir + "/special", How.mode(05755));
        assertEquals("changed", special.status(), special::toString);
        assertEquals("file 5755 0 0", host.stat(dir + "/special"));
        assertEquals("ok", t.put(src, dir + "/special", How.mode(05755)).status());

        // an owner the host does not know: failed by name, and the new file is not left with the wrong owner
        Outcome unknown = t.put(src, dir + "/unowned", new How(0644, "conduit-no-such-user", null, false, false));
        assertNotNull(unknown.error(), unknown::toString);
        assertTrue(unknown.error().getMessage().contains("conduit-no-such-user"), unknown::toString);
        assertEquals("none", host.stat(dir + "/unowned"), "a put that failed left its file");
    }

    private static void fetchKeepsModesFollowsLinksAndRefusesDirectories(Transfers t, HostShell host, String dir,
            Path local) throws IOException {
        host.write(dir + "/fetch/data.txt", "remote bytes\n", 0640);
        host.sh("ln -s data.txt \"$1/fetch/link.txt\"", dir);

        Path into = Files.createDirectories(local.resolve("file"));
        Outcome file = t.fetch(dir + "/fetch/data.txt", into, false);
        assertEquals("ok", file.status(), file::toString);
        Path got = Path.of(file.firstLine());
        assertEquals("remote bytes\n", Files.readString(got));
        assertEquals("rw-r-----", PosixFilePermissions.toString(Files.getPosixFilePermissions(got)),
                "fetch keeps the remote file's mode");

        Path links = Files.createDirectories(local.resolve("link"));
        Outcome link = t.fetch(dir + "/fetch/link.txt", links, false);
        assertEquals("ok", link.status(), link::toString);
        Path linked = Path.of(link.firstLine());
        assertFalse(Files.isSymbolicLink(linked), "fetch follows a symbolic link: the file it points to");
        assertEquals("remote bytes\n", Files.readString(linked));
        assertEquals("rw-r-----", PosixFilePermissions.toString(Files.getPosixFilePermissions(linked)));

        Path none = Files.createDirectories(local.resolve("directory"));
        Outcome directory = t.fetch(dir + "/fetch", none, false);
        assertNotNull(directory.error(), "fetch of a directory without -r: " + directory);
        assertTrue(directory.error().getMessage().contains(dir + "/fetch: it is a directory; fetch -r"),
                directory.error().getMessage());
        assertEmpty(none, "a refused fetch of a directory");

        Outcome missing = t.fetch(dir + "/fetch/missing.txt", none, false);
        assertInstanceOf(RemoteFileNotFoundException.class, missing.error(), missing::toString);
        assertTrue(missing.error().getMessage().contains(dir + "/fetch/missing.txt"), missing::toString);
        assertEmpty(none, "a fetch of a missing file");
    }

    private static void recursiveCopiesTreesBothWays(Transfers t, HostShell host, String dir, Path local)
            throws IOException {
        Path tree = Files.createDirectories(local.resolve("src/tree"));
        Files.writeString(tree.resolve("a.txt"), "a\n");
        Files.setPosixFilePermissions(tree.resolve("a.txt"), PosixFilePermissions.fromString("rw-r--r--"));
        Path sub = Files.createDirectories(tree.resolve("sub"));
        Files.writeString(sub.resolve("b.sh"), "echo b\n");
        Files.setPosixFilePermissions(sub.resolve("b.sh"), PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.setPosixFilePermissions(sub, PosixFilePermissions.fromString("rwxr-x---"));
        Path empty = Files.createDirectories(tree.resolve("empty"));
        Files.setPosixFilePermissions(empty, PosixFilePermissions.fromString("rwx------"));
        Files.setPosixFilePermissions(tree, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.createSymbolicLink(tree.resolve("link-a"), Path.of("a.txt"));
        Files.createSymbolicLink(tree.resolve("link-sub"), Path.of("sub"));
        Files.createSymbolicLink(tree.resolve("dangling"), Path.of("nowhere"));
        String remote = dir + "/tree";

        Outcome put = t.put(tree, remote, new How(Connection.KEEP_MODE, null, null, true, false));
        assertEquals("changed", put.status(), put::toString);
        assertEquals("dir 755 0 0", host.stat(remote));
        assertEquals("file 644 0 0", host.stat(remote + "/a.txt"));
        assertEquals("dir 750 0 0", host.stat(remote + "/sub"));
        assertEquals("file 755 0 0", host.stat(remote + "/sub/b.sh"));
        assertEquals("dir 700 0 0", host.stat(remote + "/empty"), "an empty directory is put too");
        assertEquals("file 644 0 0", host.stat(remote + "/link-a"), "a link to a file is put as the file");
        assertEquals("a\n", new String(host.read(remote + "/link-a"), StandardCharsets.UTF_8));
        assertEquals("none", host.stat(remote + "/link-sub"), "a link to a directory is skipped");
        assertEquals("none", host.stat(remote + "/dangling"), "a link to nothing is skipped");
        assertTrue(put.output().contains("skipped " + remote + "/link-sub") && put.output().contains("skipped "
                + remote + "/dangling"), put::toString);

        Outcome again = t.put(tree, remote, new How(Connection.KEEP_MODE, null, null, true, false));
        assertEquals("ok", again.status(), again::toString);

        Files.writeString(tree.resolve("a.txt"), "a2\n");
        Outcome check = t.put(tree, remote, new How(Connection.KEEP_MODE, null, null, true, true));
        assertEquals("changed", check.status(), check::toString);
        assertEquals(List.of("would change " + remote + "/a.txt: content differs", "would change " + remote
                + "/link-a: content differs"), check.output().lines().filter(l -> !l.startsWith("skipped")).toList());
        assertEquals("a\n", new String(host.read(remote + "/a.txt"), StandardCharsets.UTF_8));

        // the host's tree holds links of its own: one to a file, one to a directory
        host.sh("ln -s a.txt \"$1/host-link\" && ln -s sub \"$1/host-dir-link\"", remote);
        Path into = Files.createDirectories(local.resolve("fetched"));
        Outcome fetch = t.fetch(remote, into, true);
        assertEquals("ok", fetch.status(), fetch::toString);
        Path back = Path.of(fetch.firstLine());
        assertEquals("rwxr-xr-x", perms(back));
        assertEquals("rw-r--r--", perms(back.resolve("a.txt")));
        assertEquals("a\n", Files.readString(back.resolve("a.txt")));
        assertEquals("rwxr-x---", perms(back.resolve("sub")));
        assertEquals("rwxr-xr-x", perms(back.resolve("sub/b.sh")));
        assertEquals("rwx------", perms(back.resolve("empty")), "an empty directory is fetched too");
        assertFalse(Files.isSymbolicLink(back.resolve("host-link")));
        assertEquals("a\n", Files.readString(back.resolve("host-link")), "a link to a file is fetched as the file");
        assertFalse(Files.exists(back.resolve("host-dir-link"), LinkOption.NOFOLLOW_LINKS), "a link to a directory is skipped");
        assertTrue(fetch.output().contains("skipped " + remote + "/host-dir-link"), fetch::toString);
        assertNull(fetch.error());

        // the directory named may itself be a link to one, on either side: followed, as for a file
        Path linkHere = Files.createSymbolicLink(local.resolve("tree-link"), tree);
        Outcome putByLink = t.put(linkHere, dir + "/by-link", new How(Connection.KEEP_MODE, null, null, true, false));
        assertEquals("changed", putByLink.status(), putByLink::toString);
        assertEquals("a2\n", new String(host.read(dir + "/by-link/a.txt"), StandardCharsets.UTF_8));
        host.sh("ln -s tree \"$1/tree-link\"", dir);
        Outcome fetchByLink = t.fetch(dir + "/tree-link", Files.createDirectories(local.resolve("by-link")), true);
        assertEquals("ok", fetchByLink.status(), fetchByLink::toString);
        assertEquals("rw-r--r--", perms(Path.of(fetchByLink.firstLine()).resolve("a.txt")));
    }

    private static String perms(Path p) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
    }

    private static void assertEmpty(Path dir, String what) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            assertEquals(List.of(), s.toList(), what + " left something locally");
        }
    }
}
