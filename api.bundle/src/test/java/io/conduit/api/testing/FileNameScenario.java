package io.conduit.api.testing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import io.conduit.api.connection.ConnectionException;
import io.conduit.api.connection.RemoteFileNotFoundException;

/**
 * One scenario for every plugin and transfer method: puts and fetches files whose names hold what a shell would
 * interpret ({@code ;}, {@code &}, {@code $()}, backquotes, quotes, spaces, a line break), unicode, a leading
 * dash, 255 bytes, an empty file and a target ending in {@code /}; then checks on the host itself (not through
 * the plugin) that each file is there with its bytes, that no injected command ran (each would create a mark
 * file under /tmp, named without a {@code /}: {@code printf '\057'}), and that no temporary file is left, here or
 * there. Shared by every module's tests through api.bundle's test-jar.
 */
public final class FileNameScenario {
    /** A put as the plugin (or the core) does it. */
    @FunctionalInterface
    public interface Put {
        /** @param local the file @param remote the target @param mode the bits */
        void put(Path local, String remote, int mode) throws IOException;
    }

    /** A fetch as the plugin (or the core) does it. */
    @FunctionalInterface
    public interface Fetch {
        /** @param remote the file @param local where to write it */
        void fetch(String remote, Path local) throws IOException;
    }

    /** The host's file system seen directly: the local one, or a container through docker exec. */
    public interface Target {
        /** @return the file's bytes, or {@code null} when there is no such file */
        byte[] read(String path) throws IOException;

        /** @return the names in the directory, hidden ones too */
        Set<String> list(String dir) throws IOException;

        /** Creates a directory (and its parents). */
        void mkdirs(String dir) throws IOException;
    }

    /** The host's file system is this machine's (local, ssh to 127.0.0.1, the in-JVM agent). */
    public static final Target LOCAL = new Target() {
        @Override
        public byte[] read(String path) throws IOException {
            Path p = Path.of(path);
            return Files.isRegularFile(p) ? Files.readAllBytes(p) : null;
        }

        @Override
        public Set<String> list(String dir) throws IOException {
            try (Stream<Path> s = Files.list(Path.of(dir))) {
                return s.map(p -> p.getFileName().toString()).collect(Collectors.toCollection(TreeSet::new));
            }
        }

        @Override
        public void mkdirs(String dir) throws IOException {
            Files.createDirectories(Path.of(dir));
        }
    };

    private final String mark = "conduit-names-mark-" + Long.toHexString(ThreadLocalRandom.current().nextLong());
    private Predicate<String> fetchRefused = name -> false;

    /**
     * @param refused the names whose fetch the method must refuse by name (with a {@link ConnectionException}
     *        that quotes no shell words, before anything is written locally)
     * @return this
     */
    public FileNameScenario refusingFetchOf(Predicate<String> refused) {
        this.fetchRefused = refused;
        return this;
    }

    /** @return the path of the mark file an injected command would create on the host */
    public String markPath() {
        return "/tmp/" + mark;
    }

    /** @return the names put and fetched; each holds no {@code /} and no NUL, as every file name */
    public List<String> names() {
        String touch = "touch \"$(printf '\\057tmp\\057" + mark + "')\"";
        List<String> names = new ArrayList<>(List.of(
                "semi;" + touch,
                "amp&" + touch + "&",
                "$(" + touch + ")",
                "`" + touch + "`",
                "quote'; " + touch + "; '",
                "dq\"; " + touch + "; \"",
                "two  words and a trailing space ",
                "line\nbreak; " + touch,
                "-leading-dash",
                "-",
                "ünïcødé 名前 ✓",
                "back\\slash *glob?",
                "L".repeat(255),
                "é".repeat(127) + "x")); // 255 bytes of UTF-8
        return names;
    }

    /**
     * Runs the scenario in a directory with a hostile name under {@code base} on the host (created here).
     *
     * @param put the put under test
     * @param fetch the fetch under test
     * @param target the host's file system
     * @param base an absolute directory on the host
     * @param local a local directory of its own for this run
     */
    public void run(Put put, Fetch fetch, Target target, String base, Path local) throws IOException {
        // the directory's name is hostile too: it reaches the command lines as part of every path
        String dir = base + "/dir " + names().get(0) + " 'q'";
        String into = "into &" + names().get(2);
        target.mkdirs(dir);
        target.mkdirs(dir + "/" + into);
        Path sources = Files.createDirectories(local.resolve("sources"));
        Path back = Files.createDirectories(local.resolve("fetched"));
        List<String> names = names();
        Set<String> expected = new TreeSet<>();
        Set<String> fetched = new TreeSet<>();
        for (int i = 0; i < names.size(); i++) {
            String name = names.get(i);
            byte[] content = i == 0 ? new byte[0] : ("bytes of " + name + "\n\0\377").getBytes(StandardCharsets.UTF_8);
            Path source = Files.write(sources.resolve("source-" + i), content);
            String remote = dir + "/" + name;
            put.put(source, remote, 0640);
            assertArrayEquals(content, target.read(remote), () -> "put " + show(name));
            expected.add(name);
            Path copy = back.resolve(name);
            if (fetchRefused.test(name)) {
                ConnectionException e = assertThrows(ConnectionException.class, () -> fetch.fetch(remote, copy),
                        () -> "fetch " + show(name) + " must be refused");
                assertFalse(e instanceof RemoteFileNotFoundException, e.getMessage());
                assertFalse(Files.exists(copy), "a refused fetch left " + show(name));
                continue;
            }
            fetch.fetch(remote, copy);
            assertArrayEquals(content, Files.readAllBytes(copy), () -> "fetch " + show(name));
            fetched.add(name);
        }

        // a target ending in / is the directory to put into, under the local file's name
        String localName = "local name; " + names.get(0).substring(5);
        Path source = Files.writeString(local.resolve(localName), "into the directory");
        put.put(source, dir + "/" + into + "/", 0644);
        assertEquals("into the directory", new String(assertPresent(target, dir + "/" + into + "/" + localName),
                StandardCharsets.UTF_8));

        // a missing file: not found, and no local file
        Path missing = back.resolve("missing");
        assertThrows(RemoteFileNotFoundException.class, () -> fetch.fetch(dir + "/missing; " + names.get(0)
                .substring(5), missing));
        assertFalse(Files.exists(missing), "a failed fetch left a local file");

        assertEquals(null, target.read(markPath()), "a file name ran a command on the host");
        expected.add(into);
        assertEquals(expected, target.list(dir), "the host's directory holds exactly the files put (no temporary)");
        assertEquals(Set.of(localName), target.list(dir + "/" + into));
        try (Stream<Path> s = Files.list(back)) {
            assertEquals(fetched, s.map(p -> p.getFileName().toString()).collect(Collectors.toCollection(
                    TreeSet::new)), "the local directory holds exactly the files fetched (no temporary)");
        }
        assertTrue(Files.notExists(Path.of(markPath())), "a file name ran a command here");
    }

    private static byte[] assertPresent(Target target, String path) throws IOException {
        byte[] b = target.read(path);
        assertNotNull(b, path + " is missing on the host");
        return b;
    }

    private static String show(String name) {
        return "<" + name.replace("\n", "\\n") + ">";
    }
}
