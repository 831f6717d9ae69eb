package io.conduit.api.connection;

import io.conduit.api.support.FileNames;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileNamesTest {

    @Test
    void temporaryNamesHaveAFixedLengthAndAreHiddenInTheTargetsDirectory() {
        String longName = "n".repeat(255);
        String temp = FileNames.temporarySibling("/srv/dir with space/" + longName);
        assertTrue(temp.startsWith("/srv/dir with space/.conduit-"), temp);
        String name = temp.substring(temp.lastIndexOf('/') + 1);
        assertEquals(FileNames.TEMPORARY_NAME_LENGTH, name.getBytes(StandardCharsets.UTF_8).length);
        assertTrue(name.matches("\\.conduit-[0-9a-f]{16}\\.tmp"), name);
        assertTrue(FileNames.temporarySibling("bare").matches("\\.conduit-[0-9a-f]{16}\\.tmp"));
        assertNotEquals(FileNames.temporaryName(), FileNames.temporaryName());
    }

    @Test
    void aLocalTemporaryFileIsOwnerOnlyNextToATargetOf255Bytes(@TempDir Path dir) throws Exception {
        Path target = dir.resolve("ü".repeat(127) + "x"); // 255 bytes of UTF-8
        Path temp = FileNames.createTemporarySibling(target);
        assertEquals(dir, temp.getParent());
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(temp)));
        Files.move(temp, target);
        assertTrue(Files.isRegularFile(target));
    }

    @Test
    void aPathEndingInASlashMeansIntoThatDirectory() {
        assertEquals("/srv/app/a b.txt", FileNames.intoDirectory("/srv/app/", "a b.txt"));
        assertEquals("/srv/app/x", FileNames.intoDirectory("/srv/app/x", "a b.txt"));
    }
}
