package io.conduit.api.support;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.util.Set;

import org.junit.jupiter.api.Test;

class ClassNamesTest {

    @Test
    void namesTheClassesAClassFileUsesFromOtherPackagesAndInDescriptors() throws Exception {
        Set<String> names;
        try (InputStream in = SharedResources.class.getResourceAsStream("SharedResources.class")) {
            names = ClassNames.referenced(in);
        }
        // a class entry (a static call), a type only in a descriptor (a parameter), a library's class
        assertTrue(names.contains("org.osgi.framework.FrameworkUtil"), names.toString());
        assertTrue(names.contains("java.util.function.Consumer"), names.toString());
        assertTrue(names.contains("org.slf4j.Logger"), names.toString());
        assertTrue(names.contains("io.conduit.api.support.ClassNames"), names.toString());
    }

    @Test
    void notAClassFileNamesNothing() throws Exception {
        assertEquals(Set.of(), ClassNames.referenced(new ByteArrayInputStream(new byte[] {1, 2, 3, 4, 5, 6, 7, 8})));
    }
}
