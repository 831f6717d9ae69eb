package io.conduit.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.assertFalse;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;

import com.google.gson.Gson;

/** The shell an operator types into, on the distribution's own example inventory and on bad input. */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class ShellIT extends ConduitTestSupport {

    @Configuration
    public Option[] configuration() {
        return distribution(true);
    }

    @Test
    public void firstCommandsWorkOnTheExampleInventory() throws Exception {
        String plugins = execute("conduit:plugins");
        assertTrue(plugins, plugins.lines().anyMatch(l -> l.startsWith("local ") && l.contains("active")));
        Shell run = session("conduit:run all 'echo hi'");
        for (String host : List.of("local1", "local2", "local3")) {
            assertTrue(run.out(), run.out().contains(host + " | OK | rc=0"));
        }
        assertEquals(run.out(), 3, run.out().lines().filter(l -> l.equals("  hi")).count());
        assertEquals(Integer.valueOf(0), run.exit());
        String hosts = execute("conduit:hosts web");
        assertTrue(hosts, hosts.contains("local1") && hosts.contains("local2") && !hosts.contains("local3"));
    }

    @Test
    @SuppressWarnings("unchecked")
    public void jsonDocumentHasEveryHostAndASummary() throws Exception {
        Shell run = session("conduit:run --json all 'echo out; echo err >&2; exit 3'");
        Map<String, Object> doc = new Gson().fromJson(run.out(), Map.class);
        List<Map<String, Object>> hosts = (List<Map<String, Object>>) doc.get("hosts");
        assertEquals(3, hosts.size());
        Map<String, Object> first = hosts.get(0);
        assertEquals("local1", first.get("host"));
        assertEquals("failed", first.get("status"));
        assertEquals(3.0, first.get("exit_code"));
        assertEquals("out\n", first.get("stdout"));
        assertEquals("err\n", first.get("stderr"));
        assertEquals("exit code 3", first.get("error"));
        assertTrue(first.containsKey("duration_ms"));
        Map<String, Object> summary = (Map<String, Object>) doc.get("summary");
        assertEquals(Map.of("hosts", 3.0, "ok", 0.0, "changed", 0.0, "failed", 3.0, "unreachable", 0.0),
                Map.of("hosts", summary.get("hosts"), "ok", summary.get("ok"), "changed", summary.get("changed"),
                        "failed", summary.get("failed"), "unreachable", summary.get("unreachable")));
        assertTrue(summary.toString(), summary.get("duration_ms") instanceof Double);
        assertEquals(Integer.valueOf(2), run.exit());
    }

    @Test
    public void eachCommandReturnsAValueThatCarriesItsExitStatusAndTheConverterPrints() throws Exception {
        Shell failed = session("conduit:run local1 'exit 3'");
        Shell table = session("conduit:connections");
        Shell variable = session("conduit.exit = 2");

        assertEquals(Integer.valueOf(2), failed.exit());
        assertTrue(failed.out(), failed.out().contains("\n1 host: 0 ok, 0 changed, 1 failed, 0 unreachable ("));
        assertEquals(Integer.valueOf(0), table.exit());
        assertTrue(table.out(), table.out().startsWith("HOST ") && table.out().contains(" connections {"));
        assertEquals("a session variable sets no status any more", null, variable.exit());
    }

    @Test
    public void putAndFetchThroughTheLocalPlugin() throws Exception {
        Path src = inventory("payload.txt", "payload\n");
        Path dest = WORK.resolve("copied.txt");
        Shell put = session("conduit:put -m 0600 local1 " + src + " " + dest);
        assertTrue(put.out(), put.out().contains("local1 | CHANGED"));
        Shell fetch = session("conduit:fetch local1 " + dest + " " + WORK.resolve("fetched"));
        assertTrue(fetch.out(), fetch.out().contains("local1 | OK"));
        assertEquals("payload\n", java.nio.file.Files.readString(WORK.resolve("fetched/local1/copied.txt")));
        Shell missing = session("conduit:fetch local1 /no/such/file " + WORK.resolve("fetched"));
        assertTrue(missing.out(), missing.out().contains("local1 | FAILED") && missing.out().contains("no such file"));
    }

    @Test
    public void badInputSaysWhatIsWrongAndRunsNothing() throws Exception {
        expectError("conduit:run nosuchhost true", "matches no host");
        expectError("conduit:run --frobnicate all true", "unknown option: '--frobnicate'");
        Path broken = inventory("broken.yaml", "hosts:\n  web1:\n    port: eighty\n");
        expectError("conduit:run -i " + broken + " all true", "broken.yaml:3");
        Path missingGroup = inventory("nogroup.yaml", "hosts:\n  web1:\n    groups: [nope]\n");
        expectError("conduit:hosts -i " + missingGroup, "nope");
        Path typo = inventory("typo.yaml", "hosts:\n  web1:\n    connection: sshh\n");
        Shell run = session("conduit:run -i " + typo + " all true");
        assertTrue(run.out(), run.out().contains("web1 | FAILED") && run.out().contains("\"sshh\""));
    }

    /** Conduit's commands print a refusal on stderr and leave exit status 64; nothing reaches stdout. */
    private void expectError(String line, String expected) throws Exception {
        Shell s = session(line);
        assertEquals(line + " -> " + s, Integer.valueOf(64), s.exit());
        assertTrue(line + " -> " + s.err(), s.err().contains(expected));
        assertFalse(line + " -> " + s.err(), s.err().contains("Exception"));
        assertEquals(line + " printed a result", "", s.out());
    }
}
