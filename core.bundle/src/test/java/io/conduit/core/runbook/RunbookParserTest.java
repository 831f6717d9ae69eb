package io.conduit.core.runbook;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.conduit.api.connection.Become;
import io.conduit.api.task.FailurePolicy;

/** A runbook is checked whole before anything runs: each problem names the file, the line and the key. */
class RunbookParserTest {
    private final FakeCatalog catalog = new FakeCatalog();

    private List<String> problems(String yaml) {
        return assertThrows(RunbookException.class, () -> new RunbookParser(catalog).parse(yaml, "site.yaml",
                Map.of())).problems();
    }

    private void refused(String yaml, String expected) {
        List<String> p = problems(yaml);
        assertTrue(p.stream().anyMatch(m -> m.startsWith(expected)), () -> "expected " + expected + " in " + p);
    }

    @Test
    void aGoodRunbookKeepsEverySetting() throws Exception {
        Runbook rb = new RunbookParser(catalog).parse("""
                name: roll out
                vars: {port: 8080}
                serial: 25%
                max_fail: 10%
                steps:
                  - name: write the config
                    write: {path: "/tmp/x-{{ inventory_hostname }}", content: "port={{ vars.port }}", mode: 420}
                    become: {user: www, method: su}
                    timeout: 30s
                    retries: 2
                    retry_delay: 1s
                    when: data.role == "web"
                    register: conf
                  - command: {cmd: uptime}
                    run_once: true
                """, "site.yaml", Map.of("port", "9090"));
        assertEquals("roll out", rb.name());
        assertEquals(9090L, rb.vars().get("port"), "-e wins over vars, read as YAML reads 9090");
        assertEquals(new FailurePolicy(25, true, 10, false, 0, null, false), rb.policy().toPolicy());
        Runbook.Step s = rb.steps().get(0);
        assertEquals("write", s.task());
        assertEquals(new Become(Become.Method.SU, "www", null), s.become());
        assertEquals(Duration.ofSeconds(30), s.timeout());
        assertEquals(2, s.retries());
        assertEquals("conf", s.register());
        assertNull(s.converted(), "templated parameters are converted per host");
        assertEquals(7, s.taskLine());
        assertEquals(12, s.whenLine());
        Runbook.Step t = rb.steps().get(1);
        assertEquals("command", t.name());
        assertEquals(Map.of("cmd", "uptime"), t.converted());
        assertTrue(t.runOnce());
        assertFalse(s.runOnce());
    }

    /** Finding 1: a misspelt register name is refused at its line, with the name it is closest to. */
    @Test
    void aMisspeltRegisterNameInAConditionIsRefused() {
        refused("""
                steps:
                  - command: {cmd: "true"}
                    register: conf
                  - command: {cmd: "true"}
                    when: cnf.changed
                """, "site.yaml:5: steps[1].when: \"cnf\" is not defined at this step; did you mean \"conf\"? (names:"
                + " data, facts, vars, inventory_hostname, groups, conf;");
    }

    /** Finding 1: a template may not use what a later step registers; facts keys and data keys stay per host. */
    @Test
    void aTemplateUsingALaterRegisterIsRefused() throws Exception {
        refused("""
                steps:
                  - write: {path: "/tmp/x", content: "{{ later.stdout }}"}
                  - command: {cmd: "true"}
                    register: later
                """, "site.yaml:2: steps[0].write.content: \"later\" is not defined at this step");
        new RunbookParser(catalog).parse("""
                steps:
                  - command: {cmd: "true"}
                    register: first
                  - write: {path: "/tmp/x", content: "{{ first.stdout }} {{ data.anything | upper }}"}
                    when: facts.os_family == "Debian" and first.rc > 0 and vars.x is defined
                """, "site.yaml", Map.of());
    }

    /** Finding 7: serial 0 is refused at its line, as --serial 0 is. */
    @Test
    void serialZeroIsRefused() {
        refused("""
                serial: 0
                steps:
                  - command: {cmd: "true"}
                """, "site.yaml:1: serial: \"0\" makes empty batches; give 1 or more hosts");
    }

