package io.conduit.core.tasks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.google.gson.Gson;

import io.conduit.api.task.HostResult;
import io.conduit.api.task.Status;

/** The {@code facts} task: on this machine (compared with what its own commands say), and parsing other systems. */
class FactsTaskTest {
    @TempDir
    Path dir;

    private static final List<String> KEYS = List.of("os_family", "distribution", "distribution_version", "kernel",
            "architecture", "hostname", "processor_count", "memtotal_mb");

    @Test
    void thisMachinesFactsAreWhatItsOwnCommandsSay() throws Exception {
        HostResult r;
        try (LocalRun run = new LocalRun(dir, "{}")) {
            r = run.one(new FactsTaskPlugin().create(Map.of()), true, false);
        }
        assertEquals(Status.OK, r.status(), r::toString);
        @SuppressWarnings("unchecked")
        Map<String, Object> facts = new Gson().fromJson(r.stdoutText(), Map.class);
        assertEquals(KEYS, List.copyOf(facts.keySet()));
        assertEquals(sh("hostname").split("\\.")[0], facts.get("hostname"));
        assertEquals(sh("uname -r"), facts.get("kernel"));
        assertEquals(sh("uname -m"), facts.get("architecture"));
        assertEquals(Double.parseDouble(sh("nproc")), facts.get("processor_count"));
        assertTrue(((Double) facts.get("memtotal_mb")) > 0, facts::toString);
        String id = sh("sed -n 's/^ID=//p' /etc/os-release | tr -d '\"'");
        if (id.equals("debian")) {
            assertEquals("Debian", facts.get("os_family"));
            assertEquals("Debian", facts.get("distribution"));
        }
        assertNotNull(facts.get("distribution_version"));
    }

