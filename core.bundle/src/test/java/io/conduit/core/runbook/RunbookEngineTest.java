package io.conduit.core.runbook;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.conduit.api.task.HostResult;
import io.conduit.api.task.RunOptions;
import io.conduit.api.task.Status;
import io.conduit.core.connection.ConnectionManager;
import io.conduit.core.local.LocalPlugin;
import io.conduit.core.registry.PluginBinding;
import io.conduit.core.registry.PluginRegistry;
import io.conduit.core.run.ForkingRunner;
import io.conduit.core.testing.Configs;

/**
 * Runbooks on the real runner and the local plugin: what each step did is checked on the machine (the files the
 * steps wrote), and every host has a result in every step.
 */
class RunbookEngineTest {
    @TempDir
    Path dir;
    private final PluginRegistry registry = new PluginRegistry();
    private final FakeCatalog catalog = new FakeCatalog();
    private ConnectionManager connections;
    private RunbookEngine engine;

    @BeforeEach
    void setUp() throws Exception {
        registry.add(new PluginBinding("local", 1, 0, "io.conduit.core", "1", new LocalPlugin()));
        connections = new ConnectionManager(registry, Configs.connections(600, 1, 0));
        Path inventory = Files.writeString(dir.resolve("inventory.yaml"), """
                defaults:
                  connection: local
                groups:
                  web: {data: {role: web}}
                  db: {data: {role: db}}
                hosts:
                  web1: {groups: [web], data: {port: 8081}}
                  web2: {groups: [web]}
                  web3: {groups: [web]}
                  web4: {groups: [web]}
                  db1: {groups: [db]}
                """);
        ForkingRunner runner = new ForkingRunner(connections, Configs.inventories(connections, inventory),
                Configs.runner(4, 60, 1 << 20, inventory.toString()));
        engine = new RunbookEngine(StepRunner.of(runner), catalog);
    }

    @AfterEach
    void tearDown() {
        connections.deactivate();
    }

    private RunbookResult run(String yaml, String pattern) throws Exception {
        Runbook rb = new RunbookParser(catalog).parse(yaml.replace("DIR", dir.toString()), "site.yaml", Map.of());
        return engine.run(rb, pattern, RunOptions.defaults(), Runbook.PolicyText.NONE, null);
    }

    private RunbookResult run(String yaml, String pattern, RunOptions options) throws Exception {
        Runbook rb = new RunbookParser(catalog).parse(yaml.replace("DIR", dir.toString()), "site.yaml", Map.of());
        return engine.run(rb, pattern, options, Runbook.PolicyText.NONE, null);
    }

    private static RunOptions oneFork() {
        return new RunOptions(null, 1, null, null, null);
    }

    private static HostResult result(RunbookResult r, int step, String host) {
        return r.steps().stream().filter(s -> s.step().index() == step).flatMap(s -> s.results().stream())
                .filter(h -> h.host().equals(host)).findFirst().orElseThrow();
    }

    private boolean written(String name) {
        return Files.exists(dir.resolve(name));
    }

    @Test
    void theInventorysValuesAreGatheredOncePerRunNotOncePerStepPerBatch() throws Exception {
        // every host's password is read from a file; the first batch's second step removes the file: a runner that
        // gathered the values again for each step (or batch) could no longer read it and would fail every host after
        Path password = Files.writeString(dir.resolve("password"), "pw-4711\n");
        Path inventory = Files.writeString(dir.resolve("secret-inventory.yaml"), """
                defaults:
                  connection: local
                  password: ${file:PASSWORD}
                hosts:
                  a1: {}
                  a2: {}
                """.replace("PASSWORD", password.toString()));
        RunbookResult r = run("""
                serial: 1
                steps:
                  - command: {cmd: "echo pw-4711"}
                  - command: {cmd: "rm -f DIR/password"}
                  - command: {cmd: "echo pw-4711"}
                """, "all", new RunOptions(inventory.toString(), 1, null, null, null));
        assertFalse(Files.exists(password));
        for (String h : List.of("a1", "a2")) {
            for (int step = 1; step <= 3; step++) {
                assertEquals(Status.OK, result(r, step, h).status(), h + " step " + step + ": " + result(r, step, h));
            }
            // the values' secrets mask every step's output, the steps after the file went away included
            assertEquals("***\n", result(r, 1, h).exec().stdoutText(), h);
            assertEquals("***\n", result(r, 3, h).exec().stdoutText(), h);
        }
        assertEquals(0, r.exitStatus());
    }

