package io.conduit.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

/** The assembled distribution holds what the reactor says it must. */
class DistributionIT {

    @Test
    void everyRuntimeBundleThePluginsListIsInSystem() throws IOException {
        List<String> missing = new ArrayList<>();
        try (Stream<Path> lists = Files.list(Conduit.REACTOR)) {
            for (Path list : lists.map(m -> m.resolve("runtime-bundles.txt")).filter(Files::isRegularFile).toList()) {
                for (String line : Files.readAllLines(list)) {
                    String gav = line.strip();
                    if (gav.isEmpty() || gav.startsWith("#")) {
                        continue;
                    }
                    String[] p = gav.split(":");
                    assertEquals(3, p.length, list + ": \"" + gav + "\" is not groupId:artifactId:version");
                    Path jar = Conduit.DIST.resolve("system").resolve(p[1] + "-" + p[2] + ".jar");
                    if (!Files.isRegularFile(jar)) {
                        missing.add(Conduit.REACTOR.relativize(list) + ": " + gav);
                    }
                }
            }
        }
        assertEquals(List.of(), missing, "add each to the system/ artifactItems of launcher/pom.xml");
    }

    @Test
    void everyModulesDefaultConfigurationIsInEtc() throws IOException {
        List<String> missing = new ArrayList<>();
        try (Stream<Path> modules = Files.list(Conduit.REACTOR)) {
            for (Path etc : modules.map(m -> m.resolve("src/dist/etc")).filter(Files::isDirectory).toList()) {
                try (Stream<Path> cfgs = Files.list(etc)) {
                    for (Path cfg : cfgs.filter(f -> f.toString().endsWith(".cfg")).toList()) {
                        Path copy = Conduit.DIST.resolve("etc").resolve(cfg.getFileName());
                        if (!Files.isRegularFile(copy) || Files.mismatch(cfg, copy) != -1) {
                            missing.add(Conduit.REACTOR.relativize(cfg).toString());
                        }
                    }
                }
            }
        }
        assertEquals(List.of(), missing, "copied unchanged into etc/");
    }

    @Test
    void layout() {
        for (String path : List.of("bin/conduit", "lib/conduit-launcher.jar", "etc/config.properties",
                "etc/org.ops4j.pax.logging.cfg", "etc/org.apache.felix.fileinstall-deploy.cfg", "etc/gosh_profile",
                "system/startup.properties", "examples/inventory.yaml", "deploy")) {
            assertTrue(Files.exists(Conduit.DIST.resolve(path)), path + " is missing from " + Conduit.DIST);
        }
        assertTrue(Files.isExecutable(Conduit.DIST.resolve("bin/conduit")));
    }
}