    private static String sh(String line) throws Exception {
        Process p = new ProcessBuilder("sh", "-c", line).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes()).strip();
        assertTrue(p.waitFor(10, TimeUnit.SECONDS));
        return out;
    }

    /**
     * The script itself against an os-release with only NAME and ID (Wolfi's, as a minimal container image has
     * it): the distribution is os-release's NAME and the family falls back to it. It read "TASK=" before (a rename
     * that reached into the script's text), so both came out null.
     */
    @Test
    void theScriptReadsOsReleaseNameForADistributionItDoesNotKnow() throws Exception {
        Map<String, Object> f = scriptFacts("ID=wolfi\nNAME=\"Wolfi\"\nPRETTY_NAME=\"Wolfi\"\n"
                + "HOME_URL=\"https://wolfi.dev\"\n");
        assertEquals("Wolfi", f.get("distribution"), f::toString);
        assertEquals("Wolfi", f.get("os_family"), f::toString);
    }

    /**
     * ansible/ansible#45047: on Devuan the family came out as its NAME ("Devuan GNU/Linux") instead of Debian, so
     * a playbook's Debian branch missed it; and ansible/ansible#8732: Arch Linux's family and distribution came out
     * "NA". Here both through the script, from their os-release files.
     */
    @Test
    void devuanIsOfTheDebianFamilyAndArchIsArchlinux() throws Exception {
        Map<String, Object> devuan = scriptFacts("PRETTY_NAME=\"Devuan GNU/Linux 5 (daedalus)\"\n"
                + "NAME=\"Devuan GNU/Linux\"\nVERSION_ID=\"5\"\nID=devuan\nID_LIKE=debian\n");
        assertEquals("Debian", devuan.get("os_family"), devuan::toString);
        assertEquals("Devuan GNU/Linux", devuan.get("distribution"), devuan::toString);
        assertEquals("5", devuan.get("distribution_version"));
        Map<String, Object> arch = scriptFacts("NAME=\"Arch Linux\"\nPRETTY_NAME=\"Arch Linux\"\nID=arch\n"
                + "BUILD_ID=rolling\n");
        assertEquals("Archlinux", arch.get("os_family"), arch::toString);
        assertEquals("Archlinux", arch.get("distribution"), arch::toString);
    }

    /** The facts the real script gives on this machine with {@code osRelease} as its os-release file. */
    private Map<String, Object> scriptFacts(String osRelease) throws Exception {
        Path file = java.nio.file.Files.writeString(dir.resolve("os-release"), osRelease);
        String script = FactsTaskPlugin.SCRIPT.replace("/etc/os-release /usr/lib/os-release",
                io.conduit.api.support.ShellCommand.quotePath(file.toString()));
        assertTrue(!script.equals(FactsTaskPlugin.SCRIPT), "the test found the script's os-release paths");
        Process p = new ProcessBuilder("/bin/sh", "-c", script).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        return FactsTaskPlugin.facts(out);
    }

    @Test
    void aRedHatLikeDistributionIsFoundThroughIdLike() {
        Map<String, Object> f = FactsTaskPlugin.facts("""
                system=Linux
                kernel=5.14.0-362.el9.x86_64
                machine=x86_64
                hostname=db1.example.com
                os_name="Some Enterprise Linux"
                os_id="someel"
                os_id_like="rhel centos fedora"
                os_version="9.3"
                cpus=4
                memkb=8029876
                """);
        assertEquals("RedHat", f.get("os_family"));
        assertEquals("Some Enterprise Linux", f.get("distribution"));
        assertEquals("9.3", f.get("distribution_version"));
        assertEquals("db1", f.get("hostname"));
        assertEquals(4L, f.get("processor_count"));
        assertEquals(7841L, f.get("memtotal_mb"));
    }

    @Test
    void alpineAndUbuntuGetAnsiblesNames() {
        assertEquals("Alpine", FactsTaskPlugin.facts("os_id=alpine\nos_name=\"Alpine Linux\"\n").get("os_family"));
        Map<String, Object> u = FactsTaskPlugin.facts("os_id=ubuntu\nos_name=\"Ubuntu\"\nos_version=\"22.04\"\n");
        assertEquals("Debian", u.get("os_family"));
        assertEquals("Ubuntu", u.get("distribution"));
        assertEquals("22.04", u.get("distribution_version"));
    }

    @Test
    void macOsWithoutOsReleaseIsDarwin() {
        Map<String, Object> f = FactsTaskPlugin.facts("system=Darwin\nkernel=23.1.0\nmachine=arm64\nhostname=mac\n"
                + "cpus=8\nmembytes=17179869184\nmac_version=14.1\n");
        assertEquals("Darwin", f.get("os_family"));
        assertEquals("MacOSX", f.get("distribution"));
        assertEquals("14.1", f.get("distribution_version"));
        assertEquals(16384L, f.get("memtotal_mb"));
    }

    /**
     * ansible/ansible#7885: on Funtoo an existing but empty {@code /etc/os-release} crashed fact gathering for the
     * whole host. Here a host whose os-release says nothing, and that has no {@code hostname} command either, gets
     * nulls for what it does not say, and the host succeeds.
     */
    @Test
    void whatAHostDoesNotSayIsNullNeverAFailure() {
        Map<String, Object> f = FactsTaskPlugin.facts("system=Linux\nkernel=\nmachine=x86_64\nhostname=\ncpus=\n");
        assertEquals(KEYS, List.copyOf(f.keySet()));
        assertNull(f.get("kernel"));
        assertNull(f.get("hostname"));
        assertNull(f.get("processor_count"));
        assertNull(f.get("memtotal_mb"));
        assertNull(f.get("distribution_version"));
        assertEquals("Linux", f.get("os_family"));
    }

    /**
     * ansible/ansible#15096: CoreOS (unquoted {@code NAME=CoreOS}, an ID no table knows) got no distribution. Here
     * an unknown ID falls back to os-release's own NAME and VERSION_ID, quoted or not.
     */
    @Test
    void anUnknownDistributionIsNamedAsItsOsReleaseNamesIt() {
        Map<String, Object> f = FactsTaskPlugin.facts("system=Linux\nos_name=CoreOS\nos_id=coreos\n"
                + "os_version=983.0.0\n");
        assertEquals("CoreOS", f.get("distribution"));
        assertEquals("983.0.0", f.get("distribution_version"));
        assertEquals("CoreOS", f.get("os_family"));
    }

    @Test
    void quotesAndEscapesOfOsReleaseAreRead() {
        Map<String, Object> f = FactsTaskPlugin.facts("os_id=x\nos_name=\"My \\\"Quoted\\\" OS\"\n");
        assertEquals("My \"Quoted\" OS", f.get("distribution"));
    }
}
