package io.conduit.core.shell;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.conduit.api.task.HostResult;
import io.conduit.api.task.RunResult;
import io.conduit.api.task.Status;

/** What an operator reads after a run. */
class ResultPrinterTest {

    private static String print(RunResult result, boolean json) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ResultPrinter.print(result, json, new PrintStream(bytes, true, StandardCharsets.UTF_8));
        return bytes.toString(StandardCharsets.UTF_8);
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void blocksKeepBlankLinesAndSayWhenOutputWasCut() {
        RunResult result = new RunResult(List.of(
                new HostResult("web1", Status.OK, 0, utf8("one\n\nthree\n"), utf8("warn\n"), true, false, null,
                        Duration.ofMillis(12)),
                HostResult.of("web2", Status.UNREACHABLE, "web2:22: connection refused")), Duration.ofMillis(1500));
        assertEquals("""
                web1 | OK | rc=0 | 12 ms
                  one

                  three
                  [stdout truncated at the output limit]
                  ! warn
                web2 | UNREACHABLE | 0 ms | web2:22: connection refused
                2 hosts: 1 ok, 0 changed, 0 failed, 1 unreachable (1.5 s)
                """.replace("\n\n", "\n  \n"), print(result, false));
    }

    @Test
    void failedCommandShowsItsExitCodeOnce() {
        RunResult result = new RunResult(List.of(new HostResult("db1", Status.FAILED, 3, null, null, false, false,
                "exit code 3", Duration.ofMillis(5))), Duration.ZERO);
        assertEquals("db1 | FAILED | rc=3 | 5 ms", print(result, false).lines().findFirst().orElseThrow());
    }

    @Test
    void jsonHasTheDocumentedKeys() {
        RunResult result = new RunResult(List.of(new HostResult("web1", Status.CHANGED, null, null, null, false,
                false, null, Duration.ofMillis(7))), Duration.ZERO);
        String json = print(result, true).replaceAll("\\s", "");
        assertEquals("{\"hosts\":[{\"host\":\"web1\",\"status\":\"changed\",\"exit_code\":null,\"stdout\":\"\","
                + "\"stderr\":\"\",\"error\":null,\"duration_ms\":7}],"
                + "\"summary\":{\"ok\":0,\"changed\":1,\"failed\":0,\"unreachable\":0}}", json);
    }
}
