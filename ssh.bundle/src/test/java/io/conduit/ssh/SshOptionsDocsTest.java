package io.conduit.ssh;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.conduit.api.support.OptionDocs;

/**
 * The ssh options are declared once ({@link SshOptions}); what documents them must say the same. Like Ansible's
 * ansible#22400, where the documented default of a setting had drifted from the one the code used: here the
 * build fails instead, naming the line to fix.
 */
class SshOptionsDocsTest {

    @Test
    void metatypeReadmeAndCfgTemplateSayWhatTheDeclarationSays() throws IOException {
        List<String> problems = OptionDocs.check(SshOptions.ALL,
                Path.of("src/main/java/io/conduit/ssh/SshConfig.java"),
                Path.of("README.md"), Path.of("src/dist/etc/io.conduit.ssh.cfg"));
        assertEquals("", String.join("\n", problems));
    }
}
