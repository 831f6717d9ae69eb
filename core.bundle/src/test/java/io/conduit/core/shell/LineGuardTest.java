package io.conduit.core.shell;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Which raw Gogo lines reach Conduit's commands unchanged, read with Gogo's own parser. */
class LineGuardTest {
    @ParameterizedTest
    @ValueSource(strings = {
        "run all 'echo $HOME'",
        "conduit:run -f 5 'web*:&prod' 'systemctl is-active nginx'",
        "run all echo -t x --json",
        "run all \"echo hi\"",
        "put web /etc/hostname /tmp/copied -m 0644",
        "run 'web[0]' uptime",
        "run all 'echo 汉语' ; hosts",
        "echo $HOME",                    // not a Conduit command: Gogo's business
        "x = 5; run all 'echo $x'",
        "run all 'a' | grep a",
        "run --env FOO=bar all env",
    })
    void safeLinesPass(String line) {
        assertEquals(Optional.empty(), LineGuard.check(line), line);
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "run all \"echo $HOME\"",
        "run all echo $HOME",
        "run all \"rm -rf $D/cache\"",
        "run all \"echo $(hostname)\"",
        "run web* uptime",
        "run all ls ~/x",
        "run all \"a\\\"b\"",
        "hosts db[1:3]",
        "run web[0] uptime",
        "run all echo =x",
        "run all date +%s",
        "run all echo {a,b}",
        "conduit:run all 'a'b",
        "echo $(conduit:run all \"echo $HOME\")",
        "gogo:each [1] { run all \"echo $it\" }",
        "ping all; run all \"$X\"",
        // the reviewer's lines of issue 13: a path Gogo changed would have been touched (or with state=absent,
        // deleted) instead of the one typed
        "task file local1 \"path=/tmp/rv/$X/y\" state=touch",
        "conduit:task file local1 \"path=/tmp/rv/$(echo z)\"",
        "runbook --check -e \"port=$P\" site.yaml web",
        "tasks $T",
    })
    void linesGogoWouldChangeAreRefusedWithTheFix(String line) {
        Optional<String> refusal = LineGuard.check(line);
        assertTrue(refusal.isPresent(), line);
        assertTrue(refusal.get().contains("nothing ran"), refusal.get());
    }

    /** Every command that takes a line's words is guarded, the ones added after the guard too. */
    @org.junit.jupiter.api.Test
    void everyConduitCommandIsGuarded() {
        assertTrue(LineGuard.COMMANDS.containsAll(java.util.Set.of("run", "put", "fetch", "ping", "hosts", "inventory",
                "plugins", "connections", "disconnect", "drain", "help", "completion", "task", "tasks", "runbook",
                "runs", "cluster", "run-status")),
                LineGuard.COMMANDS.toString());
    }

    @org.junit.jupiter.api.Test
    void theFixIsTheSameWordInSingleQuotes() {
        assertEquals(Optional.of("run: the shell would change \"echo [$HOME]\" before Conduit sees it (Gogo expands"
                + " $NAME and $(…) inside double quotes); write it in single quotes, which Gogo leaves alone:"
                + " 'echo [$HOME]'; nothing ran"), LineGuard.check("run all \"echo [$HOME]\""));
        assertTrue(LineGuard.check("run all \"it's $HOME\"").orElseThrow().contains("bin/conduit run PATTERN --"));
        assertTrue(LineGuard.check("run web[0] uptime").orElseThrow().contains("change web[0] before Conduit sees it"
                + " (Gogo reads [ ] as a list); write it in single quotes, which Gogo leaves alone: 'web[0]'"));
    }
}