    @Test
    void aFalseConditionSkipsTheHostAndSaysWhy() throws Exception {
        RunbookResult r = run("""
                steps:
                  - write: {path: "DIR/{{ inventory_hostname }}", content: x}
                    when: data.role == "web" and groups contains "web"
                """, "all");
        for (String h : List.of("web1", "web2", "web3", "web4")) {
            assertTrue(written(h), h + ": " + result(r, 1, h));
            assertEquals(Status.OK, result(r, 1, h).status(), h);
        }
        assertFalse(written("db1"));
        HostResult db = result(r, 1, "db1");
        assertEquals(Status.SKIPPED, db.status());
        assertEquals("when: data.role == \"web\" and groups contains \"web\" was false", db.error());
        assertEquals(0, r.exitStatus());
        assertEquals(Map.of(Status.OK, 0, Status.CHANGED, 0, Status.FAILED, 0, Status.UNREACHABLE, 0,
                Status.SKIPPED, 1), r.recap().get("db1"));
    }

    @Test
    void registeredResultsAndFactsReachLaterSteps() throws Exception {
        RunbookResult r = run("""
                gather_facts: true
                vars: {greeting: hello}
                steps:
                  - command: {cmd: "echo {{ vars.greeting }}"}
                    register: out
                  - write: {path: "DIR/{{ inventory_hostname }}", content: "{{ out.stdout_lines[0] }} {{ facts.os_family }}"}
                    when: out.rc == 0 and out.status == "ok" and facts.cpus > 2
                  - facts: {}
                    register: again
                  - write: {path: "DIR/{{ inventory_hostname }}.again", content: "{{ again.facts.os_family }}"}
                """, "web1:db1");
        assertEquals("hello Debian", Files.readString(dir.resolve("web1")));
        assertEquals("hello RedHat", Files.readString(dir.resolve("db1")));
        assertEquals("RedHat", Files.readString(dir.resolve("db1.again")));
        // gathered once per host per run: the facts step reused what gather_facts found
        assertEquals(1, catalog.factsCalls.get("web1").get());
        assertEquals(1, catalog.factsCalls.get("db1").get());
        // the task's context carries the same names as conditions
        Map<String, Object> seen = catalog.seen.get("web1");
        assertEquals("web1", seen.get("inventory_hostname"));
        assertEquals(List.of("web"), seen.get("groups"));
        assertTrue(seen.containsKey("out") && seen.containsKey("facts") && seen.containsKey("data"), seen::toString);
        assertEquals(0, r.exitStatus());
    }

    @Test
    void aHostThatFailsAStepSkipsTheRest() throws Exception {
        RunbookResult r = run("""
                steps:
                  - command: {cmd: "test {{ inventory_hostname }} != web2"}
                  - write: {path: "DIR/{{ inventory_hostname }}", content: x}
                """, "web");
        assertTrue(written("web1") && written("web3") && written("web4"));
        assertFalse(written("web2"));
        assertEquals(Status.FAILED, result(r, 1, "web2").status());
        HostResult skipped = result(r, 2, "web2");
        assertEquals(Status.SKIPPED, skipped.status());
        assertEquals("an earlier step failed on this host", skipped.error());
        assertEquals(2, r.exitStatus());
    }

    @Test
    void pastMaxFailNoFurtherStepOrBatchRuns() throws Exception {
        RunbookResult r = run("""
                serial: 2
                max_fail: 10%
                steps:
                  - command: {cmd: "test {{ inventory_hostname }} != web2"}
                  - write: {path: "DIR/{{ inventory_hostname }}", content: x}
                """, "web");
        for (String h : List.of("web1", "web2", "web3", "web4")) {
            assertFalse(written(h), h + " was written after the run stopped");
        }
        assertEquals(Status.OK, result(r, 1, "web1").status());
        String reason = "not run: 1 of 2 hosts failed in step 1 (command) of batch 1, more than max_fail 10%";
        assertEquals(reason, result(r, 2, "web1").error());
        assertEquals(reason, result(r, 1, "web3").error());
        assertEquals(Status.SKIPPED, result(r, 2, "web4").status());
        assertEquals(reason, r.stopped());
        // the same failure within the limit: the other batch goes on
        RunbookResult within = run("""
                serial: 50%
                max_fail: 50%
                steps:
                  - command: {cmd: "test {{ inventory_hostname }} != web2"}
                  - write: {path: "DIR/{{ inventory_hostname }}", content: x}
                """, "web");
        assertTrue(written("web1") && written("web3") && written("web4"));
        assertEquals(null, within.stopped());
        assertEquals(4, within.steps().size(), "2 steps x 2 batches");
    }

