package io.conduit.core.inventory;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.conduit.api.inventory.InventoryException;
import io.conduit.core.inventory.AnsibleModel.Value;
import io.conduit.core.inventory.Tree.MapVal;
import io.conduit.core.inventory.Tree.Scalar;
import io.conduit.core.inventory.Tree.Val;

/**
 * Reads an Ansible inventory file, INI or YAML, with the {@code host_vars/} and {@code group_vars/} directories
 * beside it, into an {@link AnsibleModel}.
 * <p>
 * <b>Format.</b> A file named {@code *.ini} is INI ({@link AnsibleIni}); {@code *.yml}, {@code *.yaml} and
 * {@code *.json} are YAML ({@link AnsibleYaml}; JSON is read by the strict {@link JsonTree}, as YAML would read
 * it). Any other file is told by its content, as Ansible tries its inventory plugins in turn: when its first line
 * that is neither blank nor a {@code #}/{@code ;} comment starts with {@code [}, or its first word is a host (not
 * {@code ---}, not a {@code key:}, not starting with a YAML indicator such as {@code -} or <code>{</code>), it is
 * INI; otherwise YAML.
 * <p>
 * <b>Variable directories</b> (Ansible's {@code host_group_vars} plugin): for each group of the inventory
 * ({@code all} included) the first of {@code group_vars/NAME}, {@code NAME.yml}, {@code NAME.yaml} and
 * {@code NAME.json} beside the inventory file is read; when it is a directory, every file in it and its
 * subdirectories, by name, skipping names starting with {@code .} or ending with {@code ~} and extensions other
 * than none, {@code .yml}, {@code .yaml} and {@code .json}. The same for each host with {@code host_vars/HOST}.
 * A later file wins a key over an earlier one, and these files over the inventory file's variables for the same
 * group or host. A file for a group or host the inventory does not have is not read, as in Ansible. A scalar
 * tagged {@code !vault} becomes {@link AnsibleModel.Vaulted}; a file encrypted whole with {@code ansible-vault}
 * is a problem (Conduit holds no vault password).
 * <p>
 * <b>What the model holds.</b> Groups, hosts and values as written, values keeping their file and line; the
 * groups {@code all} and {@code ungrouped}, which Ansible always has, exist even when the file does not name
 * them; Ansible's implicit memberships (every host in {@code all}, a host of no other group in
 * {@code ungrouped}) are left to the mapping. Each file is limited as the core's inventory files are
 * ({@link Limits}: size before reading, YAML line length, nesting, aliases). Stateless.
 */
final class AnsibleFiles {
    /** Extensions of the files Ansible reads as variables, the empty one first as it tries them. */
    private static final List<String> VARS_EXTENSIONS = List.of("", ".yml", ".yaml", ".json");
    private static final String VAULT_HEADER = "$ANSIBLE_VAULT;";
    private static final Logger LOG = LoggerFactory.getLogger(AnsibleFiles.class);

    private AnsibleFiles() {
    }

    /**
     * Reads an inventory file and the variable directories beside it.
     *
     * @param file the inventory file (INI or YAML, told apart by its name or content)
     * @return the model, every value with its file and line
     * @throws InventoryException it cannot be read or is malformed: every problem at once, each as
     *         {@code FILE:LINE: KEY: what is wrong; what to do}
     */
    static AnsibleModel read(Path file) throws InventoryException {
        String name = file.toString();
        if (Files.isDirectory(file)) {
            throw new InventoryException(name + ": is a directory; give the inventory file in it (e.g. " + file
                    .resolve("hosts") + "), with group_vars/ and host_vars/ beside it");
        }
        if (!Files.exists(file)) {
            throw new InventoryException(name + ": no such file; check the inventory path (-i ansible:FILE)");
        }
        String text = readText(file, name);
        Problems problems = new Problems();
        AnsibleModel model = new AnsibleModel("ansible:" + name);
        if (text.startsWith(VAULT_HEADER)) {
            problems.add(name, 1, "", vaulted("the inventory"));
        } else if (isIni(file, text)) {
            AnsibleIni.read(text, name, model, problems);
        } else {
            AnsibleYaml.read(parse(file, name, text, problems), name, model, problems);
        }
        model.group("all", name);
        model.group("ungrouped", name);
        Path dir = file.toAbsolutePath().getParent();
        if (dir != null) {
            Map<String, Path> groupVars = listing(dir.resolve("group_vars"));
            Set<String> used = new HashSet<>();
            for (AnsibleModel.Group group : model.groups.values()) {
                for (Path vars : varsFiles(groupVars, group.name, used)) {
                    group.vars.putAll(vars(vars, problems));
                }
            }
            unused(groupVars, used, "group", name);
            Map<String, Path> hostVars = listing(dir.resolve("host_vars"));
            used.clear();
            for (Map.Entry<String, Map<String, Value>> host : model.hostVars.entrySet()) {
                for (Path vars : varsFiles(hostVars, host.getKey(), used)) {
                    host.getValue().putAll(vars(vars, problems));
                }
            }
            unused(hostVars, used, "host", name);
        }
        problems.throwIfAny();
        return model;
    }

