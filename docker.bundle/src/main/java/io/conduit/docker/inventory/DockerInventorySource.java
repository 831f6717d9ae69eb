package io.conduit.docker.inventory;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.github.dockerjava.api.command.ListContainersCmd;
import com.github.dockerjava.api.model.Container;

import io.conduit.api.inventory.Attributes;
import io.conduit.api.inventory.ConnectionOptions;
import io.conduit.api.inventory.Group;
import io.conduit.api.inventory.Host;
import io.conduit.api.inventory.Inventory;
import io.conduit.api.inventory.InventoryException;
import io.conduit.api.inventory.InventorySource;
import io.conduit.api.inventory.InventorySourceName;
import io.conduit.api.support.Configured;
import io.conduit.docker.client.DockerClients;
import io.conduit.docker.client.DockerConfig;
import io.conduit.docker.client.DockerDefaults;
import io.conduit.docker.client.DockerEndpoint;

/**
 * The {@code docker} inventory source: the running containers of a daemon as hosts ({@code -i docker:} or
 * {@code -i docker:label=env=prod,name=web*}). Each host is named after its container, connects with the
 * {@code docker} plugin, belongs to the groups its {@value #GROUPS_LABEL} label lists (comma separated), and carries
 * its other labels as data, plus {@code docker_id} and {@code docker_image}.
 */
@Component(service = InventorySource.class, configurationPid = DockerDefaults.PID)
@InventorySourceName(DockerInventorySource.NAME)
public final class DockerInventorySource implements InventorySource {
    /** The source's name. */
    public static final String NAME = "docker";
    /** Label listing a container's groups, comma separated. */
    public static final String GROUPS_LABEL = "conduit.groups";

    private static final Logger LOG = LoggerFactory.getLogger(DockerInventorySource.class);

    private final DockerClients clients;
    /** The clients this instance made itself (tests) and closes on deactivation, or {@code null}. */
    private final DockerClients owned;
    private volatile Configured<DockerDefaults> defaults;

    /**
     * Activates with the plugin's defaults (same PID), even invalid ones: {@link #load} then refuses with the
     * problem, which the docker plugin logs.
     *
     * @param config the configuration
     * @param properties the same configuration as ConfigAdmin gave it, to check the values' types
     * @param clients the bundle's docker-java clients, shared with the docker plugin
     */
    @Activate
    public DockerInventorySource(DockerConfig config, Map<String, Object> properties,
            @Reference(name = "clients") DockerClients clients) {
        this.defaults = DockerDefaults.configure(config, properties, System.getenv());
        this.clients = clients;
        this.owned = null;
    }

    /**
     * Makes a source with given defaults and clients of its own, which {@link #deactivate} closes (tests).
     *
     * @param defaults the defaults
     */
    public DockerInventorySource(DockerDefaults defaults) {
        this.defaults = Configured.of(defaults);
        this.clients = new DockerClients();
        this.owned = clients;
    }

    @Modified
    void modified(DockerConfig config, Map<String, Object> properties) {
        defaults = DockerDefaults.configure(config, properties, System.getenv());
    }

    /** Closes the clients it made itself; the shared ones close with their own component. */
    @Deactivate
    public void deactivate() {
        if (owned != null) {
            owned.close();
        }
    }

    @Override
    public Inventory load(String argument) throws IOException {
        ContainerFilter filter = ContainerFilter.parse(argument);
        Map<String, Object> extras = new HashMap<>();
        if (filter.host() != null) {
            extras.put(DockerDefaults.DOCKER_HOST, filter.host());
        }
        DockerEndpoint endpoint;
        try {
            endpoint = defaults.get("the docker inventory source's loads").endpoint(extras);
        } catch (IllegalArgumentException e) {
            throw new InventoryException("docker:" + argument + ": " + e.getMessage(), e);
        }
        List<Container> containers;
        try {
            ListContainersCmd list = clients.get(endpoint).api().listContainersCmd().withStatusFilter(List.of("running"));
            if (!filter.engineLabels().isEmpty()) {
                List<String> labels = new ArrayList<>();
                filter.engineLabels().forEach((k, v) -> labels.add(v == null ? k : k + "=" + v));
                list.withLabelFilter(labels);
            }
            containers = new ArrayList<>(list.exec());
        } catch (RuntimeException e) {
            throw DockerClients.describe(e, endpoint);
        }
        containers.sort(Comparator.comparing(DockerInventorySource::name));
        Map<String, Host> hosts = new LinkedHashMap<>();
        Map<String, Group> groups = new LinkedHashMap<>();
        for (Container c : containers) {
            String name = name(c);
            if (!filter.matchesName(name)) {
                continue;
            }
            Map<String, String> labels = c.getLabels() == null ? Map.of() : c.getLabels();
            List<String> memberOf = new ArrayList<>();
            for (String g : labels.getOrDefault(GROUPS_LABEL, "").split(",")) {
                String group = g.trim();
                if (!group.isEmpty() && !memberOf.contains(group)) {
                    memberOf.add(group);
                    groups.putIfAbsent(group, new Group(group, List.of(), Attributes.NONE));
                }
            }
            Map<String, Object> data = new LinkedHashMap<>();
            labels.forEach((k, v) -> {
                if (!GROUPS_LABEL.equals(k)) {
                    data.put(k, v);
                }
            });
            data.put("docker_id", c.getId());
            data.put("docker_image", c.getImage());
            Map<String, Object> hostExtras = new LinkedHashMap<>();
            hostExtras.put(DockerDefaults.CONTAINER, c.getId());
            if (filter.host() != null) {
                hostExtras.put(DockerDefaults.DOCKER_HOST, filter.host());
            }
            Map<String, ConnectionOptions> options = Map.of(NAME,
                    new ConnectionOptions(null, null, null, null, null, hostExtras));
            hosts.put(name, new Host(name, memberOf,
                    new Attributes(name, null, null, null, "linux", NAME, data, options)));
        }
        LOG.debug("docker inventory {}: {} container(s) from {}", argument, hosts.size(), endpoint.address());
        return new Inventory("docker:" + (argument == null ? "" : argument), Attributes.NONE, groups, hosts);
    }

    @Override
    public String description() {
        return "running Docker containers as hosts; " + ContainerFilter.SYNTAX + "; groups from the label "
                + GROUPS_LABEL + ", data from the other labels";
    }

    private static String name(Container c) {
        String[] names = c.getNames();
        if (names == null || names.length == 0) {
            return c.getId().substring(0, 12);
        }
        String n = names[0];
        return n.startsWith("/") ? n.substring(1) : n;
    }
}
