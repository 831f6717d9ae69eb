package io.conduit.core.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import io.conduit.api.connection.PluginGoneException;
import io.conduit.core.testing.FakePlugin;

/** When a missing plugin name is waited for, and when it fails at once naming the installed plugins. */
class PluginRegistryTest {
    private final PluginRegistry registry = new PluginRegistry();

    @Test
    void anUnknownNameFailsAtOnceNamingTheInstalledPluginsOnceThePluginsHaveStarted() throws Exception {
        registry.add(new FakePlugin("ssh", "1").binding());
        registry.add(new FakePlugin("local", "1").binding());
        registry.markPluginsStarted();
        long start = System.nanoTime();
        PluginGoneException e = assertThrows(PluginGoneException.class,
                () -> registry.await("telnet", Duration.ofSeconds(15)));
        assertTrue(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start) < 1_000, "at once");
        assertTrue(e.getMessage().contains("\"telnet\" (installed: local, ssh)"), e.getMessage());
    }

    @Test
    void beforeThePluginsHaveStartedAnUnknownNameIsGivenTheStartUpGrace() throws Exception {
        CompletableFuture<PluginBinding> waiting = CompletableFuture.supplyAsync(() -> {
            try {
                return registry.await("ssh", Duration.ofSeconds(15));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        FakePlugin ssh = new FakePlugin("ssh", "1");
        registry.add(ssh.binding()); // deploy/'s plugin arrives during the grace
        assertEquals("ssh", waiting.get(10, TimeUnit.SECONDS).name());
    }

    @Test
    void aPluginThatWentAwayIsWaitedForEvenAfterThePluginsHaveStarted() throws Exception {
        registry.markPluginsStarted();
        PluginBinding v1 = new FakePlugin("ssh", "1").binding();
        registry.add(v1);
        registry.remove(v1.serviceId()); // an upgrade: the old version is gone, the new one not yet there
        CompletableFuture<PluginBinding> waiting = CompletableFuture.supplyAsync(() -> {
            try {
                return registry.await("ssh", Duration.ofSeconds(15));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        registry.add(new FakePlugin("ssh", "2").binding());
        assertEquals("2", waiting.get(10, TimeUnit.SECONDS).version());
    }
}
