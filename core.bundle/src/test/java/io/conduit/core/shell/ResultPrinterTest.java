package io.conduit.core.shell;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import io.conduit.api.connection.ExecResult;
import io.conduit.api.task.HostResult;
import io.conduit.api.task.RunResult;
import io.conduit.api.task.Status;

/** What an operator reads during and after a run. */
class ResultPrinterTest {
    @TempDir
    Path dir;

    private final ByteArrayOutputStream outBytes = new ByteArrayOutputStream();
    private final ByteArrayOutputStream errBytes = new ByteArrayOutputStream();

    private ResultPrinter printer(ResultPrinter.Format format, boolean raw, HostFiles files) {
        return new ResultPrinter(format, raw, files, new PrintStream(outBytes, true, StandardCharsets.UTF_8),
                new PrintStream(errBytes, true, StandardCharsets.UTF_8));
    }

    /** Prints the summary {@link ResultPrinter#end} returns as the console prints a command's value. */
    private void console(String value) {
        new PrintStream(outBytes, true, StandardCharsets.UTF_8).println(value);
    }

    private String out() {
        return outBytes.toString(StandardCharsets.UTF_8);
    }

    /** A whole run where the runner reported no host (as in a run whose workers all lost the race with Ctrl-C). */
    private String print(RunResult result, ResultPrinter.Format format) {
        ResultPrinter p = printer(format, false, null);
        p.started(result.hosts().size());
        console(p.end(result));
        return out();
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static HostResult ok(String host, String stdout) {
        return new HostResult(host, Status.OK, 0, utf8(stdout), null, false, false, null, Duration.ofMillis(3));
    }

    @Test
    void blocksKeepBlankLinesAndSayHowManyBytesWereCut() {
        RunResult result = new RunResult(List.of(
                new HostResult("web1", Status.OK, 0, utf8("one\n\nthree\n"), utf8("warn\n"), true, false, null,
                        Duration.ofMillis(12), 1234, 0),
                HostResult.of("web2", Status.UNREACHABLE, "web2:22: connection refused")), Duration.ofMillis(1500));
        assertEquals("""
                web1 | OK | rc=0 | 12 ms
                  one

                  three
                  [stdout truncated at the output limit: 1234 bytes dropped]
                  ! warn
                web2 | UNREACHABLE | 0 ms | web2:22: connection refused
                2 hosts: 1 ok, 0 changed, 0 failed, 1 unreachable (1.5 s)
                """.replace("\n\n", "\n  \n"), print(result, ResultPrinter.Format.BLOCKS));
    }

    @Test
    void oneHostIsSingularAndAnUncountedCutSaysSo() {
        RunResult result = new RunResult(List.of(new HostResult("web1", Status.OK, 0, null, utf8("e"), false, true,
                null, Duration.ofMillis(2))), Duration.ofMillis(100));
        String out = print(result, ResultPrinter.Format.BLOCKS);
        assertTrue(out.endsWith("\n1 host: 1 ok, 0 changed, 0 failed, 0 unreachable (0.1 s)\n"), out);
        assertTrue(out.contains("  [stderr truncated at the output limit: the plugin did not say how many bytes"
                + " were dropped]\n"), out);
    }

    @Test
    void failedCommandShowsItsExitCodeOnce() {
        RunResult result = new RunResult(List.of(new HostResult("db1", Status.FAILED, 3, null, null, false, false,
                "exit code 3", Duration.ofMillis(5))), Duration.ZERO);
        assertEquals("db1 | FAILED | rc=3 | 5 ms",
                print(result, ResultPrinter.Format.BLOCKS).lines().findFirst().orElseThrow());
    }

    @Test
    void controlCharactersAndBytesThatAreNotUtf8AreShownEscapedUnlessRaw() {
        byte[] hostile = {'a', 0x1b, '[', '2', 'J', '\t', 'b', '\r', 'c', (byte) 0xff, 0x07, '\r', '\n', 'd', 0x7f,
            (byte) 0xc2, (byte) 0x9b, (byte) 0xe2, (byte) 0x80, (byte) 0xae, '\n'};
        HostResult h = new HostResult("h\u001b]0;x\u0007", Status.OK, 0, hostile, null, false, false, null,
                Duration.ZERO);
        RunResult result = new RunResult(List.of(h), Duration.ZERO);

        List<String> lines = print(result, ResultPrinter.Format.BLOCKS).lines().toList();
        assertEquals("h\\e]0;x\\x07 | OK | rc=0 | 0 ms", lines.get(0), "the host name too");
        assertEquals("  a\\e[2J\tb\\rc\\xFF\\x07", lines.get(1), "tab kept, CR before LF dropped");
        assertEquals("  d\\x7F\\u009B\\u202E", lines.get(2), "DEL, the C1 CSI and a bidi override");

        outBytes.reset();
        ResultPrinter raw = printer(ResultPrinter.Format.BLOCKS, true, null);
        raw.finished(h);
        byte[] printed = outBytes.toByteArray();
        byte[] body = java.util.Arrays.copyOfRange(printed, printed.length - hostile.length - 4, printed.length);
        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        expected.writeBytes(utf8("  "));
        expected.write(hostile, 0, 13);
        expected.writeBytes(utf8("  "));
        expected.write(hostile, 13, hostile.length - 13);
        assertArrayEquals(expected.toByteArray(), body, "--raw: the bytes as they came, indented");
    }

    @Test
    void oneLinePerHostWithItsOutputsNewlinesEscaped() {
        HostResult h = new HostResult("web1", Status.FAILED, 1, utf8("a\nb\n"), utf8("oops\n"), false, true,
                "exit code 1", Duration.ofMillis(4), 0, 10);
        RunResult result = new RunResult(List.of(h, HostResult.of("web2", Status.UNREACHABLE, "refused")),
                Duration.ZERO);
        assertEquals("""
                web1 | FAILED | rc=1 | 4 ms | (stdout) a\\nb | (stderr) oops [truncated: 10 bytes dropped]
                web2 | UNREACHABLE | 0 ms | refused
                2 hosts: 0 ok, 0 changed, 1 failed, 1 unreachable (0.0 s)
                """, print(result, ResultPrinter.Format.ONE_LINE));
    }

    @Test
    void jsonHasTheDocumentedKeys() {
        RunResult result = new RunResult(List.of(new HostResult("web1", Status.CHANGED, null, null, null, false,
                false, null, Duration.ofMillis(7))), Duration.ofMillis(9));
        String json = print(result, ResultPrinter.Format.JSON).replaceAll("\\s", "");
        assertEquals("{\"hosts\":[{\"host\":\"web1\",\"status\":\"changed\",\"exit_code\":null,\"stdout\":\"\","
                + "\"stderr\":\"\",\"error\":null,\"duration_ms\":7}],"
                + "\"summary\":{\"hosts\":1,\"ok\":0,\"changed\":1,\"failed\":0,\"unreachable\":0,\"skipped\":0,"
                + "\"duration_ms\":9}}",
                json);
    }

    @Test
    void jsonCarriesBytesThatAreNotUtf8InBase64AndEscapesControlCharacters() {
        byte[] binary = {(byte) 0xff, 0, 'x'};
        HostResult h = new HostResult("web1", Status.OK, 0, binary, utf8("\u001b[31mred\n"), true, false, null,
                Duration.ZERO, ExecResult.UNCOUNTED, 0);
        JsonObject o = JsonParser.parseString(print(new RunResult(List.of(h), Duration.ZERO),
                ResultPrinter.Format.JSON)).getAsJsonObject().getAsJsonArray("hosts").get(0).getAsJsonObject();

        assertTrue(o.get("stdout").isJsonNull(), o::toString);
        assertArrayEquals(binary, Base64.getDecoder().decode(o.get("stdout_base64").getAsString()));
        assertEquals("\u001b[31mred\n", o.get("stderr").getAsString());
        assertFalse(o.has("stderr_base64"));
        assertTrue(o.get("stdout_truncated").getAsBoolean());
        assertTrue(o.get("stdout_dropped").isJsonNull(), "not counted by the plugin: " + o);
        assertEquals(0, o.get("stderr_dropped").getAsLong());
        assertFalse(out().contains("\u001b"), "Gson writes ESC as \\u001b: " + out());
    }

    @Test
    void jsonLinesPrintsEachHostAsItFinishesThenTheSummaryAndNothingAfterIt() {
        ResultPrinter p = printer(ResultPrinter.Format.JSON_LINES, false, null);
        p.started(2);
        HostResult slow = ok("slow", "late\n");
        HostResult fast = ok("fast", "early\n");
        p.finished(fast);
        assertEquals(1, out().lines().count(), "the first host is out before the other finishes: " + out());
        p.finished(slow);
        console(p.end(new RunResult(List.of(slow, fast), Duration.ZERO)));
        p.finished(ok("straggler", "")); // a report after the summary is dropped

        List<JsonObject> lines = out().lines().map(l -> JsonParser.parseString(l).getAsJsonObject()).toList();
        assertEquals(3, lines.size(), out());
        assertEquals("fast", lines.get(0).get("host").getAsString());
        assertEquals("early\n", lines.get(0).get("stdout").getAsString());
        assertEquals("slow", lines.get(1).get("host").getAsString());
        assertEquals(2, lines.get(2).getAsJsonObject("summary").get("ok").getAsInt(), "each host once");
    }

    @Test
    void hostsNoWorkerReportedArePrintedBeforeTheSummary() {
        ResultPrinter p = printer(ResultPrinter.Format.BLOCKS, false, null);
        p.started(2);
        HostResult a = ok("a", "A\n");
        HostResult b = HostResult.of("b", Status.FAILED, "interrupted before it started");
        p.finished(a);
        console(p.end(new RunResult(List.of(a, b), Duration.ZERO)));
        assertEquals("""
                a | OK | rc=0 | 3 ms
                  A
                b | FAILED | 0 ms | interrupted before it started
                2 hosts: 1 ok, 0 changed, 1 failed, 0 unreachable (0.0 s)
                """, out());
    }

    @Test
    void aWorkerReportingWithItsInterruptSetDoesNotCloseTheOutput() throws Exception {
        // bin/conduit -c prints through an interruptible channel; a host timeout leaves the worker interrupted
        Path file = dir.resolve("stdout");
        try (java.nio.channels.FileChannel channel = java.nio.channels.FileChannel.open(file,
                java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.WRITE)) {
            PrintStream out = new PrintStream(java.nio.channels.Channels.newOutputStream(channel), true,
                    StandardCharsets.UTF_8);
            ResultPrinter p = new ResultPrinter(ResultPrinter.Format.BLOCKS, false, null, out, out);
            HostResult h = ok("web1", "x\n");
            Thread.currentThread().interrupt();
            p.finished(h);
            assertTrue(Thread.interrupted(), "the worker's interrupt is kept for the runner");
            out.println(p.end(new RunResult(List.of(h), Duration.ZERO))); // the value, as the console prints it
            assertFalse(out.checkError(), "the stream is still open");
        }
        assertEquals("web1 | OK | rc=0 | 3 ms\n  x\n1 host: 1 ok, 0 changed, 0 failed, 0 unreachable (0.0 s)\n",
                Files.readString(file));
    }

    @Test
    void blocksFromManyThreadsNeverInterleave() throws Exception {
        ResultPrinter p = printer(ResultPrinter.Format.BLOCKS, false, null);
        int hosts = 40;
        p.started(hosts);
        String body = "line\n".repeat(200);
        ExecutorService pool = Executors.newFixedThreadPool(8);
        CountDownLatch go = new CountDownLatch(1);
        List<HostResult> results = new ArrayList<>();
        try {
            for (int i = 0; i < hosts; i++) {
                HostResult h = ok("h" + i, body);
                results.add(h);
                pool.execute(() -> {
                    try {
                        go.await();
                    } catch (InterruptedException e) {
                        return;
                    }
                    p.finished(h);
                });
            }
            go.countDown();
        } finally {
            pool.shutdown();
            assertTrue(pool.awaitTermination(30, TimeUnit.SECONDS));
        }
        console(p.end(new RunResult(results, Duration.ZERO)));
        List<String> lines = out().lines().toList();
        assertEquals(hosts * 201 + 1, lines.size());
        for (int i = 0; i < hosts; i++) {
            assertTrue(lines.get(i * 201).matches("h\\d+ \\| OK .*"), lines.get(i * 201));
            for (int j = 1; j <= 200; j++) {
                assertEquals("  line", lines.get(i * 201 + j), "block " + i + " is whole");
            }
        }
        assertTrue(lines.get(lines.size() - 1).startsWith("40 hosts:"));
    }

    @Test
    void outdirAndErrdirKeepEachHostsBytesInAFileNamedAfterItAndSafe() throws Exception {
        byte[] binary = {(byte) 0xff, '\n', 0x1b};
        HostFiles files = HostFiles.of(dir.resolve("out").toString(), dir.resolve("err").toString());
        ResultPrinter p = printer(ResultPrinter.Format.BLOCKS, false, files);
        HostResult evil = new HostResult("../x/y", Status.OK, 0, binary, utf8("warn\n"), false, false, null,
                Duration.ZERO);
        HostResult dots = HostResult.of("..", Status.UNREACHABLE, "refused");
        p.finished(evil);
        console(p.end(new RunResult(List.of(evil, dots), Duration.ZERO)));

        assertArrayEquals(binary, Files.readAllBytes(dir.resolve("out/..%2Fx%2Fy")));
        assertEquals("warn\n", Files.readString(dir.resolve("err/..%2Fx%2Fy")));
        assertEquals(0, Files.size(dir.resolve("out/%2E%2E")), "a host never reached has an empty file");
        try (var listed = Files.list(dir)) {
            assertEquals(2, listed.count(), "nothing was written outside the two directories");
        }
        assertFalse(p.filesFailed());
    }

    @Test
    void fileNamesAreTheHostNamesWhereSafe() {
        assertEquals("web1.example.com", HostFiles.fileName("web1.example.com"));
        assertEquals("[::1]:2222", HostFiles.fileName("[::1]:2222"));
        assertEquals("dé汉", HostFiles.fileName("dé汉"));
        assertEquals("a%2Fb%25c%5Cd%0A", HostFiles.fileName("a/b%c\\d\n"));
        assertEquals("%2E", HostFiles.fileName("."));
    }

    @Test
    void aFileThatCannotBeWrittenIsSaidAndFailsTheRun() throws Exception {
        HostFiles files = HostFiles.of(dir.resolve("out").toString(), null);
        Files.createDirectory(dir.resolve("out/web1")); // a directory where the file should go
        ResultPrinter p = printer(ResultPrinter.Format.BLOCKS, false, files);
        p.finished(ok("web1", "x\n"));
        assertTrue(p.filesFailed());
        String err = errBytes.toString(StandardCharsets.UTF_8);
        assertTrue(err.startsWith("conduit: -o: cannot write " + dir.resolve("out/web1")), err);
        assertTrue(out().startsWith("web1 | OK"), "the host is still printed: " + out());
    }

    @Test
    void outputOptionsThatDoNotGoTogetherAreRefusedNamingThem() {
        ShellContext ctx = new ShellContext(null, null, null, null, null, System.out, System.err);
        Options.OutputOptions both = new Options.OutputOptions();
        both.json = true;
        both.oneLine = true;
        Options.OutputOptions raw = new Options.OutputOptions();
        raw.raw = true;
        raw.jsonLines = true;
        Options.OutputOptions file = new Options.OutputOptions();
        file.outDir = dir.resolve("a-file").toString();

        String e1 = assertThrows(IllegalArgumentException.class, () -> both.printer(ctx)).getMessage();
        String e2 = assertThrows(IllegalArgumentException.class, () -> raw.printer(ctx)).getMessage();
        assertTrue(e1.contains("--json, --json-lines and --one-line") && e1.contains("give one"), e1);
        assertTrue(e2.startsWith("--raw") && e2.contains("drop --raw"), e2);
        assertDoesNotThrow(() -> Files.writeString(dir.resolve("a-file"), "x"));
        String e3 = assertThrows(IllegalArgumentException.class, () -> file.printer(ctx)).getMessage();
        assertTrue(e3.startsWith("-o/--outdir: cannot create " + dir.resolve("a-file")), e3);
    }

    @Test
    void hostTextIsNullForBytesThatAreNotUtf8() {
        assertEquals("é\u001b", HostText.utf8OrNull(utf8("é\u001b")));
        assertNull(HostText.utf8OrNull(new byte[] {(byte) 0xc3}));
    }

    @Test
    void skippedHostsShowTheirReasonAndCountInTheSummaryButNotAsFailed() {
        HostResult failed = HostResult.fromExec("web1", new io.conduit.api.connection.ExecResult(1, null, null,
                Duration.ofMillis(4), false, false), false);
        RunResult result = new RunResult(List.of(failed.with(failed.exec(), "exit code 1; after 3 tries"),
                HostResult.of("web2", Status.SKIPPED, "not run: 1 of 2 hosts of batch 1 failed (--max-fail 0%)")),
                Duration.ofMillis(300));
        assertEquals("""
                web1 | FAILED | rc=1 | 4 ms | after 3 tries
                web2 | SKIPPED | 0 ms | not run: 1 of 2 hosts of batch 1 failed (--max-fail 0%)
                2 hosts: 0 ok, 0 changed, 1 failed, 0 unreachable, 1 skipped (0.3 s)
                """, print(result, ResultPrinter.Format.BLOCKS));
        String json = print(result, ResultPrinter.Format.JSON).replaceAll("\\s", "");
        assertTrue(json.contains("\"failed\":1,\"unreachable\":0,\"skipped\":1,"), json);
    }
}
