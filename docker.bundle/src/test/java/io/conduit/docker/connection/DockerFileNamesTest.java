package io.conduit.docker.connection;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.conduit.api.connection.Connection;
import io.conduit.api.connection.ConnectionKey;
import io.conduit.api.connection.ConnectionParams;
import io.conduit.api.testing.FileNameScenario;
import io.conduit.docker.DockerCli;
import io.conduit.docker.client.DockerDefaults;

/**
 * Every file name the container accepts, put and fetched through the archive API (tar headers: names over 100
 * bytes need a PAX record) and renamed with mv in the container; checked with docker exec, not the plugin.
 */
class DockerFileNamesTest {
    @TempDir
    Path tmp;

    @Test
    void everyNameIsPutAndFetchedInAContainer() throws Exception {
        DockerCli cli = new DockerCli();
        DockerPlugin plugin = new DockerPlugin(DockerDefaults.from(null, System.getenv()));
        try {
            String container = cli.run("names", DockerCli.BUSYBOX);
            try (Connection c = plugin.create(new ConnectionKey(container, "docker"))) {
                c.open(new ConnectionParams(container, 0, null, null, null, Map.of()));
                new FileNameScenario().run(c::put, c::fetch, new InContainer(container), "/tmp/names",
                        Files.createDirectories(tmp.resolve("here")));
            }
        } finally {
            plugin.deactivate();
            cli.removeAll();
        }
    }

    /** The container's file system through {@code docker exec} with argument vectors (no shell reads a name). */
    private record InContainer(String container) implements FileNameScenario.Target {
        @Override
        public byte[] read(String path) throws IOException {
            DockerCli.Exec r = exec("sh", "-c", "[ -f \"$1\" ] && cat \"$1\"", "sh", path);
            return r.status() == 0 ? r.out() : null;
        }

        @Override
        public Set<String> list(String dir) throws IOException {
            DockerCli.Exec r = exec("sh", "-c", "for f in \"$1\"/* \"$1\"/.[!.]* \"$1\"/..?*; do [ -e \"$f\" ] &&"
                    + " printf '%s\\0' \"${f##*/}\"; done; true", "sh", dir);
            Set<String> names = new TreeSet<>();
            for (String n : new String(r.out(), StandardCharsets.UTF_8).split("\0")) {
                if (!n.isEmpty()) {
                    names.add(n);
                }
            }
            return names;
        }

        @Override
        public void mkdirs(String dir) throws IOException {
            if (exec("mkdir", "-p", dir).status() != 0) {
                throw new IOException("mkdir -p " + dir + " failed in " + container);
            }
        }

        private DockerCli.Exec exec(String... argv) throws IOException {
            return new DockerCli().exec(container, argv);
        }
    }
}
