package io.conduit.docker.inventory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

class ContainerFilterTest {
    @Test
    void parsesTheDocumentedSyntax() throws Exception {
        ContainerFilter f = ContainerFilter.parse("label=env=prod, label=tier ,name=web*,host=tcp://127.0.0.1:2376");
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put("env", "prod");
        labels.put("tier", null);
        assertEquals(labels, f.labels());
        assertEquals(List.of("web*"), f.names());
        assertEquals("tcp://127.0.0.1:2376", f.host());
        assertTrue(f.matchesName("web1"));
        assertFalse(f.matchesName("db1"));
        assertTrue(ContainerFilter.parse("").matchesName("anything"));
        assertTrue(ContainerFilter.parse("name=a?c").matchesName("a.c"));
        assertFalse(ContainerFilter.parse("name=a.c").matchesName("abc"));
    }
}