    @Test
    void theCommandLinesPolicyWinsOverTheRunbooks() throws Exception {
        Runbook rb = new RunbookParser(catalog).parse("""
                serial: 2
                max_fail: 10%
                steps:
                  - command: {cmd: "test {{ inventory_hostname }} != web2"}
                  - write: {path: "DIR/{{ inventory_hostname }}", content: x}
                """.replace("DIR", dir.toString()), "site.yaml", Map.of());
        RunbookResult r = engine.run(rb, "web", RunOptions.defaults(), new Runbook.PolicyText(null, 50, null, null,
                null), null);
        assertEquals(null, r.stopped());
        assertTrue(written("web4"));
    }

    @Test
    void failFastStopsAtTheFirstFailure() throws Exception {
        RunbookResult r = run("""
                fail_fast: true
                steps:
                  - command: {cmd: "test {{ inventory_hostname }} != web2"}
                  - write: {path: "DIR/{{ inventory_hostname }}", content: x}
                """, "web");
        assertFalse(written("web1"));
        assertTrue(r.stopped().startsWith("not run: fail_fast"), r.stopped());
    }

    @Test
    void runOnceRunsOnTheFirstHostOfEachBatch() throws Exception {
        RunbookResult r = run("""
                serial: 2
                steps:
                  - command: {cmd: "echo {{ inventory_hostname }} >> DIR/once"}
                    run_once: true
                    register: once
                  - write: {path: "DIR/{{ inventory_hostname }}", content: "{{ once.status }}"}
                """, "web");
        assertEquals("web1\nweb3\n", Files.readString(dir.resolve("once")));
        assertEquals("run_once: ran on web1", result(r, 1, "web2").error());
        assertEquals("ok", Files.readString(dir.resolve("web2")), "the result is registered on every host");
    }

    /**
     * A name missing on one host fails that host, naming the file, line, key and name (ansible/ansible#3354: an
     * undefined variable in a shell line left the braces in and the command failed with an unrelated message).
     */
    @Test
    void aTemplateThatFailsOnAHostFailsThatHostOnly() throws Exception {
        RunbookResult r = run("""
                steps:
                  - write:
                      path: "DIR/{{ inventory_hostname }}"
                      content: "port={{ data.port }}"
                """, "web1:web2");
        assertEquals("port=8081", Files.readString(dir.resolve("web1")));
        HostResult web2 = result(r, 1, "web2");
        assertEquals(Status.FAILED, web2.status());
        assertTrue(web2.error().startsWith("site.yaml:4: steps[0].write.content: no key \"port\""), web2.error());
        assertFalse(web2.error().contains("java."), web2.error());
    }

    /**
     * Finding 1: a name no step registered yet is refused before anything runs (step 1 writes nothing); a key
     * missing on one host (facts, data, a registered result) is still judged on that host.
     */
    @Test
    void aNameNotDefinedAtAStepRunsNothing() throws Exception {
        RunbookException e = assertThrows(RunbookException.class, () -> run("""
                steps:
                  - write: {path: "DIR/{{ inventory_hostname }}", content: x}
                  - command: {cmd: "true"}
                    register: result
                  - command: {cmd: "true"}
                    when: reslt.rc == 0
                """, "web1"));
        assertEquals(List.of("site.yaml:6: steps[2].when: \"reslt\" is not defined at this step; did you mean"
                + " \"result\"? (names: data, facts, vars, inventory_hostname, groups, result; a register name is"
                + " defined from the step after its own)"), e.problems());
        assertFalse(written("web1"));
    }

