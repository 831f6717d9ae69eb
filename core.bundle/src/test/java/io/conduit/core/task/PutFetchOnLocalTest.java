package io.conduit.core.task;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.conduit.api.connection.Become;
import io.conduit.api.connection.Connection;
import io.conduit.api.connection.ConnectionKey;
import io.conduit.api.connection.ConnectionParams;
import io.conduit.api.testing.BecomeEnvironment;
import io.conduit.api.testing.PutFetchScenario;
import io.conduit.core.local.LocalPlugin;
import io.conduit.core.testing.TaskTransfers;

/** What put and fetch do on every plugin ({@link PutFetchScenario}), on the local plugin, also with become. */
class PutFetchOnLocalTest {
    @TempDir
    Path tmp;

    @Test
    void putAndFetchBehaveAsOnEveryPlugin() throws Exception {
        try (Connection c = new LocalPlugin().create(new ConnectionKey("here", "local"))) {
            c.open(new ConnectionParams("localhost", 0, null, null, null, Map.of()));
            new PutFetchScenario().run(new TaskTransfers(c, "here"), PutFetchScenario.THIS_MACHINE,
                    tmp.resolve("host").toString(), Files.createDirectories(tmp.resolve("here")));
        }
    }

    @Test
    void putAndFetchWithBecomeBehaveTheSame() throws Exception {
        // the bytes travel through commands run with sudo, and so do the stat, sha256, mkdir and chown before them
        BecomeEnvironment.require();
        try (Connection c = new LocalPlugin().create(new ConnectionKey("here", "local"))) {
            c.open(new ConnectionParams("localhost", 0, null, null, null, Map.of()));
            new PutFetchScenario().run(new TaskTransfers(c, "here", Become.sudo("root", null)),
                    PutFetchScenario.THIS_MACHINE, tmp.resolve("host").toString(), Files.createDirectories(
                            tmp.resolve("here")));
        }
    }

