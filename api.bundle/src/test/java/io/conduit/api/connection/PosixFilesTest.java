package io.conduit.api.connection;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.conduit.api.testing.PutFetchScenario;

/**
 * The scripts behind {@link Connection#stat} and {@link Connection#list}, run by this machine's {@code sh} (dash on
 * Debian; busybox is covered by the docker plugin's run of {@link PutFetchScenario}): any name, special mode bits.
 */
class PosixFilesTest {
    @TempDir
    Path dir;

    @Test
    void modeLettersGiveEveryBitTheSpecialOnesToo() {
        assertEquals(0644, PosixFiles.mode("-rw-r--r--"));
        assertEquals(04755, PosixFiles.mode("-rwsr-xr-x"));
        assertEquals(06644, PosixFiles.mode("-rwSr-Sr--"));
        assertEquals(01777, PosixFiles.mode("drwxrwxrwt"));
        assertEquals(01000, PosixFiles.mode("d--------T"));
        assertEquals(0640, PosixFiles.mode("-rw-r-----+")); // an ACL mark after the letters
    }

    @Test
    void aListingReadsEveryNameTypeModeAndChecksum() throws Exception {
        Path tree = Files.createDirectories(dir.resolve("t $(x) 'q'"));
        Path odd = Files.writeString(tree.resolve("line\nbreak; -rf *"), "abc");
        Files.setPosixFilePermissions(odd, PosixFilePermissions.fromString("rwxr-x---"));
        Files.createDirectories(tree.resolve("sub/empty"));
        Files.createSymbolicLink(tree.resolve("link"), Path.of("line\nbreak; -rf *"));
        Files.createSymbolicLink(tree.resolve("dangling"), Path.of("nowhere"));
        PutFetchScenario.run(List.of("chmod", "4755", tree.resolve("sub").toString()));

        byte[] out = PutFetchScenario.run(List.of("sh", "-c", PosixFiles.listScript(tree.toString(), true)));
        Map<String, RemoteFile> files = PosixFiles.parse(out, true).stream().collect(Collectors.toMap(RemoteFile::path,
                f -> f));

        assertEquals(RemoteFile.Type.DIRECTORY, files.get("").type());
        RemoteFile f = files.get("line\nbreak; -rf *");
        assertEquals(RemoteFile.Type.FILE, f.type());
        assertEquals(0750, f.mode());
        assertEquals(3, f.size());
        assertEquals("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", f.sha256()); // sha256("abc")
        assertEquals("root", f.owner());
        assertEquals(04755, files.get("sub").mode());
        assertEquals(RemoteFile.Type.DIRECTORY, files.get("sub/empty").type());
        RemoteFile link = files.get("link");
        assertTrue(link.symlink() && link.type() == RemoteFile.Type.FILE && link.sha256().equals(f.sha256()),
                link::toString);
        assertEquals(RemoteFile.Type.MISSING, files.get("dangling").type());
        assertEquals(6, files.size(), files::toString);

        byte[] one = PutFetchScenario.run(List.of("sh", "-c", PosixFiles.statScript(odd.toString(), false)));
        List<RemoteFile> stat = PosixFiles.parse(one, false);
        assertEquals(odd.toString(), stat.get(0).path());
        assertEquals(null, stat.get(0).sha256());
        byte[] none = PutFetchScenario.run(List.of("sh", "-c", PosixFiles.statScript(dir + "/missing", true)));
        assertTrue(PosixFiles.single(PosixFiles.parse(none, false)).isEmpty(), new String(none,
                StandardCharsets.UTF_8));
    }

    @Test
    void aLoginShellsOutputBeforeTheScriptIsNoEntryAndAnUnreadableFileHasNoChecksum() throws Exception {
        Path file = Files.writeString(dir.resolve("f"), "abc");
        // what a ~/.bashrc that echoes prints before the command, NUL and all
        String noise = "printf 'Welcome\\nx 0 1 2\\0d 0 drwx 0 0 0 a b\\0/etc\\0\\0'; ";
        byte[] out = PutFetchScenario.run(List.of("sh", "-c", noise + PosixFiles.statScript(file.toString(), true)));
        RemoteFile f = PosixFiles.single(PosixFiles.parse(out, false)).orElseThrow();
        assertEquals(file.toString(), f.path());
        assertEquals(RemoteFile.Type.FILE, f.type());
        byte[] listed = PutFetchScenario.run(List.of("sh", "-c", noise + PosixFiles.listScript(dir.toString(), true)));
        assertEquals(List.of("", "f"), PosixFiles.parse(listed, true).stream().map(RemoteFile::path).toList());

        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        byte[] asNobody = PutFetchScenario.run(List.of("runuser", "-u", "nobody", "--", "sh", "-c",
                PosixFiles.statScript(file.toString(), true)));
        RemoteFile unreadable = PosixFiles.single(PosixFiles.parse(asNobody, false)).orElseThrow();
        assertEquals(RemoteFile.Type.FILE, unreadable.type());
        assertEquals(null, unreadable.sha256(), "an unreadable file's content is unknown, not a failure");
    }
}
