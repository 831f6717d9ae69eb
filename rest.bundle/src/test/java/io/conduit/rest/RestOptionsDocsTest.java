package io.conduit.rest;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;

import io.conduit.api.support.OptionDocs;
import io.conduit.rest.plugin.RestOptions;

/** The rest options are declared once ({@link RestOptions}); the documentation must say what they say. */
class RestOptionsDocsTest {

    @Test
    void metatypeReadmeAndCfgTemplateSayWhatTheDeclarationSays() throws IOException {
        assertEquals("", String.join("\n", OptionDocs.check(RestOptions.ALL,
                Path.of("src/main/java/io/conduit/rest/plugin/RestConfig.java"), Path.of("README.md"),
                Path.of("src/dist/etc/io.conduit.rest.cfg"))));
    }
}
