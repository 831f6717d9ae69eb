package io.conduit.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CnfTest {
    @TempDir
    Path dir;

    @Test
    void runBundlesAreGroupAndArtifactInFileOrder() throws IOException {
        Path list = Files.writeString(dir.resolve("runbundles.txt"), """
                # comment
                org.example:b-lib

                org.example.x:a.lib
                """);

        assertEquals(List.of(new Cnf.RunBundle("org.example", "b-lib"), new Cnf.RunBundle("org.example.x", "a.lib")),
                Cnf.runBundles(list));
    }

    @Test
    void aVersionInTheListIsRefusedWithFileAndLine() throws IOException {
        Path list = Files.writeString(dir.resolve("runbundles.txt"), "org.example:a\norg.example:b:1.0\n");

        IllegalStateException e = assertThrows(IllegalStateException.class, () -> Cnf.runBundles(list));

        assertTrue(e.getMessage().contains("runbundles.txt:2: \"org.example:b:1.0\" is not groupId:artifactId"),
                e.getMessage());
    }

    @Test
    void theAssemblyCopiesTheListedBundlesAndRefusesOneNotResolved() throws IOException {
        Path resolved = dir.resolve("resolved");
        Files.createDirectories(resolved.resolve("org/example/a/1.2"));
        Files.writeString(resolved.resolve("org/example/a/1.2/a-1.2.jar"), "a");
        Files.createDirectories(resolved.resolve("org/example/other/3"));
        Files.writeString(resolved.resolve("org/example/other/3/other-3.jar"), "other");
        Path system = dir.resolve("system");

        Cnf.main(new String[] {Files.writeString(dir.resolve("ok.txt"), "org.example:a\n").toString(),
                resolved.toString(), system.toString()});

        assertEquals(List.of("a-1.2.jar"), Files.list(system).map(p -> p.getFileName().toString()).toList());
        assertEquals(system.resolve("a-1.2.jar"), new Cnf.RunBundle("org.example", "a").jarIn(system));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> Cnf.main(new String[] {
                Files.writeString(dir.resolve("bad.txt"), "org.example:missing\n").toString(), resolved.toString(),
                system.toString()}));
        assertTrue(e.getMessage().contains("org.example:missing was not resolved"), e.getMessage());
    }
}
