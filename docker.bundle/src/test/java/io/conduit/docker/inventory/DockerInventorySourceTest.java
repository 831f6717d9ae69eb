package io.conduit.docker.inventory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.conduit.api.connection.ConnectFailedException;
import io.conduit.api.inventory.Host;
import io.conduit.api.inventory.Inventory;
import io.conduit.api.inventory.InventoryException;
import io.conduit.docker.DockerCli;
import io.conduit.docker.client.DockerDefaults;

/** The docker inventory source against the real dockerd, with labelled containers. */
class DockerInventorySourceTest {
    private static final DockerCli CLI = new DockerCli();
    private static DockerInventorySource source;
    private static String web1;
    private static String web2;
    private static String db;
    private static String stopped;

    @BeforeAll
    static void start() throws IOException {
        source = new DockerInventorySource(DockerDefaults.from(null, System.getenv()));
        String run = CLI.prefix().replace("conduit-it-", "").replace("-", "");
        web1 = CLI.run("web1", DockerCli.BUSYBOX, "conduit.test", run, "env", "prod", "conduit.groups", "web, prod");
        web2 = CLI.run("web2", DockerCli.BUSYBOX, "conduit.test", run, "env", "staging", "conduit.groups", "web");
        db = CLI.run("db", DockerCli.NOSHELL, "conduit.test", run, "env", "prod", "tier", "data");
        stopped = CLI.run("old", DockerCli.BUSYBOX, "conduit.test", run, "env", "prod");
        CLI.docker("stop", "-t", "0", stopped);
    }

    @AfterAll
    static void stop() throws IOException {
        source.deactivate();
        CLI.removeAll();
    }

    private static String run() {
        return CLI.prefix().replace("conduit-it-", "").replace("-", "");
    }

    @Test
    void runningContainersByLabelBecomeDockerHosts() throws IOException {
        Inventory inventory = source.load("label=conduit.test=" + run());
        assertEquals(List.of(db, web1, web2), List.copyOf(inventory.hosts().keySet()));
        assertFalse(inventory.hosts().containsKey(stopped), "stopped containers are not hosts");
        Host host = inventory.hosts().get(web1);
        assertEquals("docker", host.attributes().connection());
        assertEquals(web1, host.attributes().hostname());
        assertEquals(List.of("web", "prod"), host.groups());
        assertEquals("prod", host.attributes().data().get("env"));
        assertEquals(DockerCli.BUSYBOX, host.attributes().data().get("docker_image"));
        assertFalse(host.attributes().data().containsKey("conduit.groups"));
        assertTrue(inventory.groups().keySet().containsAll(List.of("web", "prod")));
        assertEquals("data", inventory.hosts().get(db).attributes().data().get("tier"));
        assertEquals(List.of(), inventory.hosts().get(db).groups());
        assertEquals("docker:label=conduit.test=" + run(), inventory.source());
    }

    @Test
    void labelsAndNamePatternsCombine() throws IOException {
        Inventory prod = source.load("label=conduit.test=" + run() + ",label=env=prod");
        assertEquals(List.of(db, web1), List.copyOf(prod.hosts().keySet()));
        Inventory web = source.load("label=conduit.test=" + run() + ",name=*-web*");
        assertEquals(List.of(web1, web2), List.copyOf(web.hosts().keySet()));
        Inventory either = source.load("label=conduit.test=" + run() + ",name=*-db,name=*-web2");
        assertEquals(List.of(db, web2), List.copyOf(either.hosts().keySet()));
        Inventory keyOnly = source.load("label=conduit.test=" + run() + ",label=tier");
        assertEquals(List.of(db), List.copyOf(keyOnly.hosts().keySet()));
    }

    @Test
    void hostsCarryWhatTheDockerPluginNeeds() throws IOException {
        Inventory inventory = source.load("label=conduit.test=" + run() + ",host=unix:///var/run/docker.sock");
        Map<String, Object> extras = inventory.hosts().get(web1).attributes().optionsFor("docker").extras();
        assertEquals("unix:///var/run/docker.sock", extras.get("docker_host"));
        assertEquals(CLI.docker("inspect", "-f", "{{.Id}}", web1), extras.get("container"));
    }

    @Test
    void badArgumentsSayHowToWriteThem() {
        InventoryException e = assertThrows(InventoryException.class, () -> source.load("colour=blue"));
        assertTrue(e.getMessage().contains("\"colour\" is not a filter; write docker:[label=KEY[=VALUE]]"),
                e.getMessage());
        InventoryException empty = assertThrows(InventoryException.class, () -> source.load("name="));
        assertTrue(empty.getMessage().contains("has no value"), empty.getMessage());
    }

    @Test
    void unreachableDaemonNamesTheAddress() {
        ConnectFailedException e = assertThrows(ConnectFailedException.class,
                () -> source.load("host=unix:///tmp/conduit-no-daemon.sock"));
        assertTrue(e.getMessage().contains("unix:///tmp/conduit-no-daemon.sock is unreachable"), e.getMessage());
    }
}
