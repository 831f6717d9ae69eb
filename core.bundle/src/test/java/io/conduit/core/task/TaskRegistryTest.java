package io.conduit.core.task;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.osgi.framework.Constants;
import org.osgi.framework.ServiceReference;

import io.conduit.api.connection.OptionDescriptor;
import io.conduit.api.connection.OptionType;
import io.conduit.api.connection.Secret;
import io.conduit.api.task.HostResult;
import io.conduit.api.task.RunOptions;
import io.conduit.api.task.Status;
import io.conduit.api.task.Task;
import io.conduit.api.task.TaskPlugin;
import io.conduit.core.testing.FakeTaskPlugin;

/**
 * The task registry: which service serves a name, what an unknown name or a bad parameter says, how an upgrade is
 * waited for and how a removal waits for the hosts still running the old service.
 */
@Timeout(60)
class TaskRegistryTest {
    private static final RunOptions RUN = RunOptions.defaults();
    private static final OptionDescriptor PATH = new OptionDescriptor("path", OptionType.PATH, null, true, false,
            "the file on the host");
    private static final OptionDescriptor MODE = OptionDescriptor.of("mode", OptionType.STRING, "0644",
            "octal permissions");
    private static final OptionDescriptor MS = OptionDescriptor.of("ms", OptionType.INTEGER, "20",
            "milliseconds to wait");
    private static final OptionDescriptor TIMEOUT = OptionDescriptor.of("timeout", OptionType.DURATION, "30s",
            "how long at most");
    private static final OptionDescriptor TOKEN = new OptionDescriptor("token", OptionType.INTEGER, null, false, true,
            "a numeric secret");

    /** A registry that waits long for an upgrade and a removal's drain: the tests release it, not a clock. */
    private final TaskRegistry registry = new TaskRegistry(Duration.ofSeconds(30), Duration.ofSeconds(30));

    @Test
    void theHighestRankedServiceServesItsNameAndTheOthersAreListedAsShadowed() throws Exception {
        FakeTaskPlugin first = new FakeTaskPlugin("file", "1.0.0", true);
        FakeTaskPlugin ranked = new FakeTaskPlugin("file", "9.0.0", true);
        FakeTaskPlugin later = new FakeTaskPlugin("file", "2.0.0", true);
        registry.add(first.binding());
        registry.add(ranked.binding(10));
        registry.add(later.binding());
        assertEquals(ranked, registry.plugin("file").orElseThrow());
        List<TaskCatalog.Service> listed = registry.services();
        assertEquals(List.of("9.0.0", "1.0.0", "2.0.0"), listed.stream().map(TaskCatalog.Service::version).toList());
        assertEquals(List.of(true, false, false), listed.stream().map(TaskCatalog.Service::serves).toList());
        assertEquals("9.0.0 {}", run(registry.task("file", Map.of()), "web1").stdoutText());

        registry.remove(ranked.serviceId);
        // the oldest of the same ranking takes over, at once
        assertEquals("1.0.0 {}", run(registry.task("file", Map.of()), "web1").stdoutText());
        assertEquals(java.util.Set.of("file"), registry.names());
    }

    @Test
    void aServiceWithoutAValidNameIsIgnored() {
        registry.added(new FakeTaskPlugin("x", "1", false), reference(Map.of(Task.NAME, "File Copy",
                Constants.SERVICE_ID, 1L)));
        registry.added(new FakeTaskPlugin("x", "1", false), reference(Map.of(Constants.SERVICE_ID, 2L)));
        registry.added(new FakeTaskPlugin("x", "1", false), reference(Map.of(Task.NAME, "copy",
                Constants.SERVICE_ID, 3L, Constants.SERVICE_RANKING, 4)));
        assertEquals(java.util.Set.of("copy"), registry.names());
        assertEquals(4, registry.best("copy").orElseThrow().ranking());
    }

