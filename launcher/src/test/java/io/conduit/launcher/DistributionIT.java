package io.conduit.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
    void systemHoldsExactlyTheRunBundlesOfCnf() throws IOException {
        Path list = Conduit.REACTOR.resolve("cnf").resolve(Cnf.RUN_BUNDLES);
        List<String> expected = new ArrayList<>();
        for (Cnf.RunBundle bundle : Cnf.runBundles(list)) {
            expected.add(bundle.jarIn(Conduit.DIST.resolve("system")).getFileName().toString());
        }
        List<String> actual;
        try (Stream<Path> jars = Files.list(Conduit.DIST.resolve("system"))) {
            actual = jars.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".jar")).sorted().toList();
        }
        assertEquals(expected.stream().sorted().toList(), actual, "system/ is made from " + list + " alone");
    }

    @Test
    void theFrameworkPropertiesAreCnfs() throws IOException {
        assertEquals(-1, Files.mismatch(Conduit.REACTOR.resolve("cnf").resolve(Cnf.FRAMEWORK_PROPERTIES),
                Conduit.DIST.resolve("etc/config.properties")), "etc/config.properties is a copy of cnf/");
    }

    @Test
    void everyModulesDefaultConfigurationIsInEtc() throws IOException {
        List<String> missing = new ArrayList<>();
        try (Stream<Path> modules = Files.list(Conduit.REACTOR)) {
            // the cluster's configuration is the operator's to write (opt/cluster holds an example)
            for (Path etc : modules.filter(m -> !m.getFileName().toString().equals("cluster.bundle"))
                    .map(m -> m.resolve("src/dist/etc")).filter(Files::isDirectory).toList()) {
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
    void theClusterIsShippedInOptButNeitherDeployedNorConfigured() throws IOException {
        Path opt = Conduit.DIST.resolve("opt/cluster");
        List<String> shipped;
        try (Stream<Path> files = Files.list(opt)) {
            shipped = files.map(p -> p.getFileName().toString()).sorted().toList();
        }
        assertEquals(3, shipped.size(), "opt/cluster: " + shipped);
        assertEquals("hazelcast-5.7.0.jar", shipped.get(1), "opt/cluster: " + shipped);
        assertTrue(shipped.get(0).matches("cluster\\.bundle-[0-9.]+(-SNAPSHOT)?\\.jar"), "opt/cluster: " + shipped);
        assertEquals("io.conduit.cluster.cfg.example", shipped.get(2), "opt/cluster: " + shipped);
        for (Path jar : Distribution.jars(Conduit.DIST.resolve("deploy"))) {
            String name = jar.getFileName().toString();
            assertFalse(name.startsWith("hazelcast") || name.startsWith("cluster"), "deploy/ holds " + name);
        }
        for (Path jar : Distribution.jars(Conduit.DIST.resolve("system"))) {
            assertFalse(jar.getFileName().toString().startsWith("hazelcast"), "system/ holds " + jar);
        }
        assertFalse(Files.exists(Conduit.DIST.resolve("etc/io.conduit.cluster.cfg")), "etc/ enables no cluster");
    }

    @Test
    void theDefaultDistributionRunsAlone() throws Exception {
        Conduit.Result r = Conduit.run("cluster");

        assertEquals(0, r.exit(), r::toString);
        assertTrue(r.out().startsWith("this process is in no cluster (the cluster bundle is not deployed"), r::toString);
    }

    @Test
    void theClusterExampleNamesEveryKeyOfTheConfiguration() throws IOException {
        java.util.Properties example = new java.util.Properties();
        try (java.io.Reader in = Files.newBufferedReader(
                Conduit.DIST.resolve("opt/cluster/io.conduit.cluster.cfg.example"))) {
            example.load(in);
        }
        // DS maps a method name's "__" to "_": cluster__name() is the key cluster_name
        List<String> keys = java.util.Arrays.stream(io.conduit.cluster.ClusterConfig.class.getDeclaredMethods())
                .map(m -> m.getName().replace("__", "_")).sorted().toList();
        assertEquals(keys, example.stringPropertyNames().stream().sorted().toList(),
                "opt/cluster/io.conduit.cluster.cfg.example against ClusterConfig");
        assertEquals("true", example.getProperty("enabled"), "copied to etc/, the example enables the member");
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
