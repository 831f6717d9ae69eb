package io.conduit.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DistributionTest {
    @TempDir
    Path home;

    @Test
    void systemBundlesStartByLevelThenNameWithTheFirstMatchingGlob() throws IOException {
        Files.createDirectories(home.resolve("system"));
        for (String jar : List.of("b-1.jar", "a-1.jar", "log-api-2.jar", "log-impl-2.jar", "console-1.jar")) {
            Files.writeString(home.resolve("system").resolve(jar), "");
        }
        Files.writeString(home.resolve("system/startup.properties"), """
                # comment
                log-api-*.jar = 10
                log-*.jar = 11 background
                console-*.jar = 90
                default.level = 50
                """);

        List<Distribution.SystemBundle> bundles = new Distribution(home).systemBundles();

        assertEquals(List.of("log-api-2.jar:10:false", "log-impl-2.jar:11:true", "a-1.jar:50:false",
                "b-1.jar:50:false", "console-1.jar:90:false"), bundles.stream()
                .map(b -> b.jar().getFileName() + ":" + b.level() + ":" + b.background()).toList());
    }

    @Test
    void aBadLevelNamesTheFileAndKey() throws IOException {
        Files.createDirectories(home.resolve("system"));
        Files.writeString(home.resolve("system/startup.properties"), "x-*.jar = first\n");

        IllegalStateException e = assertThrows(IllegalStateException.class, () -> new Distribution(home).systemBundles());

        assertTrue(e.getMessage().contains("startup.properties: x-*.jar: \"first\" is not a start level"), e.getMessage());
    }

    @Test
    void frameworkPropertiesSubstituteHomeDataAndEarlierKeys() throws IOException {
        Files.createDirectories(home.resolve("etc"));
        Files.writeString(home.resolve("etc/config.properties"), """
                a = ${conduit.home}/etc
                b = ${a}/more and ${conduit.data}
                filter = .*\\\\.(cfg|config)
                """);

        Map<String, String> p = new Distribution(home).frameworkProperties();

        assertEquals(home + "/etc", p.get("a"));
        assertEquals(home + "/etc/more and " + home + "/data", p.get("b"));
        assertEquals(".*\\.(cfg|config)", p.get("filter"));
    }

    @Test
    void anUndefinedVariableIsAnError() throws IOException {
        Files.createDirectories(home.resolve("etc"));
        Files.writeString(home.resolve("etc/config.properties"), "a = ${no.such.thing}/x\n");

        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> new Distribution(home).frameworkProperties());

        assertTrue(e.getMessage().contains("a: ${no.such.thing} is not defined"), e.getMessage());
    }

    @Test
    void aMissingConfigFileSaysTheDistributionIsIncomplete() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> new Distribution(home).frameworkProperties());

        assertTrue(e.getMessage().contains("config.properties cannot be read"), e.getMessage());
    }
}
