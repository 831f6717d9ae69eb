package io.conduit.itests;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;

/** etc/*.cfg is live configuration: an edit reaches the components while Conduit runs, with no restart. */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class ConfigurationIT extends ConduitTestSupport {

    @Configuration
    public Option[] configuration() {
        return distribution(false);
    }

    @Test
    public void editingTheRunnerConfigurationAppliesWhileConduitRuns() throws Exception {
        Path cfg = etc().resolve("io.conduit.runner.cfg");
        Files.writeString(cfg, Files.readString(cfg)
                .replaceAll("(?m)^host_timeout = .*$", "host_timeout = 1"));
        // FileInstall notices the edit and ConfigAdmin hands it to the runner; nothing signals when, so poll
        await("the runner to apply host_timeout = 1", 60, () -> {
            try {
                return execute("conduit:run local1 'sleep 3'").contains("timed out after 1 s");
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        });
    }

}
