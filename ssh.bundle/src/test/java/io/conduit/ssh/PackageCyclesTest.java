package io.conduit.ssh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;

import io.conduit.api.testing.PackageGraph;

/**
 * The bundle's packages depend on each other without a cycle: read from the compiled classes (every class name
 * and type descriptor in their constant pools, {@link PackageGraph}), so that a new import that closes a cycle
 * fails here.
 */
class PackageCyclesTest {
    @Test
    void thePackageGraphHasNoCycle() throws IOException {
        Map<String, Set<String>> graph = PackageGraph.of(SshPlugin.class, "io.conduit.ssh");
        assertTrue(graph.size() >= 4, "the bundle's packages were found: " + graph.keySet());
        assertEquals(List.of(), PackageGraph.cycles(graph), "package cycles in " + graph);
    }
}