    /** Whether an inventory file is INI (see the class comment). */
    static boolean isIni(Path file, String text) {
        String fileName = file.getFileName() == null ? "" : file.getFileName().toString().toLowerCase(Locale.ROOT);
        if (fileName.endsWith(".ini")) {
            return true;
        }
        if (fileName.endsWith(".yml") || fileName.endsWith(".yaml") || fileName.endsWith(".json")) {
            return false;
        }
        for (String raw : text.split("\r\n|\n|\r")) {
            String line = raw.strip();
            if (line.isEmpty() || line.charAt(0) == '#' || line.charAt(0) == ';') {
                continue;
            }
            if (line.charAt(0) == '[') {
                return true;
            }
            String word = line.split("\\s+", 2)[0];
            return !word.equals("---") && !word.endsWith(":") && "-{\"'%!&*|>?@`".indexOf(word.charAt(0)) < 0;
        }
        return true; // blank: an empty inventory either way
    }

    /** Parses a YAML or JSON file, {@code !vault} values allowed. */
    private static Val parse(Path path, String file, String text, Problems problems) throws InventoryException {
        if (path.toString().toLowerCase(Locale.ROOT).endsWith(".json")) {
            return JsonTree.parse(text, file, problems);
        }
        InventoryLoader.checkLines(text, file);
        return YamlTree.parse(text, file, problems, true);
    }

    /** The variables of one {@code group_vars}/{@code host_vars} file. */
    private static Map<String, Value> vars(Path path, Problems problems) throws InventoryException {
        String file = path.toString();
        String text = readText(path, file);
        if (text.startsWith(VAULT_HEADER)) {
            problems.add(file, 1, "", vaulted("this variables file"));
            return Map.of();
        }
        Val root = parse(path, file, text, problems);
        if (root == null || root instanceof Scalar s && s.isNull()) {
            return Map.of();
        }
        if (!(root instanceof MapVal map)) {
            problems.add(file, root.line(), "", "the top level is " + root.kind() + ", not a mapping of variables;"
                    + " write one KEY: VALUE a line");
            return Map.of();
        }
        return AnsibleYaml.values(map, file, new IdentityHashMap<>());
    }

    private static String vaulted(String what) {
        return what + " is encrypted with ansible-vault, and Conduit has no vault password; give Conduit the"
                + " secrets it needs as ${env:NAME} or ${file:PATH} references, and the rest unencrypted";
    }

    /** The entries of a {@code group_vars}/{@code host_vars} directory by name, or none when it does not exist. */
    private static Map<String, Path> listing(Path dir) throws InventoryException {
        if (!Files.isDirectory(dir)) {
            return Map.of();
        }
        Map<String, Path> entries = new HashMap<>();
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(dir)) {
            for (Path p : stream) {
                entries.put(p.getFileName().toString(), p);
            }
        } catch (IOException e) {
            throw new InventoryException(dir + ": cannot be listed (" + reason(e) + "); make it readable by the"
                    + " user running Conduit", e);
        }
        return entries;
    }

    /**
     * The files Ansible reads for a group or host, in the order it reads them (see the class comment).
     *
     * @param used the names of the listing's entries read, to which the one found is added
     */
    private static List<Path> varsFiles(Map<String, Path> listing, String name, Set<String> used)
            throws InventoryException {
        if (listing.isEmpty()) {
            return List.of();
        }
        for (String ext : VARS_EXTENSIONS) {
            Path p = listing.get(name + ext);
            if (p == null) {
                continue;
            }
            used.add(name + ext);
            if (!Files.isDirectory(p)) {
                return List.of(p);
            }
            List<Path> files = new ArrayList<>();
            collect(p, files, 0);
            return files;
        }
        return List.of();
    }

    /** Says at debug level which entries were not read: a misspelt group_vars file is otherwise silent. */
    private static void unused(Map<String, Path> listing, Set<String> used, String kind, String inventory) {
        if (!LOG.isDebugEnabled()) {
            return;
        }
        listing.forEach((entry, path) -> {
            if (!used.contains(entry) && !entry.startsWith(".")) {
                LOG.debug("{}: not read: {} names no {} of {} (or another file for it came first), as in Ansible",
                        path, entry, kind, inventory);
            }
        });
    }

    private static void collect(Path dir, List<Path> out, int depth) throws InventoryException {
        if (depth >= Limits.MAX_DEPTH) {
            throw new InventoryException(dir + ": directories nest deeper than " + Limits.MAX_DEPTH + " levels;"
                    + " flatten them");
        }
        TreeMap<String, Path> sorted = new TreeMap<>();
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(dir)) {
            for (Path p : stream) {
                sorted.put(p.getFileName().toString(), p);
            }
        } catch (IOException e) {
            throw new InventoryException(dir + ": cannot be listed (" + reason(e) + "); make it readable by the"
                    + " user running Conduit", e);
        }
        for (Map.Entry<String, Path> e : sorted.entrySet()) {
            String n = e.getKey();
            if (n.startsWith(".") || n.endsWith("~")) {
                continue;
            }
            if (Files.isDirectory(e.getValue())) {
                collect(e.getValue(), out, depth + 1);
                continue;
            }
            int dot = n.lastIndexOf('.');
            String ext = dot <= 0 ? "" : n.substring(dot).toLowerCase(Locale.ROOT);
            if (VARS_EXTENSIONS.contains(ext)) {
                out.add(e.getValue());
            }
        }
    }

    private static String readText(Path path, String file) throws InventoryException {
        return InventoryLoader.readText(path, file, "split it (group_vars/ and host_vars/ files)");
    }

    private static String reason(IOException e) {
        return InventoryLoader.reason(e);
    }
}