    /** Finding 4: -e values are read as YAML scalars, as the same text under vars would be. */
    @Test
    void extraVarsAreReadAsYamlScalars() throws Exception {
        Runbook rb = new RunbookParser(catalog).parse("""
                steps:
                  - command: {cmd: "true"}
                """, "site.yaml", Map.of("n", "1", "ok", "true", "ratio", "0.5", "mode", "0644", "t", "a: b",
                "q", "'7'"));
        assertEquals(1L, rb.vars().get("n"));
        assertEquals(Boolean.TRUE, rb.vars().get("ok"));
        assertEquals(0.5, rb.vars().get("ratio"));
        assertEquals("0644", rb.vars().get("mode"), "a leading 0 stays as written, as under vars");
        assertEquals("a: b", rb.vars().get("t"));
        assertEquals("'7'", rb.vars().get("q"));
    }

    /** Finding 5: a number given as {{ }} is not judged before it is rendered; it is converted per host. */
    @Test
    void aTemplatedNumberIsConvertedPerHost() throws Exception {
        Runbook rb = new RunbookParser(catalog).parse("""
                vars: {mode: 384}
                steps:
                  - write: {path: "/tmp/x", mode: "{{ vars.mode }}"}
                """, "site.yaml", Map.of());
        assertNull(rb.steps().get(0).converted());
        refused("""
                steps:
                  - write: {path: "/tmp/x", mode: "{{ vars.mode }}", colour: red}
                """, "site.yaml:2: steps[0].write");
    }

    @Test
    void anUnknownStepKeyNamesTheClosestOne() {
        refused("""
                steps:
                  - command: {cmd: uptime}
                    whn: data.role == "web"
                """, "site.yaml:3: steps[0].whn: unknown step key; did you mean \"when\"?");
    }

    @Test
    void aMisspeltTaskNamesTheInstalledOnes() {
        refused("""
                steps:
                  - comand: {cmd: uptime}
                """, "site.yaml:2: steps[0].comand: no task \"comand\" is installed; did you mean \"command\"?"
                + " (installed: command, facts, whoami, write;");
    }

    @Test
    void twoTaskKeysInOneStep() {
        refused("""
                steps:
                  - command: {cmd: uptime}
                    write: {path: /tmp/x}
                """, "site.yaml:3: steps[0]: two tasks, \"command\" and \"write\"; a step runs one task");
    }

    @Test
    void aStepWithoutATask() {
        refused("""
                steps:
                  - name: nothing to do
                """, "site.yaml:2: steps[0]: no task");
    }

    @Test
    void aParameterProblemIsAtItsOwnLine() {
        refused("""
                steps:
                  - write:
                      path: /tmp/x
                      contnet: hello
                """, "site.yaml:4: steps[0].write.contnet: write has no parameter \"contnet\"; did you mean \"content\"?");
        refused("""
                steps:
                  - write:
                      path: /tmp/x
                      mode: rw
                """, "site.yaml:4: steps[0].write.mode: \"rw\" is not a whole number");
        refused("""
                steps:
                  - write: {content: x}
                """, "site.yaml:2: steps[0].write: write needs the parameter \"path\"");
    }

    @Test
    void badDurationsRetriesAndPolicy() {
        refused("""
                steps:
                  - command: {cmd: uptime}
                    timeout: 3 fortnights
                """, "site.yaml:3: steps[0].timeout: ");
        refused("""
                steps:
                  - command: {cmd: uptime}
                    retries: many
                """, "site.yaml:3: steps[0].retries: \"many\" is not a count of retries; give 0 to 100");
        refused("serial: 0%\nsteps: [{command: {cmd: uptime}}]\n", "site.yaml:1: serial: 0% is out of range");
        refused("max_fail: 110%\nsteps: [{command: {cmd: uptime}}]\n", "site.yaml:1: max_fail: \"110%\" is not a"
                + " percentage");
    }

    @Test
    void aConditionThatDoesNotParseIsRefusedAtItsLine() {
        List<String> p = problems("""
                steps:
                  - command: {cmd: uptime}
                    when: facts.os_family ==
                """);
        assertEquals(1, p.size(), p::toString);
        assertEquals("site.yaml:3: steps[0].when: the expression ends where a value or name should follow; complete"
                + " it (e.g. facts.os_family == \"Debian\")", p.get(0));
        refused("""
                steps:
                  - command: {cmd: uptime}
                    when: "{{ data.role == 'web' }}"
                """, "site.yaml:3: steps[0].when: write the condition without {{ }}");
        refused("""
                steps:
                  - command: {cmd: uptime}
                    when: "'web' in groups"
                """, "site.yaml:3: steps[0].when: ");
        assertTrue(problems("steps:\n  - command: {cmd: uptime}\n    when: \"'web' in groups\"\n").get(0)
                .endsWith("steps[0].when: \"in\" cannot follow what comes before it; Pebble writes Jinja's 'x in list'"
                        + " as 'list contains x'"));
    }