    @Test
    void anUnknownNameFailsAtOnceWithTheInstalledNamesAndTheClosestOne() {
        registry.add(new FakeTaskPlugin("file", "1", true).binding());
        registry.add(new FakeTaskPlugin("template", "1", true).binding());
        // never seen: no wait, although the registry would wait 30 s for a name that went away
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> registry.parameters("fiel", Map.of(), "site.yaml:4: steps[0]"));
        assertEquals("site.yaml:4: steps[0]: no task named \"fiel\"; did you mean \"file\"? (installed: file,"
                + " template); install its bundle (drop the jar into deploy/) or see conduit:tasks", e.getMessage());
        IllegalArgumentException none = assertThrows(IllegalArgumentException.class,
                () -> registry.task("package", Map.of()));
        assertTrue(none.getMessage().startsWith("no task named \"package\" (installed: file, template)"),
                none.getMessage());
    }

    @Test
    void aHostThatStartsDuringAnUpgradeWaitsForTheNewVersion() throws Exception {
        FakeTaskPlugin v1 = new FakeTaskPlugin("slow", "1.0.0", false, MS);
        registry.add(v1.binding());
        Task task = registry.task("slow", registry.parameters("slow", Map.of("ms", "5"), ""));
        registry.remove(v1.serviceId); // the old version stopped, the new one not yet started
        CompletableFuture<HostResult> host = CompletableFuture.supplyAsync(() -> run(task, "web2"));
        FakeTaskPlugin v2 = new FakeTaskPlugin("slow", "2.0.0", false, MS);
        registry.add(v2.binding());
        HostResult result = host.get(20, TimeUnit.SECONDS);
        assertEquals(Status.OK, result.status(), result.toString());
        assertEquals("2.0.0 {ms=5}", result.stdoutText());
        // the new version made its own task for the run, from the same values
        assertEquals(1, v2.creates.get());
        assertEquals(Map.of("ms", 5L), v2.created.get(0));
    }

    @Test
    void aNameThatWentAwayFailsTheHostByNameOnceTheWaitIsOver() {
        TaskRegistry quick = new TaskRegistry(Duration.ZERO, Duration.ofSeconds(5));
        FakeTaskPlugin v1 = new FakeTaskPlugin("slow", "1.0.0", false);
        quick.add(v1.binding());
        quick.add(new FakeTaskPlugin("ping", "1.0.0", true).binding());
        Task task = quick.task("slow", Map.of());
        quick.remove(v1.serviceId);
        HostResult result = run(task, "web3");
        assertEquals(Status.FAILED, result.status());
        assertEquals("no task named \"slow\" (it went away and did not come back within 0 s) (installed: ping);"
                + " install its bundle (drop the jar into deploy/) or see conduit:tasks", result.error());
        assertEquals(0, v1.executions.get());
    }

    @Test
    void theRemovalOfAServiceWaitsForTheHostsRunningItSoNoResultIsLost() throws Exception {
        FakeTaskPlugin v1 = new FakeTaskPlugin("slow", "1.0.0", false);
        CountDownLatch inside = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        v1.hook = host -> {
            inside.countDown();
            release.await(30, TimeUnit.SECONDS);
        };
        registry.add(v1.binding());
        Task task = registry.task("slow", Map.of());
        CompletableFuture<HostResult> host = CompletableFuture.supplyAsync(() -> run(task, "web4"));
        assertTrue(inside.await(10, TimeUnit.SECONDS));
        assertEquals(1, registry.inFlight(v1.serviceId));
        CompletableFuture<Void> removal = CompletableFuture.runAsync(() -> registry.remove(v1.serviceId));
        // the binding leaves at once (new hosts no longer start on it)...
        await(() -> registry.best("slow").isEmpty());
        // ...but the unbind, and with it the bundle's stop, waits for the host still running the old code
        assertFalse(removal.isDone(), "unbind returned while a host still ran the old service");
        assertFalse(host.isDone());
        release.countDown();
        removal.get(10, TimeUnit.SECONDS);
        HostResult result = host.get(10, TimeUnit.SECONDS);
        assertEquals(Status.OK, result.status(), result.toString());
        assertEquals("1.0.0 {}", result.stdoutText());
        assertEquals(0, registry.inFlight(v1.serviceId));
    }

    @Test
    void theRemovalGivesUpAfterTheDrainGraceAndTheHostStillGetsItsResult() throws Exception {
        TaskRegistry impatient = new TaskRegistry(Duration.ZERO, Duration.ZERO);
        FakeTaskPlugin v1 = new FakeTaskPlugin("slow", "1.0.0", false);
        CountDownLatch inside = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        v1.hook = host -> {
            inside.countDown();
            release.await(30, TimeUnit.SECONDS);
        };
        impatient.add(v1.binding());
        Task task = impatient.task("slow", Map.of());
        CompletableFuture<HostResult> host = CompletableFuture.supplyAsync(() -> run(task, "web5"));
        assertTrue(inside.await(10, TimeUnit.SECONDS));
        impatient.remove(v1.serviceId); // returns although the host holds its lease: the grace is 0
        release.countDown();
        assertEquals(Status.OK, host.get(10, TimeUnit.SECONDS).status());
    }

    @Test
    void parametersAreConvertedAndDefaultsFilledInDeclaredOrder() {
        registry.add(new FakeTaskPlugin("file", "1", true, PATH, MODE, MS, TIMEOUT, TOKEN).binding());
        Map<String, Object> given = new LinkedHashMap<>();
        given.put("ms", "250");
        given.put("path", "/etc/motd");
        given.put("token", "42");
        Map<String, Object> values = registry.parameters("file", given, "");
        assertEquals(List.of("path", "mode", "ms", "timeout", "token"), List.copyOf(values.keySet()));
        assertEquals("/etc/motd", values.get("path"));
        assertEquals("0644", values.get("mode"));
        assertEquals(250L, values.get("ms"));
        assertEquals(Duration.ofSeconds(30), values.get("timeout"));
        assertEquals(42L, values.get("token"));
    }

    @Test
    void anUnknownParameterIsRefusedWithTheClosestOneAndTheParametersItTakes() {
        registry.add(new FakeTaskPlugin("file", "1", true, PATH, MODE).binding());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> registry.parameters("file", Map.of("path", "/x", "modee", "0600"), "site.yaml:12: steps[2]"));
        assertEquals("site.yaml:12: steps[2]: file has no parameter \"modee\"; did you mean \"mode\"? (its parameters:"
                + " path, mode)", e.getMessage());
    }

    /**
     * Ansible's "unsupported parameter for module: user" did not say which module of the task it meant
     * (ansible/ansible#7821), and named only the first of several (fixed by ansible/ansible#19537, which added the
     * supported ones): every unknown key is told, each with the task's name and the parameters it takes.
     */
    @Test
    void eachUnknownParameterIsToldWithTheTasksNameAndItsParameters() {
        registry.add(new FakeTaskPlugin("template", "1", true, PATH, MODE,
                OptionDescriptor.of("owner", OptionType.STRING, null, "who owns the file")).binding());
        Map<String, Object> given = new LinkedHashMap<>();
        given.put("path", "/etc/logrotate.d/ns");
        given.put("user", "root");
        given.put("mdoe", "0600");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> registry.parameters("template", given, "site.yaml:7: steps[1]"));
        assertEquals(List.of(
                "site.yaml:7: steps[1]: template has no parameter \"user\" (its parameters: path, mode, owner)",
                "site.yaml:7: steps[1]: template has no parameter \"mdoe\"; did you mean \"mode\"? (its parameters:"
                        + " path, mode, owner)"), e.getMessage().lines().toList());
    }

    @Test
    void everyProblemIsToldAtOnceAndASecretValueIsNeverQuoted() {
        registry.add(new FakeTaskPlugin("file", "1", true, PATH, MS, TOKEN).binding());
        Map<String, Object> given = new LinkedHashMap<>();
        given.put("ms", "soon");
        given.put("token", "hunter2");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> registry.parameters("file", given, ""));
        List<String> lines = e.getMessage().lines().toList();
        assertEquals(List.of(
                "file: ms: \"soon\" is not a whole number; see conduit:tasks file",
                "file: token: the value given is not a valid integer (a secret: not shown); see conduit:tasks file",
                "file needs the parameter \"path\" (path: the file on the host)"), lines);
        assertFalse(e.getMessage().contains("hunter2"));
    }

    @Test
    void aSecretParameterArrivesAsASecret() {
        registry.add(new FakeTaskPlugin("login", "1", true, OptionDescriptor.secret("password", "the password"))
                .binding());
        Object value = registry.parameters("login", Map.of("password", "hunter2"), "").get("password");
        assertTrue(value instanceof Secret s && s.reveal().equals("hunter2"));
        assertFalse(value.toString().contains("hunter2"));
    }

    @Test
    void valuesThePluginRefusesFailTheCommandBeforeAnyHostStarts() {
        FakeTaskPlugin file = new FakeTaskPlugin("file", "1", true, MODE);
        registry.add(file.binding());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> registry.task("file", registry.parameters("file", Map.of("mode", "refuse"), "")));
        assertEquals("file: mode \"refuse\" goes with nothing; drop it", e.getMessage());
        assertEquals(0, file.executions.get());
    }

    @Test
    void inCheckModeATaskThatCannotTellIsSkippedAndNotRun() throws Exception {
        FakeTaskPlugin shell = new FakeTaskPlugin("shell", "1", false);
        FakeTaskPlugin file = new FakeTaskPlugin("file", "1", true);
        registry.add(shell.binding());
        registry.add(file.binding());
        RunOptions check = RUN.withCheck(true, null);
        HostResult skipped = registry.task("shell", Map.of()).execute(FakeTaskPlugin.context("web6", check));
        assertEquals(Status.SKIPPED, skipped.status());
        assertEquals("check mode: task shell cannot tell what it would change; it was not run",
                skipped.error());
        assertEquals(0, shell.executions.get());
        HostResult checked = registry.task("file", Map.of()).execute(FakeTaskPlugin.context("web6", check));
        assertEquals(Status.OK, checked.status());
        assertEquals(1, file.executions.get());
    }

    @Test
    void oneRunCreatesThePluginsTaskOnceForAllItsHosts() {
        FakeTaskPlugin file = new FakeTaskPlugin("file", "1", true);
        registry.add(file.binding());
        Task task = registry.task("file", Map.of());
        for (int i = 0; i < 5; i++) {
            assertEquals(Status.OK, run(task, "h" + i).status());
        }
        assertEquals(1, file.creates.get());
        assertEquals(5, file.executions.get());
        assertEquals("file: []", task.describe());
    }

    private static HostResult run(Task task, String host) {
        try {
            return task.execute(FakeTaskPlugin.context(host, RUN));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Polls a condition nothing signals, with a deadline. */
    private static void await(java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "condition not met within 10 s");
            TimeUnit.MILLISECONDS.sleep(10);
        }
    }

    @SuppressWarnings("unchecked")
    private static ServiceReference<TaskPlugin> reference(Map<String, Object> properties) {
        return (ServiceReference<TaskPlugin>) Proxy.newProxyInstance(TaskRegistryTest.class.getClassLoader(),
                new Class<?>[] {ServiceReference.class}, (proxy, method, args) -> switch (method.getName()) {
                    case "getProperty" -> properties.get((String) args[0]);
                    case "getBundle" -> null;
                    case "hashCode" -> System.identityHashCode(proxy);
                    case "equals" -> proxy == args[0];
                    default -> null;
                });
    }
}
