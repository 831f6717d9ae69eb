package io.conduit.docker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;

import io.conduit.api.testing.PackageGraph;
import io.conduit.docker.connection.DockerPlugin;

/** The bundle's own packages depend on each other without a cycle (read from the class files, {@link PackageGraph}). */
class PackageCyclesTest {
    private static final String ROOT = "io.conduit.docker";

    @Test
    void thePackagesFormNoCycle() throws IOException {
        Map<String, Set<String>> graph = PackageGraph.of(DockerPlugin.class, ROOT);
        assertTrue(graph.keySet().containsAll(List.of(ROOT + ".connection", ROOT + ".exec", ROOT + ".transfer")),
                graph.toString());
        assertEquals(List.of(), PackageGraph.cycles(graph), "package cycles in " + graph);
    }
}
