package io.conduit.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code bin/conduit COMMAND ARGS} for scripts, as a real process on the example inventory (the local plugin):
 * every Conduit command is reachable with its generated help, the exit status is 0, 2 or 64 as documented, the
 * words reach the host exactly as the calling shell split them ({@code --argv}), and {@code completion} prints a
 * script that bash sources and completes with.
 */
class ScriptCommandLineIT {
    /** Every command of {@code conduit help}. */
    static final List<String> COMMANDS = List.of("run", "put", "fetch", "ping", "hosts", "inventory", "plugins",
            "connections", "disconnect", "drain", "tasks", "task", "runs", "cluster", "run-status", "completion");

    @TempDir
    Path work;

    /** Through {@code bin/conduit COMMAND --help}: the longest option list, a name Gogo cannot call, the last. */
    @ParameterizedTest
    @ValueSource(strings = {"run", "run-status", "completion"})
    void aCommandsGeneratedHelpFromTheCommandLine(String command) throws Exception {
        Conduit.Result r = Conduit.run(command, "--help");

        assertEquals(Main.EXIT_OK, r.exit(), r::toString);
        assertTrue(r.out().startsWith("Usage: " + command + " "), r::toString);
        assertTrue(r.out().contains("-h, --help"), "picocli's generated option list: " + r);
        assertEquals("", r.err(), r::toString);
    }

    /**
     * Every command's help, in one process (the commands share one picocli model whichever way they are reached,
     * and a process per command cost the suite half a minute).
     */
    @Test
    void everyCommandHasItsGeneratedHelp() throws Exception {
        String line = String.join("; ", COMMANDS.stream().map(c -> "conduit:" + c + " --help").toList());
        Conduit.Result r = Conduit.run("-c", line);

        assertEquals(Main.EXIT_OK, r.exit(), r::toString);
        List<String> usages = r.out().lines().filter(l -> l.startsWith("Usage: ")).toList();
        assertEquals(COMMANDS.size(), usages.size(), r::toString);
        for (int i = 0; i < COMMANDS.size(); i++) {
            assertTrue(usages.get(i).startsWith("Usage: " + COMMANDS.get(i) + " "), usages.get(i));
        }
        assertEquals(COMMANDS.size(), r.out().lines().filter(l -> l.contains("-h, --help")).count(),
                "picocli's generated option list for each: " + r);
        assertEquals("", r.err(), r::toString);
    }

    @Test
    void helpListsEveryCommand() throws Exception {
        Conduit.Result r = Conduit.run("help");

        assertEquals(Main.EXIT_OK, r.exit(), r::toString);
        for (String command : COMMANDS) {
            assertTrue(r.out().lines().anyMatch(l -> l.startsWith(command + " ")), command + " is listed: " + r);
        }
    }

    @Test
    void theInventoryAndPluginCommandsPrintTheirTablesAndExit0() throws Exception {
        Conduit.Result hosts = Conduit.run("hosts", "web");
        Conduit.Result inventory = Conduit.run("inventory");
        Conduit.Result plugins = Conduit.run("plugins");
        Conduit.Result local = Conduit.run("plugins", "local");
        Conduit.Result connections = Conduit.run("connections");
        Conduit.Result disconnect = Conduit.run("disconnect", "--all");
        Conduit.Result drain = Conduit.run("drain", "local");

        for (Conduit.Result r : List.of(hosts, inventory, plugins, local, connections, disconnect, drain)) {
            assertEquals(Main.EXIT_OK, r.exit(), r::toString);
        }
        assertTrue(hosts.out().startsWith("NAME ") && hosts.out().contains("\nlocal2 ")
                && !hosts.out().contains("local3") && hosts.out().contains("2 hosts from "), hosts::toString);
        assertTrue(inventory.out().startsWith("source:  ") && inventory.out().contains("\nweb "), inventory::toString);
        assertTrue(plugins.out().lines().anyMatch(l -> l.startsWith("local ") && l.contains("active")),
                plugins::toString);
        assertTrue(local.out().startsWith("local: "), local::toString);
        assertTrue(connections.out().endsWith("0 connections {}\n"), connections::toString);
        assertEquals("closed 0 connections\n", disconnect.out(), disconnect::toString);
        assertTrue(drain.out().startsWith("drained 0 connections of plugin \"local\""), drain::toString);
    }

