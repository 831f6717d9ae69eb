package io.conduit.itests;

import static org.ops4j.pax.exam.cm.ConfigurationAdminOptions.factoryConfiguration;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;

/** The plugin lifecycle through a jar dropped into, replaced in and deleted from a folder FileInstall watches. */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class DeployFolderIT extends PluginLifecycleScenario {
    private static final Path DEPLOY = WORK.resolve("deploy");
    private static final String JAR = "versioned-plugin.jar";

    @Configuration
    public Option[] configuration() throws Exception {
        Files.createDirectories(DEPLOY);
        try (var old = Files.list(DEPLOY)) {
            for (Path p : old.toList()) {
                Files.delete(p);
            }
        }
        return config(factoryConfiguration("org.apache.felix.fileinstall")
                .put("felix.fileinstall.dir", DEPLOY.toAbsolutePath().toString())
                .put("felix.fileinstall.poll", "200").put("felix.fileinstall.noInitialDelay", "true").asOption());
    }

    @Override
    protected void install(Path jar) throws Exception {
        drop(jar);
        awaitPlugin(version(jar));
    }

    @Override
    protected void upgrade(Path jar) throws Exception {
        drop(jar);
        // FileInstall updates the bundle on its own thread; the run goes on meanwhile
        await("FileInstall to update the plugin to " + version(jar), 30, () -> {
            Bundle b = bundle(TestBundles.SYMBOLIC_NAME);
            return b != null && b.getState() == Bundle.ACTIVE && b.getVersion().toString().equals(version(jar));
        });
    }

    @Override
    protected void remove() throws Exception {
        Files.delete(DEPLOY.resolve(JAR));
        await("FileInstall to uninstall the plugin", 30, () -> bundle(TestBundles.SYMBOLIC_NAME) == null);
        awaitPlugin(null);
    }

    private static void drop(Path jar) throws Exception {
        // copy beside, then rename: FileInstall never sees half a jar
        Path temp = DEPLOY.resolve(JAR + ".part");
        Files.copy(jar, temp, StandardCopyOption.REPLACE_EXISTING);
        Files.move(temp, DEPLOY.resolve(JAR), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    private static String version(Path jar) {
        String name = jar.getFileName().toString();
        return name.substring("versioned-plugin-".length(), name.length() - ".jar".length());
    }
}
