package io.conduit.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import org.junit.jupiter.api.Test;

import io.conduit.api.connection.Connection;
import io.conduit.api.testing.PackageGraph;

/**
 * The API's packages depend on each other one way: the contract ({@code connection}) on nothing of Conduit's,
 * support on the contract, never back. Read from the compiled classes, so that a signature or a default method
 * that names a helper fails here before the baseline or a plugin sees it.
 */
class PackageCyclesTest {
    @Test
    void thePackageGraphHasNoCycle() throws IOException {
        Map<String, Set<String>> graph = PackageGraph.of(Connection.class, "io.conduit.api");
        assertTrue(graph.keySet().containsAll(List.of("io.conduit.api.connection", "io.conduit.api.support",
                "io.conduit.api.inventory", "io.conduit.api.task")), "the API's packages were found: " + graph);
        assertEquals(List.of(), PackageGraph.cycles(graph), "package cycles in " + graph);
    }

    @Test
    void theContractDependsOnNoOtherPackageOfConduit() throws IOException {
        Map<String, Set<String>> graph = PackageGraph.of(Connection.class, "io.conduit.api");
        assertEquals(Set.of(), graph.get("io.conduit.api.connection"), "the contract's uses in " + graph);
    }

    @Test
    void aCycleIsFound() {
        Map<String, Set<String>> graph = new TreeMap<>(Map.of("a", Set.of("b"), "b", Set.of("c"), "c", Set.of("a"),
                "d", Set.of("a")));
        assertEquals(List.of(List.of("a", "b", "c", "a")), PackageGraph.cycles(graph));
    }
}
