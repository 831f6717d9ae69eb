package io.conduit.docker.connection;

import java.time.Duration;
import java.util.Map;

import io.conduit.api.connection.Command;
import io.conduit.api.connection.Connection;
import io.conduit.api.connection.ConnectionKey;
import io.conduit.api.connection.ConnectionParams;
import io.conduit.docker.client.DockerDefaults;

/**
 * A JVM that {@link StopTest} kills with SIGKILL while this runs a command in a container:
 * {@code java -cp TEST_CLASSPATH io.conduit.docker.connection.ExecInChildJvm CONTAINER LINE [pty]}. Prints
 * {@code opened} when the connection is open, then runs LINE (with a timeout far beyond the test's), and prints
 * {@code ended ...} should it ever return.
 */
public final class ExecInChildJvm {
    private ExecInChildJvm() {
    }

    /**
     * @param args the container, the shell line, optionally "pty"
     * @throws Exception never caught: the parent reads stdout
     */
    public static void main(String[] args) throws Exception {
        DockerPlugin plugin = new DockerPlugin(DockerDefaults.from(null, System.getenv()));
        Connection c = plugin.create(new ConnectionKey(args[0], "docker"));
        c.open(new ConnectionParams(args[0], 0, null, null, null, Map.of()));
        System.out.println("opened");
        System.out.flush();
        try {
            System.out.println("ended " + c.exec(Command.shell(args[1]).withPty(args.length > 2 && args[2].equals("pty"))
                    .withTimeout(Duration.ofMinutes(10))));
        } finally {
            System.out.flush();
        }
    }
}
