package io.conduit.launcher;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

/**
 * Output an operator can trust with many hosts, seen from outside {@code bin/conduit} on the example inventory
 * (the local plugin): each host printed as it finishes, bytes that are not UTF-8 carried in base64, a host's
 * escape sequences shown escaped, the bytes dropped at the output limit counted, {@code -o}/{@code -e} files.
 */
class HostOutputIT {
    @TempDir
    Path dir;

    @Test
    void jsonLinesPrintsTheFirstHostWhileTheOtherStillRuns() throws Exception {
        // the first host to take the lock answers at once; the other waits (at most 30 s) until this test has
        // read the first host's line, then says whether it saw that happen: no sleep stands in for the ordering
        String d = dir.toString();
        String command = "if mkdir " + d + "/first 2>/dev/null; then printf 'first\\377\\n'; else i=0;"
                + " while [ ! -e " + d + "/go ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i+1)); done;"
                + " if [ -e " + d + "/go ]; then echo saw-go; else echo gave-up; fi; fi;"
                + " head -c 1000 /dev/zero >&2";
        Process conduit = Conduit.start(dir.resolve("err.txt"), "run", "--json-lines", "--output-limit", "64",
                "web", command);
        List<String> lines = new ArrayList<>();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(conduit.getInputStream(),
                StandardCharsets.UTF_8))) {
            for (int i = 0; i < 3; i++) {
                String line = CompletableFuture.supplyAsync(() -> {
                    try {
                        return out.readLine();
                    } catch (java.io.IOException e) {
                        return null;
                    }
                }).get(Conduit.BOUND.toSeconds(), TimeUnit.SECONDS);
                assertNotNull(line, "line " + (i + 1) + " of 3; before it: " + lines + "; stderr: "
                        + Files.readString(dir.resolve("err.txt")));
                lines.add(line);
                if (i == 0) {
                    Files.createFile(dir.resolve("go"));
                }
            }
            assertTrue(conduit.waitFor(Conduit.BOUND.toSeconds(), TimeUnit.SECONDS));
            assertEquals(null, out.readLine(), "nothing after the summary");
        } finally {
            conduit.destroyForcibly();
        }
        String err = Files.readString(dir.resolve("err.txt"));
        assertEquals(Main.EXIT_OK, conduit.exitValue(), () -> lines + "\nstderr: " + err);

        JsonObject first = JsonParser.parseString(lines.get(0)).getAsJsonObject();
        JsonObject second = JsonParser.parseString(lines.get(1)).getAsJsonObject();
        JsonObject summary = JsonParser.parseString(lines.get(2)).getAsJsonObject().getAsJsonObject("summary");
        assertTrue(first.get("stdout").isJsonNull(), "\\377 is not UTF-8: " + first);
        assertArrayEquals("first\377\n".getBytes(StandardCharsets.ISO_8859_1),
                Base64.getDecoder().decode(first.get("stdout_base64").getAsString()));
        assertEquals("saw-go\n", second.get("stdout").getAsString(), "the first line was out while this host ran");
        for (JsonObject host : List.of(first, second)) {
            assertEquals("\0".repeat(64), host.get("stderr").getAsString(), host::toString);
            assertTrue(host.get("stderr_truncated").getAsBoolean(), host::toString);
            assertEquals(1000 - 64, host.get("stderr_dropped").getAsLong(), host::toString);
        }
        assertEquals(2, summary.get("hosts").getAsInt());
        assertEquals(2, summary.get("ok").getAsInt());
    }

    @Test
    void blocksShowEscapesAndCutsWhileTheFilesKeepTheBytes() throws Exception {
        Path outDir = dir.resolve("out");
        Path errDir = dir.resolve("err");
        Conduit.Result r = Conduit.run("run", "-o", outDir.toString(), "-e", errDir.toString(), "--output-limit",
                "10", "local1", "printf 'a\\033[31mb\\377\\n'; printf 0123456789AB >&2");

        assertEquals(Main.EXIT_OK, r.exit(), r::toString);
        assertTrue(r.out().contains("\n  a\\e[31mb\\xFF\n  ! 0123456789\n"
                + "  [stderr truncated at the output limit: 2 bytes dropped]\n"), r::toString);
        List<String> lines = r.out().lines().toList();
        assertTrue(lines.get(lines.size() - 1).startsWith("1 host: 1 ok, 0 changed, 0 failed, 0 unreachable ("),
                "the summary is last and singular: " + r);
        assertTrue(!r.out().contains("\u001b"), "no ESC reached the terminal: " + r);
        assertArrayEquals("a\033[31mb\377\n".getBytes(StandardCharsets.ISO_8859_1),
                Files.readAllBytes(outDir.resolve("local1")));
        assertEquals("0123456789", Files.readString(errDir.resolve("local1")), "what was kept, nothing more");
    }
}