    @Test
    void tasksListsTheTaskPluginsAndAnUnknownTaskExits64BeforeAnythingRuns() throws Exception {
        Conduit.Result tasks = Conduit.run("tasks");
        Conduit.Result unknown = Conduit.run("task", "no-such-task", "all", "x=1");

        assertEquals(Main.EXIT_OK, tasks.exit(), tasks::toString);
        assertTrue(tasks.out().startsWith("NAME ") && tasks.out().contains("CHECK MODE"), tasks::toString);
        assertEquals(Main.EXIT_USAGE, unknown.exit(), unknown::toString);
        assertTrue(unknown.err().startsWith("conduit: task: no task named \"no-such-task\""), unknown::toString);
        assertEquals("", unknown.out(), unknown::toString);
    }

    @Test
    void theTaskCommandsRunOnTheHosts() throws Exception {
        Path src = Files.writeString(work.resolve("payload.txt"), "payload\n");
        Path copy = work.resolve("copy.txt");
        Conduit.Result ping = Conduit.run("ping", "all");
        Conduit.Result put = Conduit.run("put", "local1", src.toString(), copy.toString());
        Conduit.Result fetch = Conduit.run("fetch", "local1", copy.toString(), work.resolve("back").toString());
        Conduit.Result run = Conduit.run("run", "web", "--", "echo", "hi");

        for (Conduit.Result r : List.of(ping, put, fetch, run)) {
            assertEquals(Main.EXIT_OK, r.exit(), r::toString);
        }
        assertTrue(ping.out().contains("\n3 hosts: 3 ok, 0 changed, 0 failed, 0 unreachable ("), ping::toString);
        assertEquals("payload\n", Files.readString(copy));
        assertEquals("payload\n", Files.readString(work.resolve("back/local1/copy.txt")));
        assertEquals(2, run.out().lines().filter(l -> l.equals("  hi")).count(), run::toString);
    }

    @Test
    void exitStatusIs0WhenEveryHostIsOk2WhenOneFailedAnd64ForBadUsage() throws Exception {
        Conduit.Result ok = Conduit.run("run", "all", "true");
        Conduit.Result failed = Conduit.run("run", "web", "--", "exit", "3");
        Conduit.Result unknownOption = Conduit.run("run", "--frobnicate", "all", "true");
        Conduit.Result unknownCommand = Conduit.run("runn", "all", "true");
        Conduit.Result noHost = Conduit.run("ping", "nosuchhost");
        Conduit.Result json = Conduit.run("run", "--json", "local1", "exit 3");

        assertEquals(Main.EXIT_OK, ok.exit(), ok::toString);
        assertEquals(Main.EXIT_HOSTS_FAILED, failed.exit(), failed::toString);
        assertEquals(Main.EXIT_USAGE, unknownOption.exit(), unknownOption::toString);
        assertTrue(unknownOption.err().contains("unknown option: '--frobnicate'"), unknownOption::toString);
        assertEquals(Main.EXIT_USAGE, unknownCommand.exit(), unknownCommand::toString);
        assertTrue(unknownCommand.err().contains("(did you mean \"run\"?)"), unknownCommand::toString);
        assertEquals(Main.EXIT_USAGE, noHost.exit(), noHost::toString);
        assertEquals("", noHost.out(), "nothing ran, nothing printed: " + noHost);
        assertEquals(Main.EXIT_HOSTS_FAILED, json.exit(), "the status of --json's document too: " + json);
        assertTrue(json.out().startsWith("{") && json.out().contains("\"exit_code\": 3"), json::toString);
    }

    @Test
    void argvWordsReachTheHostExactlyAsTheCallingShellSplitThem() throws Exception {
        // from bash, as a script writes it: bash splits the words, Conduit hands each to the host as one argument
        String script = "\"$0\" run --argv local1 -- printf '[%s]' 'two  spaces' '$HOME' '*' '' \"it's\" 'a\"b'"
                + " '\\n' 'é'";
        Result r = bash(script);

        assertEquals(0, r.exit(), r::toString);
        assertTrue(r.out().contains("\n  [two  spaces][$HOME][*][][it's][a\"b][\\n][é]\n"), r::toString);
    }