    /**
     * Finding 2: fail_fast stops within the step: with one fork, the hosts after the failed one do not start the
     * step (before, they all ran it and only the next step was stopped).
     * From ansible/proposals#182: any_errors_fatal was consulted only once a task had ended on every host, so the
     * hosts of the batch not yet started still ran the failing task.
     */
    @Test
    void failFastStopsWithinTheStep() throws Exception {
        RunbookResult r = run("""
                fail_fast: true
                steps:
                  - command: {cmd: "test {{ inventory_hostname }} != web1 && touch DIR/{{ inventory_hostname }}"}
                """, "web", oneFork());
        assertFalse(written("web2") || written("web3") || written("web4"));
        assertEquals("not run: fail_fast, and a host failed in step 1 (command) of batch 1",
                result(r, 1, "web3").error());
    }

    /**
     * Finding 2: max_fail stops within the step too, counting the batch's failures: 25% of 4 hosts lets one fail;
     * the second failure stops the hosts not yet started.
     * From ansible/ansible#28222: with max_fail_percentage and a failing task, the run went on with the hosts it
     * should have stopped.
     */
    @Test
    void maxFailStopsWithinTheStep() throws Exception {
        RunbookResult r = run("""
                max_fail: 25%
                steps:
                  - command: {cmd: "case {{ inventory_hostname }} in web1|web2) exit 1;; esac; touch DIR/{{ inventory_hostname }}"}
                """, "web", oneFork());
        assertFalse(written("web3") || written("web4"));
        assertTrue(r.stopped().startsWith("not run: 2 of 4 hosts failed"), r.stopped());
    }

    @Test
    void maxFailCountsTheEarlierStepsOfTheBatch() throws Exception {
        run("""
                max_fail: 25%
                steps:
                  - command: {cmd: "test {{ inventory_hostname }} != web1"}
                  - command: {cmd: "test {{ inventory_hostname }} != web2 && touch DIR/{{ inventory_hostname }}"}
                """, "web", oneFork());
        assertFalse(written("web3") || written("web4"), "web1 failed step 1, web2 step 2: past 25% of 4");
    }

    /** Finding 8: a map or list prints as JSON, not as Java writes it. */
    @Test
    void aMapRendersAsJson() throws Exception {
        run("""
                steps:
                  - write: {path: "DIR/{{ inventory_hostname }}", content: "{{ data }} {{ groups }}"}
                """, "web1");
        String text = Files.readString(dir.resolve("web1"));
        assertTrue(text.contains("\"role\":\"web\"") && text.contains("\"port\":8081") && text.endsWith(" [\"web\"]"),
                text);
    }

    /** Finding 8: a secret inside a printed map prints as ***, never by its value. */
    @Test
    void aSecretInAPrintedMapStaysHidden() {
        Object m = Expressions.printable(Map.of("token", io.conduit.api.connection.Secret.of("s3cret")));
        assertEquals("{\"token\":\"***\"}", m.toString());
    }

    /** Finding 4: -e n=3 compares as a number. */
    @Test
    void anExtraVarComparesAsANumber() throws Exception {
        Runbook rb = new RunbookParser(catalog).parse("""
                steps:
                  - write: {path: "DIR/{{ inventory_hostname }}", content: x}
                    when: vars.n > 2
                """.replace("DIR", dir.toString()), "site.yaml", Map.of("n", "3"));
        engine.run(rb, "web1", RunOptions.defaults(), Runbook.PolicyText.NONE, null);
        assertTrue(written("web1"));
    }

    /** Finding 5: a templated number is rendered, then converted on each host; a bad one fails there, at its line. */
    @Test
    void aTemplatedNumberIsRenderedThenConverted() throws Exception {
        RunbookResult r = run("""
                steps:
                  - write:
                      path: "DIR/{{ inventory_hostname }}"
                      mode: "{{ data.port | default('x') }}"
                """, "web1:web2");
        assertTrue(written("web1"));
        HostResult web2 = result(r, 1, "web2");
        assertEquals(Status.FAILED, web2.status());
        assertEquals("site.yaml:4: steps[0].write.mode: \"x\" is not a whole number; see conduit:tasks write (as"
                + " rendered on this host from {{ data.port | default('x') }})", web2.error());
    }

    @Test
    void aStepsBecomeReachesItsTaskAndOnlyIt() throws Exception {
        io.conduit.api.testing.BecomeEnvironment.require();
        run("""
                steps:
                  - whoami: {}
                    become: {user: nobody}
                    register: as
                  - whoami: {}
                    register: plain
                  - write: {path: "DIR/{{ inventory_hostname }}", content: "{{ as.stdout | trim }} {{ plain.stdout | trim }}"}
                """, "web1");
        assertEquals("nobody " + System.getProperty("user.name"), Files.readString(dir.resolve("web1")));
    }

