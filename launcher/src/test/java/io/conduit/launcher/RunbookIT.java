package io.conduit.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

/**
 * {@code bin/conduit runbook} over SSH to a real OpenSSH sshd on 127.0.0.1 (four inventory hosts, one machine):
 * batches, a template rendered per host, a registered result used by a later step, and max_fail stopping the run;
 * every effect is checked in the files the steps wrote.
 */
class RunbookIT {
    @TempDir
    Path dir;

    @Test
    void aRunbookRollsOutInBatchesAndStopsPastMaxFail() throws Exception {
        try (LoopbackSshd sshd = sshd(dir.resolve("sshd"))) {
            Path out = Files.createDirectories(dir.resolve("out"));
            Path inventory = Files.writeString(dir.resolve("inventory.yaml"), String.join("\n",
                    "defaults:",
                    "  connection: ssh",
                    "  hostname: 127.0.0.1",
                    "  port: " + sshd.port(),
                    "  username: root",
                    "  data: {tier: web}",
                    "  connection_options:",
                    "    ssh:",
                    "      extras: {private_key_file: " + sshd.dir().resolve("client") + ", known_hosts_file: "
                            + sshd.dir().resolve("known_hosts") + ", look_for_keys: false, host_key_checking: strict}",
                    "hosts:",
                    "  h1: {}",
                    "  h2: {}",
                    "  h3: {data: {tier: broken}}",
                    "  h4: {}", ""));
            Files.writeString(dir.resolve("app.conf.j2"), "host={{ inventory_hostname }}\nport={{ vars.port }}\n");
            Path runbook = Files.writeString(dir.resolve("site.yaml"), """
                    name: app config
                    vars: {port: 8080}
                    serial: 50%
                    max_fail: 10%
                    steps:
                      - name: write the config
                        template: {src: app.conf.j2, dest: "OUT/{{ inventory_hostname }}.conf", mode: "0600"}
                        register: conf
                      - name: health check
                        command: {cmd: "test {{ data.tier }} = web"}
                      - name: record
                        command: {cmd: "echo {{ conf.status }} > OUT/{{ inventory_hostname }}.done"}
                    """.replace("OUT", out.toString()));

            Conduit.Result r = Conduit.run("runbook", "-i", inventory.toString(), "--json", "-e", "port=9090",
                    runbook.toString(), "all");
            assertEquals(2, r.exit(), r.toString());
            // batch 1 (h1, h2): every step
            for (String h : new String[] {"h1", "h2"}) {
                assertEquals("host=" + h + "\nport=9090\n", Files.readString(out.resolve(h + ".conf")), h);
                assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(
                        out.resolve(h + ".conf"))), h);
                assertEquals("changed\n", Files.readString(out.resolve(h + ".done")), h);
            }
            // batch 2 (h3, h4): h3 fails the health check, 1 of 2 is more than 10%: no host records
            assertTrue(Files.exists(out.resolve("h3.conf")) && Files.exists(out.resolve("h4.conf")));
            assertFalse(Files.exists(out.resolve("h3.done")) || Files.exists(out.resolve("h4.done")),
                    "a step ran after max_fail was passed");
            JsonObject doc = JsonParser.parseString(r.out()).getAsJsonObject();
            assertEquals("not run: 1 of 2 hosts failed in step 2 (health check) of batch 2, more than max_fail 10%",
                    doc.get("stopped").getAsString());
            JsonObject recap = doc.getAsJsonObject("recap");
            assertEquals(3, recap.getAsJsonObject("h1").get("changed").getAsInt()
                    + recap.getAsJsonObject("h1").get("ok").getAsInt());
            assertEquals(1, recap.getAsJsonObject("h3").get("failed").getAsInt());
            assertEquals(1, recap.getAsJsonObject("h4").get("skipped").getAsInt());

            // a bad runbook: nothing runs, each problem at its line
            Path bad = Files.writeString(dir.resolve("bad.yaml"), """
                    steps:
                      - command: {cmd: "touch OUT/ran"}
                      - command: {cmd: true}
                        whn: true
                    """.replace("OUT", out.toString()));
            Conduit.Result refused = Conduit.run("runbook", "-i", inventory.toString(), bad.toString(), "all");
            assertEquals(64, refused.exit(), refused.toString());
            assertTrue(refused.err().contains(bad + ":4: steps[1].whn: unknown step key; did you mean \"when\"?"),
                    refused.toString());
            assertFalse(Files.exists(out.resolve("ran")), "a step of a refused runbook ran");
            assertFalse(refused.err().contains("Exception"), refused.toString());
        }
    }

    /** sshd with one key login ({@code DIR/client}); DIR/known_hosts trusts it. */
    private static LoopbackSshd sshd(Path dir) throws Exception {
        Files.createDirectories(dir);
        LoopbackSshd.keygen(dir.resolve("client"));
        LoopbackSshd sshd = LoopbackSshd.start(dir, "PasswordAuthentication no", "PubkeyAuthentication yes",
                "PermitRootLogin prohibit-password", "AuthorizedKeysFile " + dir.resolve("client.pub"),
                "MaxStartups 100");
        Files.writeString(dir.resolve("known_hosts"),
                "[127.0.0.1]:" + sshd.port() + " " + Files.readString(dir.resolve("host.pub")));
        return sshd;
    }
}
