package io.conduit.rest.support;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import io.conduit.api.connection.Command;
import io.conduit.api.connection.Connection;
import io.conduit.api.connection.ConnectionKey;
import io.conduit.api.connection.ConnectionParams;
import io.conduit.api.connection.Secret;
import io.conduit.rest.RestPlugin;

/**
 * Conduit's side in a JVM of its own, to be killed with SIGKILL while a command runs:
 * {@code java -cp TEST_CLASSPATH io.conduit.rest.support.ExecMain PORT CA_FILE TOKEN_FILE COMMAND}. Opens a
 * {@code RestConnection} to an agent on 127.0.0.1 and runs the command; prints its exit code if it ever ends.
 */
public final class ExecMain {
    private ExecMain() {
    }

    /** @param args port, CA file, token file, shell command */
    public static void main(String[] args) throws Exception {
        RestPlugin plugin = new RestPlugin(Configs.defaults());
        Connection c = plugin.create(new ConnectionKey("killed", "rest"));
        c.open(new ConnectionParams("127.0.0.1", Integer.parseInt(args[0]), null, null, null, Map.of(
                "token", Secret.of(Files.readString(Path.of(args[2])).strip()), "ca_file", args[1])));
        System.out.println("exit " + c.exec(Command.shell(args[3])).exitCode());
    }
}
