package io.conduit.docker.transfer;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.api.model.Mount;
import com.github.dockerjava.api.model.MountType;

/**
 * Which paths of a container the Engine API's archive endpoints ({@code GET/PUT /containers/ID/archive}, what
 * {@code docker cp} uses) cannot see. The daemon serves them from the container's root file system with its
 * volumes and bind mounts laid over it, but not from mounts that exist only inside the running container: a file
 * under a tmpfs mount is "not found" to a fetch while {@code ls} shows it, and a put lands in the root file system
 * underneath the mount, hidden from the container.
 *
 * <p>The rule, decided once per connection from the container's inspection: a path is hidden when the deepest
 * mount point above it (or equal to it) is
 * <ul>
 * <li>a tmpfs mount: {@code HostConfig.Tmpfs} ({@code --tmpfs}) or a {@code HostConfig.Mounts} entry of type
 * {@code tmpfs} ({@code --mount type=tmpfs});</li>
 * <li>one of the runtime's own mounts, {@code /dev} (with {@code /dev/shm}), {@code /proc} and {@code /sys}.</li>
 * </ul>
 * A volume or bind mount ({@code Mounts}) deeper than such a mount makes its paths visible again. Mounts made from
 * inside the container after it started (a privileged container's own {@code mount}) are not in the inspection
 * and are not known here.
 */
final class ArchiveView {
    /** Mount points every container gets from the runtime, never served by the archive API. */
    static final List<String> RUNTIME_MOUNTS = List.of("/dev", "/proc", "/sys");

    /** Mount point to whether the archive API sees it. */
    private final TreeMap<String, Boolean> mounts;

    ArchiveView(Map<String, Boolean> mounts) {
        this.mounts = new TreeMap<>(mounts);
    }

    /**
     * @param info the container's inspection
     * @return its view
     */
    static ArchiveView of(InspectContainerResponse info) {
        Map<String, Boolean> mounts = new TreeMap<>();
        for (String m : RUNTIME_MOUNTS) {
            mounts.put(m, false);
        }
        List<String> tmpfs = new ArrayList<>();
        HostConfig host = info.getHostConfig();
        if (host != null) {
            if (host.getTmpFs() != null) {
                tmpfs.addAll(host.getTmpFs().keySet());
            }
            if (host.getMounts() != null) {
                for (Mount m : host.getMounts()) {
                    if (m.getType() == MountType.TMPFS && m.getTarget() != null) {
                        tmpfs.add(m.getTarget());
                    }
                }
            }
        }
        if (info.getMounts() != null) {
            for (InspectContainerResponse.Mount m : info.getMounts()) {
                if (m.getDestination() != null && m.getDestination().getPath() != null) {
                    mounts.put(normalize(m.getDestination().getPath()), true);
                }
            }
        }
        // the inspection's Mounts lists --mount type=tmpfs too: the host configuration says it is a tmpfs
        for (String t : tmpfs) {
            mounts.put(normalize(t), false);
        }
        return new ArchiveView(mounts);
    }

    /**
     * @param path an absolute path in the container
     * @return the mount point that hides {@code path} from the archive API, or {@code null} when the archive API
     *         sees it
     */
    String hiddenBy(String path) {
        String p = normalize(path);
        for (Map.Entry<String, Boolean> e = mounts.floorEntry(p); e != null; e = mounts.lowerEntry(e.getKey())) {
            String m = e.getKey();
            if (p.equals(m) || p.startsWith(m.equals("/") ? "/" : m + "/")) {
                return e.getValue() ? null : m;
            }
        }
        return null;
    }

    /** @return the mount points the archive API does not see, sorted */
    List<String> hidden() {
        List<String> out = new ArrayList<>();
        mounts.forEach((m, visible) -> {
            if (!visible) {
                out.add(m);
            }
        });
        return Collections.unmodifiableList(out);
    }

    private static String normalize(String path) {
        String p = path.replaceAll("/+", "/");
        return p.length() > 1 && p.endsWith("/") ? p.substring(0, p.length() - 1) : p;
    }
}
