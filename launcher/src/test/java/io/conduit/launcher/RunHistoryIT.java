package io.conduit.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

/**
 * Issue 15's run history through {@code bin/conduit COMMAND}, each command its own Conduit process on one data
 * directory (so each is a restart), against a real OpenSSH sshd, judged on the host side: three inventory hosts
 * h1..h3 reach the same sshd at 127.0.0.1 to 127.0.0.3, and the command marks the address it was reached at.
 */
class RunHistoryIT {
    private static final int HOSTS = 3;

    @TempDir
    Path dir;
    private Path inventory;

    private Conduit.Result conduit(String... args) throws Exception {
        Path data = Files.createDirectories(dir.resolve("data"));
        return Conduit.withEnv(Map.of("CONDUIT_DATA", data.toString()), null, args);
    }

    private List<Integer> ran(Path marks) throws Exception {
        List<Integer> hosts = new ArrayList<>();
        for (int i = 1; i <= HOSTS; i++) {
            if (Files.exists(marks.resolve("127.0.0." + i))) {
                hosts.add(i);
            }
        }
        return hosts;
    }

    /** Marks {@code DIR/ADDRESS}, then fails on the host reached at the address given, unless the flag file exists. */
    private static String mark(Path marks, String failOn, Path fixed) {
        return "ip=$(echo $SSH_CONNECTION | cut -d\" \" -f3); touch " + marks + "/$ip; [ $ip != " + failOn
                + " ] || [ -e " + fixed + " ]";
    }

    private static Map<String, String> statuses(JsonObject run) {
        Map<String, String> out = new java.util.TreeMap<>();
        for (JsonElement h : run.getAsJsonArray("hosts")) {
            out.put(h.getAsJsonObject().get("host").getAsString(), h.getAsJsonObject().get("status").getAsString());
        }
        return out;
    }

    @Test
    void aFailedHostIsRecordedListedByTheNextProcessAndRunAgainAloneWithRerunFailed() throws Exception {
        try (LoopbackSshd sshd = sshd(dir.resolve("sshd"))) {
            Path first = Files.createDirectories(dir.resolve("first"));
            Path fixed = dir.resolve("fixed");
            Conduit.Result r = conduit("run", "-i", inventory.toString(), "all", mark(first, "127.0.0.2", fixed));
            assertEquals(2, r.exit(), r.toString());
            assertEquals(List.of(1, 2, 3), ran(first));
            Matcher id = Pattern.compile("\n3 hosts: 2 ok, 0 changed, 1 failed, 0 unreachable \\([0-9.]+ s\\);"
                    + " run (\\d+) \\(--rerun-failed \\1 runs the failed hosts again\\)\n").matcher(r.out());
            assertTrue(id.find(), r.toString());
            String run = id.group(1);

            // another process (a restart) reads the record
            Conduit.Result shown = conduit("runs", run, "--json");
            assertEquals(0, shown.exit(), shown.toString());
            JsonObject record = JsonParser.parseString(shown.out()).getAsJsonObject();
            assertEquals(Map.of("h1", "ok", "h2", "failed", "h3", "ok"), statuses(record), shown.toString());
            assertEquals(2, record.get("exit").getAsInt());
            assertEquals("cli", record.get("via").getAsString());

            // the operator fixes the cause; only h2 runs again (one more process, a Gogo line, for the time it takes)
            Files.writeString(fixed, "");
            Path second = Files.createDirectories(dir.resolve("second"));
            Conduit.Result again = conduit("-c", "run -i " + inventory + " --rerun-failed " + run + " all '"
                    + mark(second, "127.0.0.2", fixed) + "'; runs --json -n 2");
            assertEquals(0, again.exit(), again.toString());
            assertEquals(List.of(2), ran(second), again.toString());
            assertTrue(again.err().contains("conduit: note: run " + run + " ran \"run: "), again.toString());
            assertTrue(again.out().contains("\n1 host: 1 ok, 0 changed, 0 failed, 0 unreachable ("), again.toString());

            JsonArray runs = JsonParser.parseString(again.out().substring(again.out().lastIndexOf("\n[") + 1))
                    .getAsJsonArray();
            assertEquals(2, runs.size(), again.toString());
            JsonObject newest = runs.get(0).getAsJsonObject();
            assertEquals(Long.parseLong(run), newest.get("rerun_of").getAsLong());
            assertEquals("shell", newest.get("via").getAsString());
            assertEquals(Map.of("h2", "ok"), statuses(newest));
            assertEquals(run, runs.get(1).getAsJsonObject().get("id").getAsString());
            assertFalse(again.err().contains("passed over"), again.toString());
        }
    }

    /** sshd with a key login on 127.0.0.1 to 127.0.0.3 at one port; the inventory names each address a host. */
    private LoopbackSshd sshd(Path at) throws Exception {
        inventory = dir.resolve("inventory.yaml");
        return LoopbackSshd.fleet(at, HOSTS, inventory);
    }
}
