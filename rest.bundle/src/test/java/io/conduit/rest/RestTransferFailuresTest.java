package io.conduit.rest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.conduit.api.connection.Connection;
import io.conduit.api.connection.ConnectionKey;
import io.conduit.api.connection.ConnectionParams;
import io.conduit.api.support.FileNames;
import io.conduit.api.connection.FileProblem;
import io.conduit.api.connection.RemoteFileNotFoundException;
import io.conduit.api.connection.Secret;
import io.conduit.api.connection.TransferFailedException;
import io.conduit.api.testing.OperatorText;
import io.conduit.api.testing.SmallFileSystems;
import io.conduit.rest.agent.Agent;
import io.conduit.rest.RestPlugin;
import io.conduit.rest.support.AgentProcess;
import io.conduit.rest.support.Configs;
import io.conduit.rest.support.TestAgents;
import io.conduit.rest.support.TestUsers;

/**
 * Every cause a put or fetch can fail for on the device, against the reference agent: each is a
 * {@link TransferFailedException} naming it, raw and in JSON, and the device's directory (listed here, not through
 * the plugin) holds afterwards what it held before: no temporary file, the target unchanged. The permission cases
 * need an agent that is not root (a process of its own as {@link TestUsers#AGENT}). A quota cannot be made on this
 * machine's tmpfs; the agent reads {@code EDQUOT} with the same code as {@code ENOSPC}.
 */
class RestTransferFailuresTest {
    private static final String TOKEN = "t0ken-" + Long.toHexString(new Random().nextLong());

    @TempDir
    static Path tmp;
    private static TestAgents agents;
    private static Agent agent;
    private static AgentProcess unprivileged;
    private static RestPlugin plugin;
    private static Path small;

    @BeforeAll
    static void start() throws Exception {
        TestUsers.ensure();
        // the agent's user must reach its directory
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
        agents = new TestAgents(tmp.resolve("agents"));
        agent = agents.start(TOKEN);
        unprivileged = AgentProcess.start(tmp.resolve("unprivileged"), TOKEN, TestUsers.AGENT);
        plugin = new RestPlugin(Configs.defaults());
        small = Files.writeString(tmp.resolve("small.txt"), "new content\n".repeat(100));
    }

    @AfterAll
    static void stop() throws Exception {
        plugin.deactivate();
        agents.close();
        unprivileged.close();
    }

    private static Connection open(boolean raw) throws IOException {
        return open(agent.port(), agent.caFile(), raw);
    }

    private static Connection open(int port, Path ca, boolean raw) throws IOException {
        Map<String, Object> extras = new HashMap<>();
        extras.put("token", Secret.of(TOKEN));
        extras.put("ca_file", ca.toString());
        extras.put("raw_files", raw);
        Connection c = plugin.create(new ConnectionKey("dev", "rest"));
        c.open(new ConnectionParams("127.0.0.1", port, null, null, null, extras));
        return c;
    }

