package io.conduit.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * put and fetch from {@code bin/conduit} as an operator runs them against the local plugin, checked on the host's
 * file system: a second put of the same file is ok, {@code --check} says what would change and changes nothing,
 * {@code -r} copies a tree both ways, and a fetch of a directory without {@code -r} is refused by name.
 */
class PutFetchIT {
    @TempDir
    Path dir;

    @Test
    void putIsChangedOnlyWhenSomethingDiffersAndCheckChangesNothing() throws Exception {
        Path src = Files.writeString(dir.resolve("app.conf"), "port = 8080\n");
        Files.setPosixFilePermissions(src, PosixFilePermissions.fromString("rw-r--r--"));
        Path dest = dir.resolve("host/app.conf");
        Files.createDirectories(dest.getParent());

        Conduit.Result first = Conduit.run("put", "local1", src.toString(), dest.toString());
        assertEquals(0, first.exit(), first::toString);
        assertTrue(first.out().contains("local1 | CHANGED") && first.out().contains("changed " + dest + ": new file"),
                first::toString);
        assertEquals("port = 8080\n", Files.readString(dest));

        Conduit.Result second = Conduit.run("put", "--json", "local1", src.toString(), dest.toString());
        assertEquals(0, second.exit(), second::toString);
        assertTrue(second.out().contains("\"status\": \"ok\""), second::toString);

        Files.writeString(src, "port = 9090\n");
        Conduit.Result check = Conduit.run("put", "--check", "--json", "-m", "0600", "local1", src.toString(),
                dest.toString());
        assertEquals(0, check.exit(), check::toString);
        assertTrue(check.out().contains("\"status\": \"changed\"") && check.out().contains("would change " + dest
                + ": content differs, mode 0644 -> 0600"), check::toString);
        assertEquals("port = 8080\n", Files.readString(dest), "--check changed the file");
        assertEquals("rw-r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(dest)));
    }

    @Test
    void recursivePutAndFetchCopyATreeAndADirectoryNeedsR() throws Exception {
        Path tree = Files.createDirectories(dir.resolve("site/conf.d"));
        Files.writeString(tree.resolve("a.conf"), "a\n");
        Files.createDirectories(dir.resolve("site/empty"));
        Files.setPosixFilePermissions(tree, PosixFilePermissions.fromString("rwxr-x---"));
        Path remote = dir.resolve("host/site");

        Conduit.Result put = Conduit.run("put", "-r", "local1", dir.resolve("site").toString(), remote.toString());
        assertEquals(0, put.exit(), put::toString);
        assertTrue(put.out().contains("local1 | CHANGED"), put::toString);
        assertEquals("a\n", Files.readString(remote.resolve("conf.d/a.conf")));
        assertEquals("rwxr-x---", PosixFilePermissions.toString(Files.getPosixFilePermissions(remote.resolve(
                "conf.d"))));
        assertTrue(Files.isDirectory(remote.resolve("empty")), "the empty directory was not put");
        Conduit.Result again = Conduit.run("put", "-r", "local1", dir.resolve("site").toString(), remote.toString());
        assertTrue(again.out().contains("local1 | OK"), again::toString);

        Path back = dir.resolve("back");
        Conduit.Result refused = Conduit.run("fetch", "local1", remote.toString(), back.toString());
        assertEquals(Main.EXIT_HOSTS_FAILED, refused.exit(), refused::toString);
        assertTrue(refused.out().contains(remote + ": it is a directory; fetch -r copies a directory"),
                refused::toString);
        assertFalse(Files.exists(back.resolve("local1")), "a refused fetch left a directory");

        Conduit.Result fetch = Conduit.run("fetch", "-r", "local1", remote.toString(), back.toString());
        assertEquals(0, fetch.exit(), fetch::toString);
        assertEquals("a\n", Files.readString(back.resolve("local1/site/conf.d/a.conf")));
        assertEquals("rwxr-x---", PosixFilePermissions.toString(Files.getPosixFilePermissions(back.resolve(
                "local1/site/conf.d"))));
        assertTrue(Files.isDirectory(back.resolve("local1/site/empty")), "the empty directory was not fetched");
    }
}
