package io.conduit.core.inventory;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Where each kind of local path is read from. */
class LocalPathsTest {
    @TempDir
    Path dir;

    private static final String HOME = System.getProperty("user.home");

    @Test
    void aTypedPathIsReadFromTheWorkingDirectoryAndTildeIsTheUsersHome() {
        assertEquals(Path.of("").toAbsolutePath().resolve("inv.yaml").normalize(), LocalPaths.typed("./inv.yaml"));
        assertEquals(Path.of(HOME, "inv.yaml"), LocalPaths.typed("~/inv.yaml"));
        assertEquals("~user/x", LocalPaths.expandHome("~user/x"), "only the running user's home");
    }

    @Test
    void aCommandRunForAClientInAnotherDirectoryReadsTypedPathsFromThere() {
        Path jvm = Path.of("").toAbsolutePath();
        Path seen = LocalPaths.inWorkingDirectory(dir, () -> {
            Path inner = LocalPaths.inWorkingDirectory(dir.resolve("sub"), () -> LocalPaths.typed("b.yaml"));
            assertEquals(dir.resolve("sub/b.yaml"), inner);
            return LocalPaths.typed("../x/inv.yaml");
        });
        assertEquals(dir.getParent().resolve("x/inv.yaml"), seen, "the client's directory, not the JVM's");
        assertEquals(jvm.resolve("inv.yaml"), LocalPaths.typed("inv.yaml"), "the JVM's again once it returned");
        assertEquals(jvm.resolve("inv.yaml"), LocalPaths.inWorkingDirectory(null, () -> LocalPaths.typed("inv.yaml")));
    }

    @Test
    void aPathInsideAnInventoryIsReadFromItsDirectory() {
        assertEquals(dir.resolve("keys/pw"), LocalPaths.inInventory("keys/pw", dir));
        assertEquals(Path.of("/etc/pw"), LocalPaths.inInventory("/etc/pw", dir));
        assertEquals(Path.of(HOME, "pw"), LocalPaths.inInventory("~/pw", dir));
        assertEquals(Path.of("pw"), LocalPaths.inInventory("pw", null), "no directory: as written");
    }

    @Test
    void theConfiguredInventoryIsReadFromTheHomeWhenItIsThere() throws Exception {
        Files.writeString(dir.resolve("inv.yaml"), "hosts: {}\n");
        assertEquals(dir.resolve("inv.yaml").toString(), LocalPaths.configured("inv.yaml", dir));
        assertEquals("missing.yaml", LocalPaths.configured("missing.yaml", dir), "kept for the caller to report");
        assertEquals("docker:", LocalPaths.configured("docker:", dir), "a source spec");
        assertEquals("ansible:" + dir.resolve("inv.yaml"), LocalPaths.configured("ansible:inv.yaml", dir),
                "a built-in source's path is a path");
        assertEquals("script:./missing.py", LocalPaths.configured("script:./missing.py", dir));
        assertEquals("~/inv.yaml", LocalPaths.configured("~/inv.yaml", dir));
        assertEquals("inv.yaml", LocalPaths.configured("inv.yaml", null));
        assertEquals(dir, LocalPaths.baseOf(dir));
        assertEquals(dir, LocalPaths.baseOf(dir.resolve("inv.yaml")));
    }
}