    /** What a directory holds, as `ls -A` shows it. */
    private static Set<String> list(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).collect(Collectors.toCollection(TreeSet::new));
        }
    }

    /** Puts, raw and in JSON, expecting the cause; the directory is the same afterwards. */
    private static void putFails(Connection c, String target, Path dir, FileProblem expected) throws IOException {
        Set<String> before = dir == null ? Set.of() : list(dir);
        TransferFailedException e = assertThrows(TransferFailedException.class, () -> c.put(small, target, 0644));
        assertEquals(expected, e.problem(), e.getMessage());
        String message = OperatorText.messageForPeople(e);
        assertEquals("put " + target + ": " + expected.reason() + " (" + expected.advice() + "); nothing was left"
                + " behind", message);
        if (dir != null) {
            assertEquals(before, list(dir), "the device's directory after the failed put");
            assertFalse(list(dir).stream().anyMatch(n -> n.startsWith(FileNames.TEMPORARY_PREFIX)));
        }
    }

    @Test
    void aPutIntoAMissingDirectoryNamesIt() throws Exception {
        for (boolean raw : new boolean[] {true, false}) {
            try (Connection c = open(raw)) {
                putFails(c, tmp.resolve("no such dir/file.txt").toString(), tmp, FileProblem.MISSING_DIRECTORY);
                assertFalse(Files.exists(tmp.resolve("no such dir")));
            }
        }
    }

    @Test
    void aPutUnderAFileNamesNotADirectory() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("under-a-file"));
        Files.writeString(dir.resolve("plain"), "a file");
        for (boolean raw : new boolean[] {true, false}) {
            try (Connection c = open(raw)) {
                putFails(c, dir.resolve("plain/file.txt").toString(), dir, FileProblem.NOT_A_DIRECTORY);
            }
        }
    }

    @Test
    void aPutOverADirectoryNamesIt() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("over-a-dir/target"));
        Files.writeString(dir.resolve("inside"), "kept");
        for (boolean raw : new boolean[] {true, false}) {
            try (Connection c = open(raw)) {
                putFails(c, dir.toString(), dir.getParent(), FileProblem.IS_A_DIRECTORY);
                assertEquals(Set.of("inside"), list(dir));
            }
        }
    }

    @Test
    void aPutOntoAReadOnlyFileSystemNamesIt() throws Exception {
        try (SmallFileSystems fs = new SmallFileSystems(); Connection raw = open(true);
                Connection json = open(false)) {
            Path ro = fs.readOnly(tmp.resolve("ro"));
            for (Connection c : new Connection[] {raw, json}) {
                putFails(c, ro.resolve("sub/file.txt").toString(), ro.resolve("sub"), FileProblem.READ_ONLY);
            }
        }
    }

    @Test
    void aPutOntoAFullFileSystemNamesNoSpace() throws Exception {
        try (SmallFileSystems fs = new SmallFileSystems(); Connection raw = open(true);
                Connection json = open(false)) {
            Path full = fs.full(tmp.resolve("full"));
            for (Connection c : new Connection[] {raw, json}) {
                putFails(c, full.resolve("target.txt").toString(), full, FileProblem.NO_SPACE);
            }
        }
    }

    @Test
    void aPutWithANameTooLongNamesIt() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("long"));
        for (boolean raw : new boolean[] {true, false}) {
            try (Connection c = open(raw)) {
                putFails(c, dir.resolve("n".repeat(256)).toString(), dir, FileProblem.NAME_TOO_LONG);
            }
        }
    }

    @Test
    void aPutWhereTheAgentMayNotWriteNamesPermission() throws Exception {
        // a root-owned directory inside the agent user's own (which it can enter)
        Path locked = Files.createDirectories(tmp.resolve("unprivileged/locked"));
        Files.setPosixFilePermissions(locked, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.writeString(locked.resolve("target.txt"), "old");
        for (boolean raw : new boolean[] {true, false}) {
            try (Connection c = open(unprivileged.port(), unprivileged.caFile(), raw)) {
                putFails(c, locked.resolve("target.txt").toString(), locked, FileProblem.PERMISSION);
                putFails(c, locked.resolve("new.txt").toString(), locked, FileProblem.PERMISSION);
                assertEquals("old", Files.readString(locked.resolve("target.txt")));
            }
        }
    }

    @Test
    void aFetchTheDeviceRefusesNamesTheCauseAndCreatesNoLocalFile() throws Exception {
        Path secret = Files.writeString(tmp.resolve("unprivileged/secret.txt"), "root's");
        Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("rw-------"));
        Path here = Files.createDirectories(tmp.resolve("fetched"));
        for (boolean raw : new boolean[] {true, false}) {
            try (Connection c = open(unprivileged.port(), unprivileged.caFile(), raw)) {
                TransferFailedException e = assertThrows(TransferFailedException.class,
                        () -> c.fetch(secret.toString(), here.resolve("secret.txt")));
                assertEquals(FileProblem.PERMISSION, e.problem(), e.getMessage());
                assertEquals("fetch " + secret + ": permission denied (" + FileProblem.PERMISSION.advice(FileProblem.Side.HOST_READ)
                        + "); nothing was left behind", OperatorText.messageForPeople(e));

                e = assertThrows(TransferFailedException.class, () -> c.fetch(tmp.resolve("unprivileged").toString(),
                        here.resolve("dir")));
                assertEquals(FileProblem.IS_A_DIRECTORY, e.problem(), e.getMessage());
                // a file on the way is no such file, as on the other plugins
                assertThrows(RemoteFileNotFoundException.class, () -> c.fetch(secret + "/x", here.resolve("x")));
                assertEquals(Set.of(), list(here), "no local file");
            }
        }
    }

    @Test
    void aFetchIntoAFullOrReadOnlyLocalFileSystemCreatesNoLocalFile() throws Exception {
        Path remote = Files.writeString(tmp.resolve("remote.txt"), "x".repeat(600_000));
        try (SmallFileSystems fs = new SmallFileSystems(); Connection raw = open(true);
                Connection json = open(false)) {
            Path full = fs.full(tmp.resolve("local-full"));
            Path ro = fs.readOnly(tmp.resolve("local-ro"));
            for (Connection c : new Connection[] {raw, json}) {
                TransferFailedException e = assertThrows(TransferFailedException.class,
                        () -> c.fetch(remote.toString(), full.resolve("remote.txt")));
                assertEquals(FileProblem.NO_SPACE, e.problem(), e.getMessage());
                assertEquals("fetch " + remote + " into " + full.resolve("remote.txt") + ": no space left on the file"
                        + " system here (free some space on this machine (df -h) or fetch elsewhere); nothing was left"
                        + " behind", OperatorText.messageForPeople(e));
                assertEquals(Set.of("filler"), list(full));

                e = assertThrows(TransferFailedException.class,
                        () -> c.fetch(remote.toString(), ro.resolve("sub/remote.txt")));
                assertEquals(FileProblem.READ_ONLY, e.problem(), e.getMessage());
                assertEquals(Set.of(), list(ro.resolve("sub")));
            }
        }
    }
}
