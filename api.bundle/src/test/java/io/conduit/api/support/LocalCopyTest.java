package io.conduit.api.support;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalCopyTest {
    @TempDir
    Path dir;

    @Test
    void aCommittedCopyReplacesTheTargetWithItsModeAndLeavesNothingElse() throws IOException {
        Path target = dir.resolve("sub/deeper/file");
        Files.createDirectories(target.getParent());
        Files.writeString(target, "old");
        try (LocalCopy copy = LocalCopy.create(target)) {
            assertEquals(target.getParent(), copy.temporary().getParent());
            try (OutputStream out = copy.output()) {
                out.write("new".getBytes(StandardCharsets.UTF_8));
            }
            assertEquals("old", Files.readString(target), "the target changes only at the commit");
            assertTrue(copy.setMode(0751));
            copy.commit();
        }
        assertEquals("new", Files.readString(target));
        assertEquals("rwxr-x--x", PosixFilePermissions.toString(Files.getPosixFilePermissions(target)));
        assertEquals(0751, LocalCopy.modeOf(target));
        assertEquals(List.of(target), files(target.getParent()));
    }

    @Test
    void createMakesTheMissingDirectoriesAndBesideDoesNot() throws IOException {
        Path target = dir.resolve("a/b/file");
        LocalWriteFailed e = assertThrows(LocalWriteFailed.class, () -> LocalCopy.beside(target));
        assertInstanceOf(NoSuchFileException.class, e.getCause());
        try (LocalCopy copy = LocalCopy.create(target)) {
            copy.commit();
        }
        assertArrayEquals(new byte[0], Files.readAllBytes(target));
    }

    @Test
    void anUncommittedCopyIsRemovedAndTheTargetIsUnchanged() throws IOException {
        Path target = dir.resolve("file");
        Files.writeString(target, "kept");
        Path temporary;
        try (LocalCopy copy = LocalCopy.create(target)) {
            temporary = copy.temporary();
            try (OutputStream out = copy.output()) {
                out.write('x');
            }
        }
        assertFalse(Files.exists(temporary));
        assertEquals("kept", Files.readString(target));
        assertEquals(List.of(target), files(dir));
    }

    @Test
    void aFailedMoveIsALocalWriteFailureAndLeavesNoTemporaryFile() throws IOException {
        Path target = dir.resolve("taken");
        Files.createDirectories(target.resolve("child")); // a non-empty directory cannot be replaced by a file
        try (LocalCopy copy = LocalCopy.create(target)) {
            LocalWriteFailed e = assertThrows(LocalWriteFailed.class, copy::commit);
            assertEquals(e.getCause().getMessage(), e.getMessage());
        }
        assertEquals(List.of(target), files(dir));
    }

    @Test
    void permissionsReadTheNineBitsOnly() {
        assertEquals("rwsr-xr-x".replace('s', 'x'), PosixFilePermissions.toString(LocalCopy.permissions(04755)));
        assertEquals("---------", PosixFilePermissions.toString(LocalCopy.permissions(0)));
    }

    private static List<Path> files(Path in) throws IOException {
        try (Stream<Path> s = Files.list(in)) {
            return s.sorted().toList();
        }
    }
}
