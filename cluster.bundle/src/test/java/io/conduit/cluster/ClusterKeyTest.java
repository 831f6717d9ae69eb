package io.conduit.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClusterKeyTest {
    @TempDir
    Path dir;

    private Path key(String name, int bytes, String perms) throws Exception {
        Path f = dir.resolve(name);
        Files.write(f, new byte[bytes]);
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString(perms));
        return f;
    }

    private String refused(Path f) {
        return assertThrows(ClusterKeyException.class, () -> ClusterKey.read(f)).getMessage();
    }

    @Test
    void aKeyReadableByItsOwnerOnlyOf32To4096BytesIsRead() throws Exception {
        ClusterKey.read(key("a.key", 32, "rw-------"));
        ClusterKey.read(key("b.key", 4096, "r--------"));
        assertEquals("ClusterKey[***]", ClusterKey.read(key("c.key", 64, "rw-------")).toString());
    }

    @Test
    void aKeyOpenToGroupOrOthersIsRefusedWithTheChmodToRun() throws Exception {
        Path f = key("open.key", 64, "rw-r--r--");
        assertEquals("cluster key file " + f + " can be read or written by group or others (rw-r--r--); run 'chmod 600 "
                + f + "'", refused(f));
        Path g = key("group.key", 64, "rw--w----");
        assertEquals("cluster key file " + g + " can be read or written by group or others (rw--w----); run 'chmod 600 "
                + g + "'", refused(g));
    }

    @Test
    void aKeyTooShortOrTooLongIsRefused() throws Exception {
        Path s = key("short.key", 31, "rw-------");
        assertEquals("cluster key file " + s + " holds 31 bytes; the key must be 32 to 4096 bytes, e.g. 'head -c 64"
                + " /dev/urandom > " + s + "'", refused(s));
        Path l = key("long.key", 4097, "rw-------");
        assertEquals("cluster key file " + l + " holds 4097 bytes; the key must be 32 to 4096 bytes, e.g. 'head -c 64"
                + " /dev/urandom > " + l + "'", refused(l));
    }

    @Test
    void aMissingKeyOrAFolderIsRefused() throws Exception {
        Path m = dir.resolve("missing.key");
        assertEquals("cluster key file " + m + " does not exist; create it on one member with 'head -c 64 /dev/urandom"
                + " > " + m + "; chmod 600 " + m + "' and copy it to every member", refused(m));
        Path d = Files.createDirectory(dir.resolve("folder"));
        assertEquals("cluster key file " + d + " is not a regular file; point key_file at the file holding the"
                + " cluster key", refused(d));
    }

    @Test
    void theTwoDerivedKeysDifferFromEachOtherAndDependOnEveryByte() {
        byte[] k = new byte[32];
        ClusterKey a = ClusterKey.of(k);
        k[31] = 1;
        ClusterKey b = ClusterKey.of(k);
        assertEquals(32, a.macKey().length);
        assertEquals(32, a.encKey().length);
        assertEquals(false, java.util.Arrays.equals(a.macKey(), a.encKey()));
        assertEquals(false, java.util.Arrays.equals(a.macKey(), b.macKey()));
        assertThrows(IllegalArgumentException.class, () -> ClusterKey.of(new byte[31]));
    }
}
