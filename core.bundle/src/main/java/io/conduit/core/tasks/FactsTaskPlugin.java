package io.conduit.core.tasks;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.osgi.service.component.annotations.Component;

import com.google.gson.GsonBuilder;

import io.conduit.api.connection.ConnectionException;
import io.conduit.api.connection.ExecResult;
import io.conduit.api.connection.OptionDescriptor;
import io.conduit.api.task.HostResult;
import io.conduit.api.task.Status;
import io.conduit.api.task.Task;
import io.conduit.api.task.TaskContext;
import io.conduit.api.task.TaskName;
import io.conduit.api.task.TaskPlugin;

/**
 * {@code facts}: gathers what a runbook usually branches on, with one POSIX sh script per host (one command:
 * {@code uname}, {@code /etc/os-release}, {@code hostname}, {@code nproc} or {@code getconf}, {@code /proc/meminfo};
 * {@code sysctl} and {@code sw_vers} on macOS and the BSDs). Its standard output is one JSON object with Ansible's
 * fact names without the {@code ansible_} prefix:
 * <ul>
 * <li>{@code os_family}: Ansible's family for the distribution ({@code Debian}, {@code RedHat}, {@code Suse},
 * {@code Alpine}, {@code Archlinux}, {@code Gentoo}, {@code Darwin}, {@code FreeBSD}, ...), from os-release's
 * {@code ID}, then {@code ID_LIKE}, else the distribution itself (as Ansible falls back);</li>
 * <li>{@code distribution}: Ansible's name ({@code Debian}, {@code Ubuntu}, {@code RedHat}, {@code CentOS},
 * {@code Rocky}, {@code Alpine}, {@code MacOSX}, ...), else os-release's {@code NAME};</li>
 * <li>{@code distribution_version}: os-release's {@code VERSION_ID} ({@code 12}, {@code 22.04}), macOS's product
 * version;</li>
 * <li>{@code kernel} ({@code uname -r}), {@code architecture} ({@code uname -m});</li>
 * <li>{@code hostname}: the host's name up to the first dot, as Ansible's {@code ansible_hostname};</li>
 * <li>{@code processor_count}: the logical processors online ({@code nproc}). Note that Ansible's
 * {@code ansible_processor_count} counts sockets; this is its {@code ansible_processor_vcpus};</li>
 * <li>{@code memtotal_mb}: the memory in MiB ({@code MemTotal} of {@code /proc/meminfo}).</li>
 * </ul>
 * A value the host does not give is {@code null}, never a failure. The task reads only, so it runs in check mode;
 * keeping the facts for the rest of a run is the runbook's ({@link TaskPlugin#gathersFacts()}).
 */
@Component(service = TaskPlugin.class)
@TaskName("facts")
public final class FactsTaskPlugin implements TaskPlugin {
    static final String TASK = "facts";

    /** The one script: {@code key=value} lines, parsed here, so that no value needs escaping in sh. */
    static final String SCRIPT = """
            LC_ALL=C; export LC_ALL
            s=$(uname -s 2>/dev/null); echo "system=$s"
            echo "kernel=$(uname -r 2>/dev/null)"
            echo "machine=$(uname -m 2>/dev/null)"
            echo "hostname=$(hostname 2>/dev/null || uname -n 2>/dev/null)"
            f=
            for c in /etc/os-release /usr/lib/os-release; do if [ -r "$c" ]; then f=$c; break; fi; done
            if [ -n "$f" ]; then
              sed -n -e 's/^ID=/os_id=/p' -e 's/^ID_LIKE=/os_id_like=/p' -e 's/^NAME=/os_name=/p' \\
                -e 's/^VERSION_ID=/os_version=/p' "$f"
            fi
            echo "cpus=$(nproc 2>/dev/null || getconf _NPROCESSORS_ONLN 2>/dev/null || sysctl -n hw.ncpu 2>/dev/null)"
            if [ -r /proc/meminfo ]; then
              sed -n 's/^MemTotal:[[:space:]]*\\([0-9][0-9]*\\) kB.*/memkb=\\1/p' /proc/meminfo
            else
              echo "membytes=$(sysctl -n hw.memsize 2>/dev/null || sysctl -n hw.physmem 2>/dev/null)"
            fi
            if [ "$s" = Darwin ]; then echo "mac_version=$(sw_vers -productVersion 2>/dev/null)"; fi
            exit 0
            """;

    /** Ansible's OS family of a distribution's os-release ID (its {@code OS_FAMILY_MAP}, for the common ones). */
    private static final Map<String, String> FAMILY = Map.ofEntries(
            Map.entry("debian", "Debian"), Map.entry("ubuntu", "Debian"), Map.entry("raspbian", "Debian"),
            Map.entry("linuxmint", "Debian"), Map.entry("pop", "Debian"), Map.entry("kali", "Debian"),
            Map.entry("devuan", "Debian"), Map.entry("elementary", "Debian"),
            Map.entry("rhel", "RedHat"), Map.entry("centos", "RedHat"), Map.entry("fedora", "RedHat"),
            Map.entry("rocky", "RedHat"), Map.entry("almalinux", "RedHat"), Map.entry("ol", "RedHat"),
            Map.entry("amzn", "RedHat"), Map.entry("scientific", "RedHat"), Map.entry("cloudlinux", "RedHat"),
            Map.entry("sles", "Suse"), Map.entry("sled", "Suse"), Map.entry("opensuse", "Suse"),
            Map.entry("opensuse-leap", "Suse"), Map.entry("opensuse-tumbleweed", "Suse"), Map.entry("suse", "Suse"),
            Map.entry("alpine", "Alpine"), Map.entry("arch", "Archlinux"), Map.entry("manjaro", "Archlinux"),
            Map.entry("endeavouros", "Archlinux"), Map.entry("gentoo", "Gentoo"));

