package io.conduit.core.inventory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.conduit.api.inventory.Inventory;
import io.conduit.api.inventory.InventoryException;

/** Dynamic inventory scripts, run for real as small shell scripts. */
class ScriptInventoryTest {
    @TempDir
    Path dir;

    private Path script(String body) throws Exception {
        Path p = dir.resolve("inv.sh");
        Files.writeString(p, "#!/bin/sh\n" + body + "\n");
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
        return p;
    }

    /**
     * Whether a process has ended, or ends within 3 s: a killed process is gone once reaped, and the JDK's
     * {@code onExit} of a process that is not its child polls with a growing interval (a second or more), so the
     * condition is polled here every 5 ms instead.
     */
    private static boolean gone(long pid) {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
        while (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false) && !zombie(pid)) {
            if (System.nanoTime() > until) {
                return false;
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
        }
        return true;
    }

    /**
     * Whether a process has died and waits to be reaped (Linux: state Z in /proc): an orphan is reaped by the
     * system's init, which in a container may take a second, and the JDK counts it alive until then.
     */
    private static boolean zombie(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            return stat.substring(stat.lastIndexOf(')') + 2).startsWith("Z");
        } catch (java.io.IOException | RuntimeException e) {
            return false; // no /proc: the JDK's word only
        }
    }

    private static AnsibleModel read(Path script) throws InventoryException {
        return AnsibleScript.read(script, Duration.ofSeconds(10), 1 << 20);
    }

    @Test
    void listWithMetaGivesGroupsChildrenVarsAndHostVarsWithoutAskingPerHost() throws Exception {
        Path s = script("""
                echo "$@" >> calls.txt
                cat <<'EOF'
                {"web": {"hosts": ["w1", "w2"], "vars": {"ansible_user": "deploy", "tier": {"n": 1}}},
                 "prod": {"children": ["web", "db"], "vars": {"env": "prod"}},
                 "db": ["d1"],
                 "_meta": {"hostvars": {"w1": {"ansible_host": "10.0.0.1", "ansible_port": 2222},
                                        "d1": {"ansible_connection": "community.docker.docker"}}}}
                EOF""");
        AnsibleModel model = read(s);
        assertEquals("script:" + s, model.source);
        assertEquals(List.of("web", "prod", "db"), List.copyOf(model.groups.keySet()));
        assertEquals(List.of("w1", "w2"), List.copyOf(model.groups.get("web").hosts));
        assertEquals(List.of("web", "db"), List.copyOf(model.groups.get("prod").children));
        assertEquals(2222L, model.hostVars.get("w1").get("ansible_port").value());
        assertEquals(s + "", model.hostVars.get("w1").get("ansible_port").where(), "no line in JSON output");
        assertEquals(List.of("--list"), Files.readAllLines(dir.resolve("calls.txt")), "run from its directory, once");

        Inventory inv = AnsibleInventories.script(s);
        assertEquals("script:" + s, inv.source());
        assertEquals(List.of("web", "prod"), inv.hosts().get("w1").groups());
        assertEquals("10.0.0.1", inv.hosts().get("w1").attributes().hostname());
        assertEquals(2222, inv.hosts().get("w1").attributes().port());
        assertEquals("deploy", inv.groups().get("web").attributes().username());
        assertEquals("docker", ParameterResolver.pluginFor(inv, inv.hosts().get("d1")));
    }

    @Test
    void withoutMetaEachHostIsAskedWithHost() throws Exception {
        Path s = script("""
                echo "$@" >> calls.txt
                case "$1" in
                  --list) echo '{"web": {"hosts": ["w1", "w2"]}}' ;;
                  --host) echo "{\\"ansible_host\\": \\"ip-of-$2\\"}" ;;
                esac""");
        AnsibleModel model = read(s);
        assertEquals("ip-of-w1", model.hostVars.get("w1").get("ansible_host").value());
        assertEquals("ip-of-w2", model.hostVars.get("w2").get("ansible_host").value());
        assertEquals(List.of("--list", "--host w1", "--host w2"), Files.readAllLines(dir.resolve("calls.txt")));
    }

    @Test
    void aFailingScriptShowsItsStatusAndFirstErrorLines() throws Exception {
        Path s = script("""
                echo "cannot reach the CMDB at cmdb.example:443" >&2
                i=0; while [ $i -lt 30 ]; do echo "detail $i" >&2; i=$((i+1)); done
                exit 3""");
        InventoryException e = assertThrows(InventoryException.class, () -> read(s));
        String m = e.getMessage();
        assertTrue(m.startsWith("inventory script " + s + " --list exited with status 3; its error output:\n"
                + "  cannot reach the CMDB at cmdb.example:443\n  detail 0"), m);
        assertTrue(m.contains("  detail 18\n  ...\n"), m);
        assertFalse(m.contains("detail 19"), "at most 20 lines shown");
        assertTrue(m.endsWith("run it by hand to see: " + s + " --list"), m);
    }

    @Test
    void outputThatIsNotJsonIsRefusedWithWhereItBroke() throws Exception {
        Path s = script("echo 'web: [w1]'");
        InventoryException e = assertThrows(InventoryException.class, () -> read(s));
        assertTrue(e.getMessage().startsWith(s + " --list"), e.getMessage());
        assertTrue(e.getMessage().contains("print one JSON object"), e.getMessage());

        Path empty = script("true");
        assertEquals(empty + " --list printed nothing; it must print one JSON object: {\"GROUP\": {\"hosts\":"
                + " [\"HOST\"], \"vars\": {}, \"children\": [\"GROUP\"]}, \"_meta\": {\"hostvars\": {\"HOST\": {}}}}",
                assertThrows(InventoryException.class, () -> read(empty)).getMessage());
    }

    @Test
    void jsonOfAnotherShapeIsRefusedNamingThePlace() throws Exception {
        assertTrue(assertThrows(InventoryException.class, () -> read(script("echo '[1, 2]'"))).getMessage()
                .contains("--list: the output is a list, not a JSON object"));
        assertTrue(assertThrows(InventoryException.class, () -> read(script("echo '{\"web\": {\"hosts\": \"w1\"}}'")))
                .getMessage().contains("--list: web.hosts is text, not a JSON list"));
        assertTrue(assertThrows(InventoryException.class, () -> read(script("echo '{\"web\": {\"host\": [\"w1\"]}}'")))
                .getMessage().contains("--list: web.host: unknown key; did you mean \"hosts\"?"));
        assertTrue(assertThrows(InventoryException.class, () -> read(script("echo '{\"web\": [1]}'")))
                .getMessage().contains("--list: web: an item is a number, not a name"));
    }

    @Test
    void aScriptPastTheDeadlineIsKilledWithEveryProcessItStarted() throws Exception {
        Path s = script("""
                echo $$ > script.pid
                sleep 60 &
                echo $! > child.pid
                wait""");
        long start = System.nanoTime();
        InventoryException e = assertThrows(InventoryException.class,
                () -> AnsibleScript.read(s, Duration.ofMillis(300), 1 << 20));
        long ms = (System.nanoTime() - start) / 1_000_000;
        assertTrue(e.getMessage().startsWith("inventory script " + s + " --list did not finish within 300 ms; it was"
                + " stopped, with every process it started."), e.getMessage());
        assertTrue(ms < 5_000, ms + " ms");
        for (String pidFile : List.of("script.pid", "child.pid")) {
            long pid = Long.parseLong(Files.readString(dir.resolve(pidFile)).trim());
            assertTrue(gone(pid), pidFile + " " + pid + " still runs");
        }
    }

    @Test
    void tooMuchOutputIsRefusedAndTheScriptStopped() throws Exception {
        Path s = script("echo $$ > script.pid; while :; do echo '{\"padding\": \"xxxxxxxxxxxxxxxxxxxxxxxxxxx\"}'; done");
        InventoryException e = assertThrows(InventoryException.class,
                () -> AnsibleScript.read(s, Duration.ofSeconds(10), 100_000));
        assertTrue(e.getMessage().startsWith("inventory script " + s + " --list printed more than 100000 bytes; it"
                + " was stopped."), e.getMessage());
        long pid = Long.parseLong(Files.readString(dir.resolve("script.pid")).trim());
        assertTrue(gone(pid), "script " + pid + " still runs");
    }

    @Test
    void aMissingOrNotExecutableScriptSaysWhatToDo() throws Exception {
        Path p = dir.resolve("inv.py");
        assertEquals("no inventory script " + p + "; give the path of an executable dynamic inventory script:"
                + " -i script:PATH", assertThrows(InventoryException.class, () -> read(p)).getMessage());
        Files.writeString(p, "#!/bin/sh\n");
        assertEquals("inventory script " + p + " is not executable; make it so (chmod +x " + p + ")",
                assertThrows(InventoryException.class, () -> read(p)).getMessage());
    }

    @Test
    void aScriptThatExitsLeavingAProcessHoldingItsOutputIsSaidSoAndThatProcessStopped() throws Exception {
        Path s = script("""
                echo '{"web": ["w1"]}'
                sleep 60 &
                echo $! >> child.pid
                exit 0""");
        InventoryException e = null;
        try {
            AnsibleScript.read(s, Duration.ofMillis(500), 1 << 20);
        } catch (InventoryException x) {
            e = x;
        }
        List<Long> children = Files.readAllLines(dir.resolve("child.pid")).stream().map(l -> Long.parseLong(l.trim()))
                .toList();
        try {
            // The JDK's process reaper drains and closes a child's stdout pipe when the child exits; when it wins
            // the race with the reader, the output held by the background process is not seen (a known gap, said
            // in the closing note of issue 14). When it is seen, the message says so and that run's process is gone.
            if (e != null) {
                assertTrue(e.getMessage().matches("inventory script \\Q" + s + "\\E (--list|--host w1) exited, but"
                        + " its output stayed open for 500 ms: a process it left in the background holds it\\."
                        + " Conduit stopped waiting and stopped the processes the script left .*"), e.getMessage());
                assertTrue(e.getMessage().endsWith("Make the script not leave one (or redirect that process's"
                        + " output: COMMAND >/dev/null 2>&1 &)"), e.getMessage());
                long last = children.get(children.size() - 1);
                assertTrue(gone(last), "the orphan " + last + " still runs");
            }
        } finally {
            children.forEach(pid -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly));
        }
    }

    @Test
    void aScriptWhoseInterpreterIsMissingCannotBeRun() throws Exception {
        Path p = dir.resolve("inv.py");
        Files.writeString(p, "#!/no/such/python3\n");
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
        InventoryException e = assertThrows(InventoryException.class, () -> read(p));
        assertTrue(e.getMessage().startsWith("cannot run inventory script " + p + " --list: "), e.getMessage());
        assertTrue(e.getMessage().endsWith("; check that it is an executable with a #! line naming an installed"
                + " interpreter"), e.getMessage());
    }

    @Test
    void vaultedValuesInTheScriptsJsonAreRefusedByName() throws Exception {
        Path s = script("""
                cat <<'EOF'
                {"web": {"hosts": ["w1"], "vars": {"db": {"pass": {"__ansible_vault": "$ANSIBLE_VAULT;1.1;AES256\\n6162"}}}},
                 "_meta": {"hostvars": {"w1": {"token": "$ANSIBLE_VAULT;1.1;AES256\\n6364"}}}}
                EOF""");
        String m = assertThrows(InventoryException.class, () -> AnsibleInventories.script(s)).getMessage();
        assertTrue(m.contains(s + ": db (group web): is encrypted with ansible-vault"), m);
        assertTrue(m.contains(s + ": token (host w1): is encrypted with ansible-vault"), m);
    }
}
