package io.conduit.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Dictionary;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;

import io.conduit.api.cluster.ClusterTransport;

/** The component without a framework: a context that records registrations; one member on 127.0.0.1:5830. */
class ClusterMemberTest {
    @TempDir
    Path home;

    /** What was registered, and whether it was unregistered since. */
    static final class Registration {
        final Object service;
        final Dictionary<?, ?> properties;
        volatile boolean unregistered;

        Registration(Object service, Dictionary<?, ?> properties) {
            this.service = service;
            this.properties = properties;
        }
    }

    private final List<Registration> registrations = new CopyOnWriteArrayList<>();
    /** The launcher's conduit.cluster.member: null (not launched by it), "true" (the member), "false" (any other). */
    private String resident;

    private BundleContext context() {
        return (BundleContext) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {BundleContext.class},
                (proxy, method, args) -> switch (method.getName()) {
                    case "getProperty" -> "conduit.home".equals(args[0]) ? home.toString()
                            : ClusterMember.MEMBER_PROPERTY.equals(args[0]) ? resident : null;
                    case "registerService" -> {
                        Registration r = new Registration(args[1], (Dictionary<?, ?>) args[2]);
                        registrations.add(r);
                        yield Proxy.newProxyInstance(getClass().getClassLoader(),
                                new Class<?>[] {ServiceRegistration.class}, (p, m, a) -> {
                                    if (m.getName().equals("unregister")) {
                                        r.unregistered = true;
                                    }
                                    return null;
                                });
                    }
                    default -> throw new UnsupportedOperationException(method.getName());
                });
    }

    private static ClusterConfig enabled(String keyFile) {
        return Configs.of(true, "member-test", new String[] {"127.0.0.1:5830"}, "127.0.0.1", 5830, keyFile, 10, 1);
    }

    private void keyFile(String perms) throws Exception {
        Path f = home.resolve("cluster.key");
        Files.write(f, TestMembers.KEY);
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString(perms));
    }

    @Test
    void absentOrDisabledStartsNoMember() throws Exception {
        ClusterMember m = new ClusterMember(new FakeWorker("x"), Configs.of(false, "c", new String[] {"127.0.0.1"},
                "127.0.0.1", 5830, "cluster.key", 10, 1), Map.of(), context());
        assertTrue(m.awaitStart(1000));
        m.deactivate();
        assertEquals(List.of(), registrations);
    }

    @Test
    void aProcessBesideTheResidentStartsNoMember() throws Exception {
        keyFile("rw-------");
        resident = "false";
        ClusterMember m = new ClusterMember(new FakeWorker("127.0.0.1:5830"), enabled("cluster.key"), Map.of(),
                context());
        assertTrue(m.awaitStart(1000));
        m.deactivate();
        assertEquals(List.of(), registrations);
    }

    @Test
    void anEnabledMemberRegistersTheTransportOnceInTheClusterAndUnregistersItWhenStopped() throws Exception {
        resident = "true";
        keyFile("rw-------");
        ClusterMember m = new ClusterMember(new FakeWorker("127.0.0.1:5830"), enabled("cluster.key"), Map.of(),
                context());
        try {
            assertTrue(m.awaitStart(TestMembers.DEADLINE.toMillis()));
            assertEquals(1, registrations.size());
            Registration r = registrations.get(0);
            ClusterTransport t = assertInstanceOf(ClusterTransport.class, r.service);
            assertEquals("127.0.0.1:5830", r.properties.get(ClusterMember.NODE_PROPERTY));
            assertEquals(List.of("127.0.0.1:5830"), t.members());

            // a changed configuration: the member leaves, a new one starts and is registered
            m.modified(enabled("cluster.key"), Map.of());
            assertTrue(r.unregistered);
            assertTrue(m.awaitStart(TestMembers.DEADLINE.toMillis()));
            assertEquals(2, registrations.size());
            assertFalse(registrations.get(1).unregistered);
        } finally {
            m.deactivate();
        }
        assertTrue(registrations.get(1).unregistered);
        assertFalse(((HazelcastTransport) registrations.get(1).service).running());
    }

    @Test
    void aConfigurationChangedWhileTheMemberStartsEndsWithOneMemberRegistered() throws Exception {
        keyFile("rw-------");
        ClusterMember m = new ClusterMember(new FakeWorker("127.0.0.1:5830"), enabled("cluster.key"), Map.of(),
                context());
        try {
            m.modified(enabled("cluster.key"), Map.of()); // most likely while the first one still starts
            m.modified(enabled("cluster.key"), Map.of());
            assertTrue(m.awaitStart(TestMembers.DEADLINE.toMillis()));
            List<Registration> live = registrations.stream().filter(r -> !r.unregistered).toList();
            assertEquals(1, live.size(), registrations.size() + " registrations");
            assertTrue(((HazelcastTransport) live.get(0).service).running());
        } finally {
            m.deactivate();
        }
        assertTrue(registrations.stream().allMatch(r -> r.unregistered));
    }

    @Test
    void aKeyFileOpenToOthersOrABadValueStartsNoMember() throws Exception {
        keyFile("rw-r--r--");
        ClusterMember m = new ClusterMember(new FakeWorker("x"), enabled("cluster.key"), Map.of(), context());
        assertTrue(m.awaitStart(TestMembers.DEADLINE.toMillis()));
        m.deactivate();
        ClusterMember bad = new ClusterMember(new FakeWorker("x"), enabled("cluster.key"),
                Map.of("port", "eighty"), context());
        assertTrue(bad.awaitStart(1000));
        bad.deactivate();
        assertEquals(List.of(), registrations);
    }
}
