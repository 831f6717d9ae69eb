package io.conduit.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bin/conduit start|stop|status}, and a script's runs attached to the resident Conduit: the second run
 * reuses the first one's connection (the sshd sees one login), relative paths are the client's, statuses pass
 * through, and a killed resident leaves nothing that stops the next run.
 */
class ResidentIT {
    @TempDir
    Path work;

    private LoopbackSshd sshd;
    private Map<String, String> env;

    @AfterEach
    void stopAll() throws Exception {
        if (env != null) {
            Conduit.withEnv(env, null, "stop");
        }
        if (sshd != null) {
            sshd.close();
        }
    }

    @Test
    void consecutiveRunsOfAScriptShareTheResidentsConnections() throws Exception {
        Path data = work.resolve("d");
        env = Map.of("CONDUIT_DATA", data.toString());
        Path resident = data.resolve("resident");

        Conduit.Result before = Conduit.withEnv(env, null, "status");
        assertEquals(3, before.exit(), before.toString());

        Conduit.Result start = Conduit.withEnv(env, null, "start");
        assertEquals(0, start.exit(), start.toString());
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(resident)));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(resident.resolve("sock"))));
        Conduit.Result again = Conduit.withEnv(env, null, "start");
        assertEquals(0, again.exit(), again.toString());
        assertTrue(again.out().contains("already running"), again.toString());
        Conduit.Result status = Conduit.withEnv(env, null, "status");
        assertEquals(0, status.exit(), status.toString());
        assertTrue(status.out().contains("pid " + Files.readString(resident.resolve("pid")).trim()), status.out());

        // a script in its own folder, naming its inventory relative to it
        Path script = Files.createDirectories(work.resolve("script"));
        int port = sshd(work.resolve("sshd"));
        Files.writeString(script.resolve("hosts.yaml"), String.join("\n",
                "hosts:",
                "  box:",
                "    connection: ssh",
                "    hostname: 127.0.0.1",
                "    port: " + port,
                "    username: " + System.getProperty("user.name"),
                "    connection_options:",
                "      ssh:",
                "        extras: {host_key_checking: accept-new, known_hosts_file: " + work.resolve("known_hosts")
                        + ", look_for_keys: false, identity_agent: none, connect_timeout: 60s, private_key_file: ["
                        + work.resolve("sshd/client") + "]}",
                ""));
        for (int i = 0; i < 2; i++) {
            Conduit.Result run = Conduit.in(script, env, null, Conduit.DIST, "-c",
                    "conduit:run -i hosts.yaml box -- echo attached");
            assertEquals(0, run.exit(), run.toString());
            assertTrue(run.out().contains("attached"), run.toString());
        }
        Conduit.Result connections = Conduit.in(script, env, null, Conduit.DIST, "connections");
        int uses = connections.out().indexOf("USES");
        String row = connections.out().lines().filter(l -> l.startsWith("box ")).findFirst().orElse("");
        assertTrue(uses >= 0 && row.length() > uses, connections.toString());
        assertEquals("2", row.substring(uses).trim().split("\\s+")[0], "USES of box: " + connections);
        assertEquals(1, Files.readString(work.resolve("sshd/sshd.log")).lines()
                .filter(l -> l.contains("Accepted publickey")).count(), "the sshd saw one login");

        // statuses as in-process: a host failed, bad input (the path read from the script's folder)
        Conduit.Result failed = Conduit.in(script, env, null, Conduit.DIST, "run", "-i", "hosts.yaml", "box",
                "false");
        assertEquals(2, failed.exit(), failed.toString());
        Conduit.Result missing = Conduit.in(script, env, null, Conduit.DIST, "run", "-i", "nothere.yaml", "all",
                "true");
        assertEquals(64, missing.exit(), missing.toString());
        assertTrue(missing.err().contains(script.resolve("nothere.yaml").toString()), missing.toString());

        Conduit.Result stop = Conduit.withEnv(env, null, "stop");
        assertEquals(0, stop.exit(), stop.toString());
        Conduit.Result after = Conduit.withEnv(env, null, "status");
        assertEquals(3, after.exit(), after.toString());
        assertFalse(Files.exists(resident.resolve("sock")));
    }

    @Test
    void aKilledResidentsSocketIsIgnoredAndCleanedUp() throws Exception {
        Path data = work.resolve("d");
        env = Map.of("CONDUIT_DATA", data.toString());
        Path resident = data.resolve("resident");
        assertEquals(0, Conduit.withEnv(env, null, "start").exit());
        long pid = Long.parseLong(Files.readString(resident.resolve("pid")).trim());
        ProcessHandle process = ProcessHandle.of(pid).orElseThrow();
        assertTrue(new ProcessBuilder("kill", "-KILL", Long.toString(pid)).start().waitFor() == 0);
        process.onExit().get(30, TimeUnit.SECONDS);
        assertTrue(Files.exists(resident.resolve("sock")), "SIGKILL leaves the socket behind");

        // the next client runs the command itself
        Conduit.Result here = Conduit.withEnv(env, null, "-c", "conduit:plugins");
        assertEquals(0, here.exit(), here.toString());
        assertTrue(here.out().contains("ssh"), here.toString());

        Conduit.Result start = Conduit.withEnv(env, null, "start");
        assertEquals(0, start.exit(), start.toString());
        assertTrue(Files.exists(resident.resolve("sock")));
        assertTrue(Long.parseLong(Files.readString(resident.resolve("pid")).trim()) != pid);
        Conduit.Result attached = Conduit.withEnv(env, null, "-c", "conduit:plugins");
        assertEquals(0, attached.exit(), attached.toString());

        // a folder others may enter is refused, precisely
        Files.setPosixFilePermissions(resident, PosixFilePermissions.fromString("rwxr-xr-x"));
        Conduit.Result refused = Conduit.withEnv(env, null, "status");
        assertEquals(4, refused.exit(), refused.toString());
        assertTrue(refused.err().contains(resident + " has mode rwxr-xr-x; it must be 0700"), refused.toString());
        Files.setPosixFilePermissions(resident, PosixFilePermissions.fromString("rwx------"));
    }

    /** The system's OpenSSH sshd on a free port, this user's key login ({@code DIR/client}) only, logging each login. */
    private int sshd(Path dir) throws Exception {
        Files.createDirectories(dir);
        LoopbackSshd.keygen(dir.resolve("client"));
        sshd = LoopbackSshd.start(dir, "AuthorizedKeysFile " + dir.resolve("client.pub"),
                "PermitRootLogin prohibit-password", "PasswordAuthentication no", "LogLevel INFO");
        return sshd.port();
    }
}