    @Test
    void aTemplateThatDoesNotParseIsRefusedAtItsLine() {
        refused("""
                steps:
                  - write:
                      path: "/tmp/{{ inventory_hostname"
                """, "site.yaml:3: steps[0].write.path: template: ");
    }

    @Test
    void registerMustBeAName() {
        refused("""
                steps:
                  - command: {cmd: uptime}
                    register: 2bad
                """, "site.yaml:3: steps[0].register: \"2bad\" cannot name a result");
        refused("""
                steps:
                  - command: {cmd: uptime}
                    register: facts
                """, "site.yaml:3: steps[0].register: \"facts\" cannot name a result: it is a name conditions"
                + " already have");
    }

    @Test
    void everyProblemOfTheFileIsReportedAtOnce() {
        List<String> p = problems("""
                nmae: typo
                steps:
                  - comand: {cmd: uptime}
                  - command: {cmd: uptime}
                    timeout: soon
                  - command: {cmd: uptime}
                    register: a-b
                """);
        assertEquals(4, p.size(), p::toString);
        assertTrue(p.get(0).startsWith("site.yaml:1: nmae: unknown key; did you mean \"name\"?"), p::toString);
        assertTrue(p.get(1).startsWith("site.yaml:3: steps[0].comand: "), p::toString);
        assertTrue(p.get(2).startsWith("site.yaml:5: steps[1].timeout: "), p::toString);
        assertTrue(p.get(3).startsWith("site.yaml:7: steps[2].register: "), p::toString);
    }

    @Test
    void yamlSyntaxAndDuplicateKeys() {
        refused("steps:\n  - command: {cmd: uptime\n", "site.yaml:");
        refused("""
                steps:
                  - command: {cmd: uptime}
                    name: a
                    name: b
                """, "site.yaml:4: steps[0].name: duplicate key (first at line 3)");
        refused("- a\n- b\n", "site.yaml:1: a runbook is a mapping");
        refused("name: x\n", "site.yaml:1: no steps");
    }

    @Test
    void becomeTakesNoPasswordAndKnowsItsMethods() {
        refused("""
                steps:
                  - command: {cmd: id}
                    become: {user: root, password: hunter2}
                """, "site.yaml:3: steps[0].become.password: a runbook holds no password");
        List<String> p = problems("""
                steps:
                  - command: {cmd: id}
                    become: {method: doas}
                """);
        assertTrue(p.get(0).startsWith("site.yaml:3: steps[0].become.method: \"doas\" is not known"), p::toString);
        assertFalse(String.join("\n", problems("steps:\n  - command: {cmd: id}\n    become: {password: hunter2}\n"))
                .contains("hunter2"), "a secret written by mistake is not repeated");
    }

    @Test
    void anOctalModeStaysAsWritten() {
        assertEquals("0644", RunbookParser.plain(new org.yaml.snakeyaml.Yaml().compose(new java.io.StringReader(
                "0644"))));
    }

    @Test
    void gatherFactsNeedsTheFactsTask() throws Exception {
        assertTrue(new RunbookParser(catalog).parse("gather_facts: true\nsteps: [{command: {cmd: id}}]\n", "f",
                Map.of()).gatherFacts());
    }

    @Test
    void everyParameterProblemOfAStepIsAtItsLine() {
        List<String> p = problems("""
                steps:
                  - write:
                      path: /tmp/x
                      contnet: hello
                      mode: rw
                """);
        assertEquals(List.of("site.yaml:4: steps[0].write.contnet: write has no parameter \"contnet\"; did you mean"
                + " \"content\"?", "site.yaml:5: steps[0].write.mode: \"rw\" is not a whole number; see conduit:tasks"
                + " write"), p);
    }

    @Test
    void aRelativeLocalPathIsReadFromTheRunbooksDirectory(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        java.nio.file.Path rb = java.nio.file.Files.createDirectories(dir.resolve("rb")).resolve("site.yaml");
        java.nio.file.Files.writeString(rb, """
                steps:
                  - write: {path: /tmp/x, src: files/a.conf}
                  - write: {path: /tmp/y, src: /etc/hostname}
                """);
        Runbook r = new RunbookParser(catalog).read(rb, Map.of());
        assertEquals(dir.resolve("rb/files/a.conf").toString(), r.steps().get(0).converted().get("src"));
        assertEquals("/etc/hostname", r.steps().get(1).converted().get("src"));
    }
}
