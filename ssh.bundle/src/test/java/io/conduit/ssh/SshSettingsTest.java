package io.conduit.ssh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.conduit.api.connection.ConnectionParams;
import io.conduit.api.connection.Secret;
import io.conduit.ssh.hostkey.HostKeyChecking;

/** Precedence and validation of the plugin's options. */
class SshSettingsTest {

    @Test
    void hostExtrasWinOverConfigAdminWhichWinsOverTheDeclaredDefaults() {
        SshSettings defaults = SshSettings.from(SshPlugin.PID, TestSupport.config(Map.of(
                "port", 2200, "connect_timeout", "3s", "host_key_checking", "accept-new")));
        assertEquals(2200, defaults.port());
        assertEquals(Duration.ofSeconds(30), defaults.authTimeout(), "declared default");
        SshSettings host = defaults.forHost(new ConnectionParams("h", 0, null, null, null, Map.of(
                "connect_timeout", Duration.ofMillis(500), "host_key_checking", "strict",
                "private_key_file", List.of("/k1", "/k2"), "proxy_jump", "a@j1:2222,j2",
                "private_key_passphrase", Secret.of("x"))));
        assertEquals(2200, host.port());
        assertEquals(Duration.ofMillis(500), host.connectTimeout());
        assertEquals(HostKeyChecking.STRICT, host.hostKeyChecking());
        assertEquals(List.of(Path.of("/k1"), Path.of("/k2")), host.privateKeyFiles());
        assertEquals(List.of(new Endpoint("a", "j1", 2222), new Endpoint(null, "j2", 22)), host.proxyJump());
        assertEquals("x", host.passphrase().reveal());
        assertNull(host.commandTimeout(), "0 means none");
        assertEquals(2222, defaults.forHost(new ConnectionParams("h", 2222, "u", null, null, Map.of())).port());
    }

    @Test
    void badValuesNameThePidOrOptionAndSayWhatFits() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SshSettings.from(
                SshPlugin.PID, TestSupport.config(Map.of("host_key_checking", "maybe"))));
        assertEquals("io.conduit.ssh: host_key_checking: \"maybe\" is not a choice; use strict, accept-new, off,"
                + " yes, no, true or false", e.getMessage());
        SshSettings d = SshSettings.from(SshPlugin.PID, TestSupport.config(Map.of()));
        e = assertThrows(IllegalArgumentException.class, () -> d.forHost(new ConnectionParams("h", 0, null, null,
                null, Map.of("proxy_jump", "bastion:ssh"))));
        assertTrue(e.getMessage().startsWith("extras.proxy_jump: \"bastion:ssh\" has no valid port"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> d.forHost(new ConnectionParams("h", 0, null, null,
                null, Map.of("transfer_method", "ftp"))));
        assertTrue(e.getMessage().contains("use auto, sftp, scp or pipe"), e.getMessage());
    }

    @Test
    void endpointsParseUserHostPortAndIpv6() {
        assertEquals(new Endpoint("u", "::1", 2022), Endpoint.parse("x", "u@[::1]:2022", 22));
        assertEquals(new Endpoint(null, "host", 22), Endpoint.parse("x", "ssh://host", 22));
        assertEquals("u@[::1]:2022", new Endpoint("u", "::1", 2022).toString());
    }

    @Test
    void anInvalidCfgKeepsThePluginRegisteredButRefusingWithPidKeyAndValue() {
        SshPlugin plugin = new SshPlugin(TestSupport.config(Map.of("connect_timeout", "ten")),
                Map.of("connect_timeout", "ten"));
        try {
            String expected = "configuration io.conduit.ssh is invalid (the ssh plugin's connections and options refuse"
                    + " to work until it is fixed): io.conduit.ssh: connect_timeout: \"ten\" is not a duration; use"
                    + " seconds (30) or a unit (500ms, 30s, 5m, 1h); fix etc/io.conduit.ssh.cfg";
            assertEquals(expected, assertThrows(IllegalStateException.class, plugin::options).getMessage());
            assertEquals(expected, assertThrows(IllegalStateException.class,
                    () -> plugin.create(new io.conduit.api.connection.ConnectionKey("web1", "ssh"))).getMessage());
            plugin.modified(TestSupport.config(Map.of("connect_timeout", "10s")), Map.of("connect_timeout", "10s"));
            assertTrue(!plugin.options().isEmpty(), "fixed without a restart");
        } finally {
            plugin.deactivate();
        }
    }
}