    @Test
    void withoutArgvTheWordsAreOneCommandLineForTheHostsShell() throws Exception {
        Conduit.Result r = Conduit.run("run", "local1", "--", "echo", "two  spaces", "$((6*7))");

        assertEquals(0, r.exit(), r::toString);
        assertTrue(r.out().contains("\n  two spaces 42\n"), "the host's shell split and expanded them: " + r);
    }

    @Test
    void bashCompletesCommandsOptionsAndChoicesFromTheGeneratedScript() throws Exception {
        Conduit.Result script = Conduit.run("completion", "bash");
        assertEquals(0, script.exit(), script::toString);
        Path file = Files.writeString(work.resolve("conduit.bash"), script.out());

        Result r = bash("source " + file + " 2>/dev/null\n"
                + "complete -p conduit\n"
                + "try() { COMP_WORDS=(\"$@\"); COMP_CWORD=$(($# - 1)); COMP_LINE=\"$*\"; COMP_POINT=${#COMP_LINE};"
                + " COMPREPLY=(); _complete_conduit conduit \"${COMP_WORDS[COMP_CWORD]}\""
                + " \"${COMP_WORDS[COMP_CWORD-1]}\" 2>/dev/null; echo \"${COMPREPLY[*]}\"; }\n"
                + "try conduit ru\n"
                + "try conduit run --ar\n"
                + "try conduit completion ''\n"
                + "try conduit dis\n"
                + "try conduit run --become-method ''\n");

        assertEquals(0, r.exit(), r::toString);
        assertEquals(List.of("complete -o default -F _complete_conduit conduit", "run runbook runs run-status",
                "--argv", "bash zsh",
                "disconnect", "sudo su"), r.out().lines().toList().subList(0, 6).stream()
                .map(l -> l.replace(" conduit.sh conduit.bash", "")).toList(), r::toString);
    }

    @Test
    void zshGetsTheSameScriptAfterLoadingBashcompinit() throws Exception {
        Conduit.Result bash = Conduit.run("completion", "bash");
        Conduit.Result zsh = Conduit.run("completion", "zsh");

        assertEquals(0, zsh.exit(), zsh::toString);
        assertTrue(zsh.out().startsWith("autoload -U +X compinit && compinit\n"
                + "autoload -U +X bashcompinit && bashcompinit\n"), zsh::toString);
        assertTrue(zsh.out().endsWith(bash.out()), "then the bash script: " + zsh);
        assertTrue(Files.isExecutable(Path.of("/usr/bin/zsh")) || Files.isExecutable(Path.of("/bin/zsh")),
                "zsh is needed to source the script in zsh: scripts/env/shells.sh installs it (scripts/test runs it)");
        Path file = Files.writeString(work.resolve("conduit.zsh"), zsh.out());
        ProcessBuilder pb = new ProcessBuilder("zsh", "-c", "source " + file + " && complete -p conduit");
        Process p = pb.redirectErrorStream(true).start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.contains("_complete_conduit"), out);
    }

    record Result(int exit, String out, String err) {
    }

    /** Runs a bash script with {@code $0} set to bin/conduit. */
    private Result bash(String script) throws Exception {
        Path out = work.resolve("bash.out");
        Path err = work.resolve("bash.err");
        ProcessBuilder pb = new ProcessBuilder("bash", "-c", script, Conduit.DIST.resolve("bin/conduit").toString())
                .redirectOutput(out.toFile()).redirectError(err.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        pb.environment().remove("CONDUIT_DEBUG");
        pb.environment().remove("CONDUIT_DATA");
        pb.environment().put("LC_ALL", "C.UTF-8");
        Process p = pb.start();
        if (!p.waitFor(Conduit.BOUND.toSeconds(), TimeUnit.SECONDS)) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
        }
        assertFalse(p.isAlive(), "bash did not end");
        return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                Files.readString(err, StandardCharsets.UTF_8));
    }
}
