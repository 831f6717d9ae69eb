package io.conduit.itests.versioned;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;

import io.conduit.api.connection.Command;
import io.conduit.api.connection.Connection;
import io.conduit.api.connection.ConnectionKey;
import io.conduit.api.connection.ConnectionParams;
import io.conduit.api.connection.ConnectionPlugin;
import io.conduit.api.connection.ExecResult;

/**
 * A third-party style plugin, packaged by the tests in two versions: its output names the bundle version that
 * ran the command, so a test can tell which version served each host.
 */
public final class VersionedPlugin implements ConnectionPlugin {
    private final String version;

    VersionedPlugin(String version) {
        this.version = version;
    }

    @Override
    public Connection create(ConnectionKey key) {
        return new Connection() {
            private volatile boolean open;

            @Override
            public void open(ConnectionParams params) {
                open = true;
            }

            @Override
            public ExecResult exec(Command command) throws IOException {
                // a command takes a moment, so a run is in flight long enough to upgrade under it; "sleep N"
                // takes N ms (a slow host)
                String line = command.line() == null ? "" : command.line();
                long millis = line.matches("sleep [0-9]+") ? Long.parseLong(line.substring(6)) : 40;
                try {
                    Thread.sleep(millis);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new java.io.InterruptedIOException();
                }
                byte[] out = ("version " + version + "\n").getBytes(StandardCharsets.UTF_8);
                return new ExecResult(0, out, new byte[0], Duration.ofMillis(millis), false, false);
            }

            @Override
            public void put(Path local, String remotePath, int mode) {
            }

            @Override
            public void fetch(String remotePath, Path local) {
            }

            @Override
            public boolean isAlive() {
                return open;
            }

            @Override
            public void close() {
                open = false;
            }
        };
    }

    @Override
    public String description() {
        return "test plugin, version " + version;
    }
}
