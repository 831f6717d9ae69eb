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
 * beside it, or an inventory directory with those in it, into an {@link AnsibleModel}.
 * <p>
 * <b>Inventory directory</b> (Ansible's "organizing inventory in a directory"): every file in it and in its
 * subdirectories, by name (a subdirectory where its name sorts), is an inventory file read as below, all into one
 * model: a group named again gains the later file's hosts and children, and a variable set again is
 * {@linkplain AnsibleModel#set set again}. Skipped, as Ansible skips them: names starting with {@code .};
 * {@code group_vars}, {@code host_vars} and {@code vars_plugins} (at any depth: only the top directory's
 * {@code group_vars/} and {@code host_vars/} are read, as variables); names ending with one of Ansible's default
 * {@code inventory_ignore_extensions} ({@link #IGNORED_ENDINGS}: {@code ~}, {@code .bak}, {@code .orig},
 * {@code .retry}, {@code .cfg}, {@code .md}, {@code .txt}, ...). An executable file other than {@code *.ini},
 * {@code *.yml}, {@code *.yaml} and {@code *.json}, which Ansible would run as a dynamic inventory script, is
 * refused by name: Conduit runs no program found by listing a directory ({@code -i script:PATH} runs one named);
 * so is an entry that is neither file nor directory (a broken link, a pipe: reading a pipe would wait forever).
 * At most {@value #MAX_DIRECTORY_FILES} files and {@value #MAX_DIRECTORY_BYTES} bytes together, each file within
 * the limit of one.
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
 * group or host; where both values are mappings they merge key by key at every depth ({@link AnsibleModel#set}).
 * A file for a group or host the inventory does not have is not read, as in Ansible. A scalar
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
    /** Extensions of inventory files read as data even when executable (INI, YAML, JSON). */
    private static final List<String> DATA_EXTENSIONS = List.of(".ini", ".yml", ".yaml", ".json");
    /** Names Ansible always skips in an inventory directory, besides hidden ones. */
    private static final Set<String> ALWAYS_IGNORED = Set.of("group_vars", "host_vars", "vars_plugins");
    /**
     * Ansible's default {@code inventory_ignore_extensions} (ansible-core's {@code INVENTORY_IGNORE_EXTS}: its
     * rejected extensions plus {@code .orig}, {@code .cfg} and {@code .retry}); Ansible matches them as name
     * endings, so {@code ~} also covers {@code hosts.ini~}.
     */
    static final List<String> IGNORED_ENDINGS = List.of(".pyc", ".pyo", ".swp", ".bak", "~", ".rpm", ".md", ".txt",
            ".rst", ".orig", ".cfg", ".retry");
    /** The most inventory files an inventory directory may hold (its subdirectories included). */
    static final int MAX_DIRECTORY_FILES = 1_000;
    /** The most bytes an inventory directory's inventory files may hold together: 64 MiB. */
    static final long MAX_DIRECTORY_BYTES = 64L << 20;
    private static final String VAULT_HEADER = "$ANSIBLE_VAULT;";
    private static final Logger LOG = LoggerFactory.getLogger(AnsibleFiles.class);

    private AnsibleFiles() {
    }

    /**
     * Reads an inventory file, or an inventory directory, and the variable directories beside the file or in the
     * directory.
     *
     * @param path the inventory file (INI or YAML, told apart by its name or content) or directory (see the class
     *        comment)
     * @return the model, every value with its file and line
     * @throws InventoryException it cannot be read or is malformed: every problem at once, each as
     *         {@code FILE:LINE: KEY: what is wrong; what to do}; a directory also when it holds an executable, more
     *         than {@value #MAX_DIRECTORY_FILES} inventory files or more than {@value #MAX_DIRECTORY_BYTES} bytes
     *         of them, or no inventory file at all
     */
    static AnsibleModel read(Path path) throws InventoryException {
        String name = path.toString();
        if (!Files.exists(path)) {
            throw new InventoryException(name + ": no such file; check the inventory path (-i ansible:FILE)");
        }
        Problems problems = new Problems();
        AnsibleModel model = new AnsibleModel("ansible:" + name);
        Path dir;
        if (Files.isDirectory(path)) {
            List<Path> files = inventoryFiles(path);
            long total = 0;
            for (Path file : files) {
                total += size(file);
                if (total > MAX_DIRECTORY_BYTES) {
                    throw new InventoryException(name + ": its inventory files hold more than "
                            + (MAX_DIRECTORY_BYTES >> 20) + " MiB together (reached at " + file + "); check that -i"
                            + " names the inventory directory, or move what is not inventory out of it");
                }
            }
            for (Path file : files) {
                AnsibleModel one = new AnsibleModel(model.source);
                inventoryFile(file, one, problems);
                model.add(one);
            }
            dir = path.toAbsolutePath();
        } else {
            inventoryFile(path, model, problems);
            dir = path.toAbsolutePath().getParent();
        }
        model.group("all", name);
        model.group("ungrouped", name);
        if (dir != null) {
            Map<String, Path> groupVars = listing(dir.resolve("group_vars"));
            Set<String> used = new HashSet<>();
            for (AnsibleModel.Group group : model.groups.values()) {
                for (Path vars : varsFiles(groupVars, group.name, used)) {
                    AnsibleModel.setAll(group.vars, vars(vars, problems));
                }
            }
            unused(groupVars, used, "group", name);
            Map<String, Path> hostVars = listing(dir.resolve("host_vars"));
            used.clear();
            for (Map.Entry<String, Map<String, Value>> host : model.hostVars.entrySet()) {
                for (Path vars : varsFiles(hostVars, host.getKey(), used)) {
                    AnsibleModel.setAll(host.getValue(), vars(vars, problems));
                }
            }
            unused(hostVars, used, "host", name);
        }
        problems.throwIfAny();
        return model;
    }

    /** Reads one inventory file into a model, INI or YAML. */
    private static void inventoryFile(Path file, AnsibleModel model, Problems problems) throws InventoryException {
        String name = file.toString();
        String text = readText(file, name);
        if (text.startsWith(VAULT_HEADER)) {
            problems.add(name, 1, "", vaulted("the inventory"));
        } else if (isIni(file, text)) {
            AnsibleIni.read(text, name, model, problems);
        } else {
            AnsibleYaml.read(parse(file, name, text, problems), name, model, problems);
        }
    }

    /**
     * The inventory files of an inventory directory, in the order Ansible reads them (see the class comment).
     *
     * @throws InventoryException it holds an executable file, an entry that is neither file nor directory (a
     *         broken link, a pipe), more than {@value #MAX_DIRECTORY_FILES} inventory files, directories nested
     *         deeper than {@link Limits#MAX_DEPTH}, or no inventory file
     */
    static List<Path> inventoryFiles(Path dir) throws InventoryException {
        return inventoryFiles(dir, MAX_DIRECTORY_FILES);
    }

    /** {@link #inventoryFiles(Path)} with another cap on the count of files, so that a test need not make 1,001. */
    static List<Path> inventoryFiles(Path dir, int maxFiles) throws InventoryException {
        List<Path> files = new ArrayList<>();
        inventoryFiles(dir, files, 0, maxFiles);
        if (files.isEmpty()) {
            throw new InventoryException(dir + ": is a directory with no inventory file in it (hidden files,"
                    + " group_vars/, host_vars/ and the extensions Ansible ignores are skipped); put the inventory"
                    + " file in it, or name the file with -i ansible:FILE");
        }
        return files;
    }

    private static void inventoryFiles(Path dir, List<Path> out, int depth, int maxFiles)
            throws InventoryException {
        if (depth >= Limits.MAX_DEPTH) {
            throw new InventoryException(dir + ": directories nest deeper than " + Limits.MAX_DEPTH + " levels;"
                    + " flatten them");
        }
        for (Map.Entry<String, Path> e : sorted(dir).entrySet()) {
            String n = e.getKey();
            Path p = e.getValue();
            if (ignoredInInventoryDirectory(n)) {
                if (depth > 0 && (n.equals("group_vars") || n.equals("host_vars"))) {
                    LOG.debug("{}: not read: only the group_vars/ and host_vars/ of the inventory directory {} are"
                            + " read, as in Ansible", p, dir);
                }
                continue;
            }
            if (Files.isDirectory(p)) {
                inventoryFiles(p, out, depth + 1, maxFiles);
                continue;
            }
            if (!Files.isRegularFile(p)) {
                throw new InventoryException(p + ": is neither a file nor a directory (a broken link, a pipe or a"
                        + " device); fix the link or move it out of the inventory directory");
            }
            if (Files.isExecutable(p) && !DATA_EXTENSIONS.contains(extension(n))) {
                throw new InventoryException(p + ": is executable, so Ansible would run it as a dynamic inventory"
                        + " script; Conduit runs no program found in an inventory directory: give it on its own as -i"
                        + " script:" + p + ", or, if it is a data file, remove its execute permission (chmod a-x)");
            }
            if (out.size() == maxFiles) {
                throw new InventoryException(p + ": an inventory directory may hold at most " + maxFiles
                        + " inventory files; check that -i names the inventory directory, or merge files");
            }
            out.add(p);
        }
    }

    /**
     * Whether Ansible skips an entry of an inventory directory: a hidden name, {@code group_vars},
     * {@code host_vars} and {@code vars_plugins}, or a name ending with one of ansible-core's default
     * {@code inventory_ignore_extensions} ({@link #IGNORED_ENDINGS}).
     */
    static boolean ignoredInInventoryDirectory(String name) {
        if (name.startsWith(".") || ALWAYS_IGNORED.contains(name)) {
            return true;
        }
        for (String ending : IGNORED_ENDINGS) {
            if (name.endsWith(ending)) {
                return true;
            }
        }
        return false;
    }

    private static String extension(String name) {
        int dot = name.lastIndexOf('.');
        return dot <= 0 ? "" : name.substring(dot).toLowerCase(Locale.ROOT);
    }

    private static long size(Path file) throws InventoryException {
        try {
            return Files.size(file);
        } catch (IOException e) {
            throw new InventoryException(file + ": cannot be read (" + reason(e) + "); make it readable by the"
                    + " user running Conduit", e);
        }
    }

    /** The entries of a directory by name. */
    private static TreeMap<String, Path> sorted(Path dir) throws InventoryException {
        TreeMap<String, Path> sorted = new TreeMap<>();
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(dir)) {
            for (Path p : stream) {
                sorted.put(p.getFileName().toString(), p);
            }
        } catch (IOException e) {
            throw new InventoryException(dir + ": cannot be listed (" + reason(e) + "); make it readable by the"
                    + " user running Conduit", e);
        }
        return sorted;
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
        for (Map.Entry<String, Path> e : sorted(dir).entrySet()) {
            String n = e.getKey();
            if (n.startsWith(".") || n.endsWith("~")) {
                continue;
            }
            if (Files.isDirectory(e.getValue())) {
                collect(e.getValue(), out, depth + 1);
                continue;
            }
            if (VARS_EXTENSIONS.contains(extension(n))) {
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