    /** Ansible's distribution name of an os-release ID, where it is not os-release's NAME. */
    private static final Map<String, String> DISTRIBUTION = Map.ofEntries(
            Map.entry("debian", "Debian"), Map.entry("ubuntu", "Ubuntu"), Map.entry("rhel", "RedHat"),
            Map.entry("centos", "CentOS"), Map.entry("fedora", "Fedora"), Map.entry("rocky", "Rocky"),
            Map.entry("almalinux", "AlmaLinux"), Map.entry("ol", "OracleLinux"), Map.entry("amzn", "Amazon"),
            Map.entry("alpine", "Alpine"), Map.entry("arch", "Archlinux"), Map.entry("sles", "SLES"),
            Map.entry("opensuse-leap", "openSUSE Leap"), Map.entry("opensuse-tumbleweed", "openSUSE Tumbleweed"),
            Map.entry("linuxmint", "Linux Mint"), Map.entry("gentoo", "Gentoo"), Map.entry("kali", "Kali"));

    /** The family of a system that has no os-release, by {@code uname -s}. */
    private static final Map<String, String> SYSTEM_FAMILY = Map.of("Darwin", "Darwin", "FreeBSD", "FreeBSD",
            "OpenBSD", "OpenBSD", "NetBSD", "NetBSD", "SunOS", "Solaris", "AIX", "AIX");

    @Override
    public String description() {
        return "Gathers OS family, distribution and version, kernel, architecture, hostname, CPUs and memory.";
    }

    @Override
    public List<OptionDescriptor> parameters() {
        return List.of();
    }

    @Override
    public boolean supportsCheckMode() {
        return true;
    }

    @Override
    public boolean gathersFacts() {
        return true;
    }

    @Override
    public Task create(Map<String, Object> parameters) {
        return new FactsTask();
    }

    /**
     * Turns the script's {@code key=value} lines into the facts.
     *
     * @param output the script's standard output
     * @return the facts by name, in the documented order; missing values {@code null}
     */
    static Map<String, Object> facts(String output) {
        Map<String, String> raw = new LinkedHashMap<>();
        for (String line : output.split("\n")) {
            int eq = line.indexOf('=');
            if (eq > 0) {
                // os-release may say a key twice; its first is what the sed above printed first
                raw.putIfAbsent(line.substring(0, eq), unquote(line.substring(eq + 1).strip()));
            }
        }
        String system = blank(raw.get("system"));
        String id = lower(blank(raw.get("os_id")));
        String distribution = id != null ? DISTRIBUTION.getOrDefault(id, blank(raw.get("os_name")))
                : "Darwin".equals(system) ? "MacOSX" : system;
        String family = id != null ? FAMILY.get(id) : null;
        if (family == null && raw.get("os_id_like") != null) {
            for (String like : raw.get("os_id_like").toLowerCase(Locale.ROOT).split("\\s+")) {
                family = FAMILY.get(like);
                if (family != null) {
                    break;
                }
            }
        }
        if (family == null && id == null && system != null) {
            family = SYSTEM_FAMILY.get(system);
        }
        if (family == null) {
            family = distribution;
        }
        String host = blank(raw.get("hostname"));
        Map<String, Object> facts = new LinkedHashMap<>();
        facts.put("os_family", family);
        facts.put("distribution", distribution);
        facts.put("distribution_version", id != null ? blank(raw.get("os_version")) : blank(raw.get("mac_version")));
        facts.put("kernel", blank(raw.get("kernel")));
        facts.put("architecture", blank(raw.get("machine")));
        facts.put("hostname", host == null ? null : host.split("\\.", 2)[0]);
        facts.put("processor_count", number(raw.get("cpus"), 1));
        Long kb = number(raw.get("memkb"), 1);
        Long bytes = number(raw.get("membytes"), 1);
        facts.put("memtotal_mb", kb != null ? Long.valueOf(kb / 1024) : bytes != null ? Long.valueOf(bytes >> 20)
                : null);
        return facts;
    }

    private static String unquote(String v) {
        if (v.length() >= 2 && (v.startsWith("\"") && v.endsWith("\"") || v.startsWith("'") && v.endsWith("'"))) {
            // os-release's shell-like quoting: \ before " \ $ ` keeps that character
            return v.substring(1, v.length() - 1).replaceAll("\\\\([\"\\\\$`])", "$1");
        }
        return v;
    }

    private static String blank(String v) {
        return v == null || v.isBlank() ? null : v;
    }

    private static String lower(String v) {
        return v == null ? null : v.toLowerCase(Locale.ROOT);
    }

    private static Long number(String v, long min) {
        try {
            long n = Long.parseLong(v == null ? "" : v.strip());
            return n >= min ? n : null;
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /** The facts of one host. */
    record FactsTask() implements Task {
        @Override
        public HostResult execute(TaskContext context) throws IOException {
            String host = context.host().name();
            ExecResult r = context.connection().exec(HostCommands.command(context, SCRIPT));
            if (r.exitCode() != 0) {
                // the script ends with exit 0: only a shell that could not run it gets here
                throw new ConnectionException(host + ": facts: the script did not run: " + HostCommands.said(r));
            }
            String json = new GsonBuilder().serializeNulls().create().toJson(facts(r.stdoutText()));
            return HostResult.text(host, Status.OK, json + "\n");
        }

        @Override
        public String describe() {
            return TASK;
        }
    }
}