    @Test
    void aTreeFetchThatFailsPartWayLeavesNothingHere() throws Exception {
        BecomeEnvironment.require();
        Path tree = Files.createDirectories(tmp.resolve("host/tree/sub"));
        Files.writeString(tree.resolve("readable.txt"), "r");
        // 0600 and root's: nobody lists it but cannot read it
        Files.setPosixFilePermissions(Files.writeString(tree.resolve("secret.txt"), "s"),
                PosixFilePermissions.fromString("rw-------"));
        for (Path p : new Path[] {tmp, tmp.resolve("host"), tmp.resolve("host/tree"), tree}) {
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        Path into = Files.createDirectories(tmp.resolve("here"));
        try (Connection c = new LocalPlugin().create(new ConnectionKey("here", "local"))) {
            c.open(new ConnectionParams("localhost", 0, null, null, null, Map.of()));
            PutFetchScenario.Outcome r = new TaskTransfers(c, "here", Become.sudo("nobody", null)).fetch(
                    tmp.resolve("host/tree").toString(), into, true);
            assertTrue(r.error() != null && r.error().getMessage().contains("secret.txt"), r::toString);
        }
        try (Stream<Path> left = Files.list(into)) {
            assertEquals(List.of(), left.toList(), "a failed fetch -r left files here");
        }
    }

    @Test
    void aConnectionsNoticeIsSaidInTheResultOfEachTransferThatSentAFile() throws Exception {
        try (Connection local = new LocalPlugin().create(new ConnectionKey("here", "local"))) {
            local.open(new ConnectionParams("localhost", 0, null, null, null, Map.of()));
            Connection noticing = (Connection) java.lang.reflect.Proxy.newProxyInstance(getClass().getClassLoader(),
                    new Class<?>[] {Connection.class}, (proxy, method, args) -> method.getName().equals("notices")
                            ? List.of("transfer_method auto: went another way, verified by sha256")
                            : invoke(local, method, args));
            TaskTransfers transfers = new TaskTransfers(noticing, "here");
            Path source = Files.writeString(tmp.resolve("source"), "x");
            String remote = Files.createDirectories(tmp.resolve("host")) + "/f";
            String note = "note: transfer_method auto: went another way, verified by sha256\n";
            PutFetchScenario.Outcome sent = transfers.put(source, remote, new PutFetchScenario.How(-1, null, null,
                    false, false));
            assertEquals("changed", sent.status());
            assertTrue(sent.output().endsWith(note), sent.output());
            PutFetchScenario.Outcome same = transfers.put(source, remote, new PutFetchScenario.How(-1, null, null,
                    false, false));
            assertEquals("ok", same.status());
            assertEquals("", same.output(), "nothing was sent: nothing to say how");
            PutFetchScenario.Outcome fetched = transfers.fetch(remote, Files.createDirectories(tmp.resolve("back")),
                    false);
            assertTrue(fetched.output().endsWith(note), fetched.output());
        }
    }

    @Test
    void aTreePutThatFailsPartWayLeavesNothingOnTheHostAndAFetchThatCannotWriteHereSaysSo() throws Exception {
        try (Connection c = new LocalPlugin().create(new ConnectionKey("here", "local"))) {
            c.open(new ConnectionParams("localhost", 0, null, null, null, Map.of()));
            TaskTransfers transfers = new TaskTransfers(c, "here");
            Path tree = Files.createDirectories(tmp.resolve("tree/sub"));
            Files.writeString(tree.resolve("f"), "x");
            Path target = tmp.resolve("host/tree");
            Files.createDirectories(target.getParent());
            // the chown to an owner the host does not know fails after the directories were made
            PutFetchScenario.Outcome put = transfers.put(tmp.resolve("tree"), target.toString(),
                    new PutFetchScenario.How(-1, "no-such-user-conduit", null, true, false));
            assertTrue(put.error() != null && put.error().getMessage().contains("no-such-user-conduit"),
                    String.valueOf(put.error()));
            assertTrue(Files.notExists(target), "the tree made by the failed put is gone");

            Path source = Files.writeString(tmp.resolve("source"), "x");
            try (io.conduit.api.testing.SmallFileSystems fs = new io.conduit.api.testing.SmallFileSystems()) {
                Path readOnly = fs.readOnly(tmp.resolve("ro"));
                PutFetchScenario.Outcome fetched = transfers.fetch(source.toString(), readOnly, false);
                assertEquals("fetch " + source + " into " + readOnly.resolve("here") + ": the file system is"
                        + " read-only here (fetch into a writable directory); nothing was left behind",
                        io.conduit.api.testing.OperatorText.messageForPeople(fetched.error()));
            }
        }
    }

    @Test
    void aTreeFetchNeverWritesOutsideLocalDirWhateverTheHostLists() throws Exception {
        try (Connection local = new LocalPlugin().create(new ConnectionKey("here", "local"))) {
            local.open(new ConnectionParams("localhost", 0, null, null, null, Map.of()));
            Path tree = Files.createDirectories(tmp.resolve("host/tree"));
            Files.writeString(tree.resolve("f"), "x");
            // a hostile host's listing: an entry that climbs out of the directory fetched
            Connection hostile = (Connection) java.lang.reflect.Proxy.newProxyInstance(getClass().getClassLoader(),
                    new Class<?>[] {Connection.class}, (proxy, method, args) -> method.getName().equals("list")
                            ? List.of(new io.conduit.api.connection.RemoteFile("", io.conduit.api.connection
                                    .RemoteFile.Type.DIRECTORY, false, 0, 0755, 0, 0, "root", "root", null),
                                    new io.conduit.api.connection.RemoteFile("../../../escaped", io.conduit.api
                                            .connection.RemoteFile.Type.FILE, false, 1, 0644, 0, 0, "root", "root",
                                            null))
                            : invoke(local, method, args));
            Path back = Files.createDirectories(tmp.resolve("back"));
            PutFetchScenario.Outcome fetched = new TaskTransfers(hostile, "here").fetch(tree.toString(), back, true);
            assertTrue(fetched.error() != null && fetched.error().getMessage().contains("outside"),
                    String.valueOf(fetched.error()));
            assertTrue(Files.notExists(tmp.resolve("escaped")) && Files.notExists(back.resolve("escaped")),
                    "nothing written outside LOCALDIR");
        }
    }

    private static Object invoke(Connection target, java.lang.reflect.Method method, Object[] args)
            throws Throwable {
        try {
            return method.invoke(target, args); // the local connection's own method, or the interface's default
        } catch (java.lang.reflect.InvocationTargetException e) {
            throw e.getCause();
        }
    }
}
