package io.conduit.itests;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;

/** The plugin lifecycle through framework calls, as the shell's install, update and uninstall make them. */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class BundleUpdateIT extends PluginLifecycleScenario {
    private Bundle plugin;

    @Configuration
    public Option[] configuration() {
        return config();
    }

    @Override
    protected void install(Path jar) throws Exception {
        plugin = context.installBundle(jar.toUri().toString());
        plugin.start();
    }

    @Override
    protected void upgrade(Path jar) throws Exception {
        try (InputStream in = Files.newInputStream(jar)) {
            plugin.update(in); // synchronous: stop (drains), swap, start (registers the new service)
        }
    }

    @Override
    protected void remove() throws Exception {
        plugin.uninstall();
    }
}
