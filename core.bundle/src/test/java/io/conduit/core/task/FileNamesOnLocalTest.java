package io.conduit.core.task;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.conduit.api.connection.Become;
import io.conduit.api.connection.Connection;
import io.conduit.api.connection.ConnectionKey;
import io.conduit.api.connection.ConnectionParams;
import io.conduit.api.testing.BecomeEnvironment;
import io.conduit.api.testing.FileNameScenario;
import io.conduit.core.local.LocalPlugin;

/**
 * Every file name the host accepts goes through the local plugin's put and fetch, and through put and fetch
 * {@code --become} (a command carries the bytes: the path is on a shell line), with nothing run from a name.
 */
class FileNamesOnLocalTest {
    @TempDir
    Path dir;
    private final LocalPlugin plugin = new LocalPlugin();
    private Connection connection;

    @BeforeEach
    void open() throws Exception {
        connection = plugin.create(new ConnectionKey("here", "local"));
        connection.open(new ConnectionParams("localhost", 0, null, null, null, Map.of()));
    }

    @AfterEach
    void close() {
        connection.close(); // the plugin's I/O threads are daemons; its deactivate is for DS only
    }

    @Test
    void theLocalPluginPutsAndFetchesEveryName() throws Exception {
        new FileNameScenario().run(connection::put, connection::fetch, FileNameScenario.LOCAL,
                dir.resolve("host").toString(), dir.resolve("here"));
    }

    @Test
    void putAndFetchAsAnotherUserQuoteEveryNameOnTheirShellLine() throws Exception {
        BecomeEnvironment.require();
        Become root = Become.sudo("root", null);
        Duration timeout = Duration.ofSeconds(30);
        new FileNameScenario().run(
                (local, remote, mode) -> BecomeTransfer.put(connection, "here", local, remote, mode, root, timeout),
                (remote, local) -> BecomeTransfer.fetch(connection, "here", remote, local, root, timeout),
                FileNameScenario.LOCAL, dir.resolve("host").toString(), dir.resolve("here"));
    }
}