    @Test
    void aStepIsRetriedAsItSays() throws Exception {
        RunbookResult r = run("""
                steps:
                  - command: {cmd: "test -e DIR/{{ inventory_hostname }}.tried || { touch DIR/{{ inventory_hostname }}.tried; exit 1; }"}
                    retries: 1
                    retry_delay: 0s
                """, "web1");
        assertEquals(Status.OK, result(r, 1, "web1").status());
        assertTrue(written("web1.tried"));
    }

    @Test
    void aStepTimeoutIsTheHostTimeoutOfThatStep() throws Exception {
        RunbookResult r = run("""
                steps:
                  - command: {cmd: "sleep 30"}
                    timeout: 1s
                  - write: {path: "DIR/{{ inventory_hostname }}", content: x}
                """, "web1");
        HostResult h = result(r, 1, "web1");
        assertEquals(Status.FAILED, h.status());
        assertTrue(h.error().startsWith("timed out after 1 s (the step's timeout, site.yaml:3; raise it there)"),
                h.error());
        assertFalse(written("web1"));
    }

    /**
     * From ansible/ansible#76915 and #82267: with serial batches and max_fail_percentage 100, a batch whose hosts
     * all failed ended the whole play, and the later batches never ran. 100% means "stop only when more than
     * every host failed", which cannot happen: the next batch must still run.
     */
    @Test
    void aBatchThatFailedWhollyWithinMaxFailDoesNotEndTheRun() throws Exception {
        RunbookResult r = run("""
                serial: 2
                max_fail: 100%
                steps:
                  - command: {cmd: "case {{ inventory_hostname }} in web1|web2) exit 1;; esac"}
                  - write: {path: "DIR/{{ inventory_hostname }}", content: x}
                """, "web");
        assertEquals(Status.FAILED, result(r, 1, "web1").status());
        assertEquals(Status.FAILED, result(r, 1, "web2").status());
        assertTrue(written("web3") && written("web4"), "the second batch did not run");
        assertEquals(null, r.stopped());
        assertEquals(2, r.exitStatus());
    }

    /**
     * From ansible/ansible#13267: a step with run_once and register gave the registered result to the first host
     * only; the others found the name undefined in the next step. Every host of the batch must see it.
     */
    @Test
    void aRunOnceResultIsRegisteredOnEveryHostOfTheBatch() throws Exception {
        RunbookResult r = run("""
                steps:
                  - command: {cmd: "echo {{ inventory_hostname }}"}
                    run_once: true
                    register: leader
                  - write: {path: "DIR/{{ inventory_hostname }}", content: "{{ leader.stdout_lines[0] }}"}
                """, "web");
        for (String h : List.of("web1", "web2", "web3", "web4")) {
            assertEquals("web1", Files.readString(dir.resolve(h)), h);
        }
        assertEquals(0, r.exitStatus());
    }

    @Test
    void anInterruptStopsTheRunAfterTheStepInFlight() throws Exception {
        Runbook rb = new RunbookParser(catalog).parse("""
                steps:
                  - command: {cmd: "touch DIR/started; sleep 30"}
                  - write: {path: "DIR/{{ inventory_hostname }}", content: x}
                """.replace("DIR", dir.toString()), "site.yaml", Map.of());
        java.util.concurrent.atomic.AtomicReference<RunbookResult> result = new java.util.concurrent.atomic
                .AtomicReference<>();
        Thread caller = new Thread(() -> {
            try {
                result.set(engine.run(rb, "web1", RunOptions.defaults(), Runbook.PolicyText.NONE, null));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        caller.start();
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (!written("started") && System.nanoTime() < deadline) {
            Thread.onSpinWait(); // waits for the command to have started, bounded
        }
        assertTrue(written("started"));
        caller.interrupt();
        caller.join(30_000);
        RunbookResult r = result.get();
        assertEquals(130, r.exitStatus());
        assertEquals(Status.FAILED, result(r, 1, "web1").status());
        assertEquals("the run was interrupted", result(r, 2, "web1").error());
        assertFalse(written("web1"));
    }
}
