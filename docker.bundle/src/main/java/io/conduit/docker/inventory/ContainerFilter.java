package io.conduit.docker.inventory;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import io.conduit.api.inventory.InventoryException;

/**
 * The argument of {@code -i docker:ARGUMENT}: comma separated {@code label=KEY}, {@code label=KEY=VALUE},
 * {@code name=GLOB} and {@code host=ADDRESS}. Every label must match; with several names, any may match.
 *
 * @param labels label key to required value ({@code null}: the label must only be present)
 * @param names glob patterns on the container name ({@code *}, {@code ?})
 * @param host the daemon address, or {@code null} for the configured one
 */
public record ContainerFilter(Map<String, String> labels, List<String> names, String host) {

    /** The syntax, for messages and the description. */
    public static final String SYNTAX = "docker:[label=KEY[=VALUE]][,name=GLOB][,host=unix:///PATH|tcp://HOST:PORT]";

    /** Copies in. */
    public ContainerFilter {
        labels = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(labels));
        names = List.copyOf(names);
    }

    /**
     * Parses an argument.
     *
     * @param argument the text after {@code docker:}, may be empty
     * @return the filter
     * @throws InventoryException the text is not in the syntax; the message shows it
     */
    public static ContainerFilter parse(String argument) throws InventoryException {
        Map<String, String> labels = new LinkedHashMap<>();
        List<String> names = new ArrayList<>();
        String host = null;
        if (argument != null) {
            for (String part : argument.split(",")) {
                String p = part.trim();
                if (p.isEmpty()) {
                    continue;
                }
                int eq = p.indexOf('=');
                String key = eq < 0 ? p : p.substring(0, eq).trim();
                String value = eq < 0 ? "" : p.substring(eq + 1).trim();
                if (value.isEmpty()) {
                    throw new InventoryException("docker:" + argument + ": \"" + p + "\" has no value; write "
                            + SYNTAX);
                }
                switch (key) {
                    case "label" -> {
                        int veq = value.indexOf('=');
                        labels.put(veq < 0 ? value : value.substring(0, veq), veq < 0 ? null : value.substring(veq + 1));
                    }
                    case "name" -> names.add(value);
                    case "host" -> host = value;
                    default -> throw new InventoryException("docker:" + argument + ": \"" + key
                            + "\" is not a filter; write " + SYNTAX);
                }
            }
        }
        return new ContainerFilter(labels, names, host);
    }

    /**
     * @param name the container name, without the leading {@code /}
     * @return whether a name pattern matches (or none is given)
     */
    public boolean matchesName(String name) {
        if (names.isEmpty()) {
            return true;
        }
        for (String glob : names) {
            if (glob(glob).matcher(name).matches()) {
                return true;
            }
        }
        return false;
    }

    /** @return the labels as the Engine's {@code label} filter wants them: {@code KEY} or {@code KEY=VALUE} */
    public Map<String, String> engineLabels() {
        return labels;
    }

    private static Pattern glob(String glob) {
        StringBuilder regex = new StringBuilder();
        for (char ch : glob.toCharArray()) {
            switch (ch) {
                case '*' -> regex.append(".*");
                case '?' -> regex.append('.');
                default -> regex.append(Pattern.quote(String.valueOf(ch)));
            }
        }
        return Pattern.compile(regex.toString());
    }
}
