package io.conduit.docker.transfer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.api.model.Mount;
import com.github.dockerjava.api.model.MountType;
import com.github.dockerjava.api.model.Volume;

/** The rule that sends a path through an exec: the deepest mount point above it decides. */
class ArchiveViewTest {
    @Test
    void theDeepestMountAboveThePathDecides() throws Exception {
        InspectContainerResponse info = new com.fasterxml.jackson.databind.ObjectMapper().readValue("{}",
                InspectContainerResponse.class);
        HostConfig host = new HostConfig().withTmpFs(Map.of("/run", "size=64k"))
                .withMounts(List.of(new Mount().withType(MountType.TMPFS).withTarget("/mnt/t/")));
        java.lang.reflect.Field hostConfig = InspectContainerResponse.class.getDeclaredField("hostConfig");
        hostConfig.setAccessible(true);
        hostConfig.set(info, host);
        java.lang.reflect.Field mounts = InspectContainerResponse.class.getDeclaredField("mounts");
        mounts.setAccessible(true);
        // the inspection lists the tmpfs of --mount among its Mounts too, beside the volume under /run
        mounts.set(info, List.of(new InspectContainerResponse.Mount().withDestination(new Volume("/run/data")),
                new InspectContainerResponse.Mount().withDestination(new Volume("/mnt/t"))));
        ArchiveView view = ArchiveView.of(info);

        assertEquals("/run", view.hiddenBy("/run/x/file"));
        assertEquals("/run", view.hiddenBy("/run"));
        assertNull(view.hiddenBy("/run/data/file"), "a volume deeper than the tmpfs is seen by the archive API");
        assertEquals("/mnt/t", view.hiddenBy("/mnt/t//f"));
        assertEquals("/dev", view.hiddenBy("/dev/shm/f"));
        assertEquals("/proc", view.hiddenBy("/proc/cpuinfo"));
        assertNull(view.hiddenBy("/devices/f"));
        assertNull(view.hiddenBy("/runner/f"));
        assertNull(view.hiddenBy("/tmp/f"));
        assertNull(view.hiddenBy("/"));
        assertEquals(List.of("/dev", "/mnt/t", "/proc", "/run", "/sys"), view.hidden());
    }
}
