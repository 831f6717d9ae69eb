package io.conduit.core.inventory;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.conduit.core.inventory.AnsibleModel.Value;

/**
 * Reads an inventory in the format of Ansible's {@code ini} inventory plugin into an {@link AnsibleModel}. The
 * rules, from that plugin's documentation and "How to build your inventory":
 * <ul>
 * <li>Lines are trimmed; blank lines and lines starting with {@code #} or {@code ;} are skipped.</li>
 * <li>{@code [NAME]} starts a group's hosts, {@code [NAME:children]} its child groups, {@code [NAME:vars]} its
 * variables; a {@code # comment} may follow the {@code ]}. Hosts before any section belong to {@code ungrouped}.
 * A group may be named in {@code :children} or {@code :vars} before its own section, but it must have a
 * {@code [NAME]} or {@code [NAME:children]} section somewhere (groups {@code all} and {@code ungrouped} always
 * exist), as Ansible requires.</li>
 * <li>A host line is a host pattern ({@link AnsibleHostPattern}: ranges, {@code :PORT}) and {@code KEY=VALUE}
 * variables, split as a POSIX shell splits words: quotes group words and are removed ({@code k="a b"}), a
 * backslash escapes the next character, and a {@code #} outside quotes starts a comment (quote a value that
 * holds one). Each value is then read as a Python literal where it is one, as Ansible's {@code ast.literal_eval}
 * does ({@link PythonLiteral}): an integer ({@code 22}, {@code -1}, {@code 0x1F}, {@code 1_000}) is a
 * {@link Long}, a decimal ({@code 1.5}, {@code 1e3}) a {@link Double}, {@code True}/{@code False} a
 * {@link Boolean}, {@code None} null, a quoted string ({@code '22'}, written {@code k="'22'"} so that the shell
 * keeps the inner quotes) the text inside, a list, tuple or dict ({@code c=[1,2]}, {@code t=(1,2)},
 * <code>d="{'a': 1}"</code>) a {@link List} or {@link Map}. Anything else stays the text as written.</li>
 * <li>A {@code :vars} line is {@code KEY=VALUE}, one a line, everything after the first {@code =} being the
 * value (no comment is stripped), trimmed, then read as a Python literal as host-line values are (the ini
 * plugin's {@code _parse_value}): {@code maint=False} is a boolean, {@code workers=4} a number,
 * {@code port="22"} the text {@code 22}, {@code backup=FALSE} the text {@code FALSE}.</li>
 * <li>A {@code :children} line is one group name.</li>
 * </ul>
 * Every problem goes to {@link Problems} with its line; reading goes on with the next line, and a bad section
 * header skips the lines up to the next section.
 */
final class AnsibleIni {
    /** {@code [NAME]} or {@code [NAME:KIND]}, then blanks and an optional comment. */
    private static final Pattern SECTION = Pattern.compile("\\[([^:\\]\\s]+)(?::(\\w+))?]\\s*(?:#.*)?");
    /** A group name on a {@code :children} line, with an optional comment. */
    private static final Pattern CHILD = Pattern.compile("([^:\\]\\s]+)\\s*(?:#.*)?");

    private enum State { HOSTS, CHILDREN, VARS, SKIP }

    private final String file;
    private final AnsibleModel model;
    private final Problems problems;
    private final AnsibleHostPattern patterns = new AnsibleHostPattern();
    /** Groups with a {@code [NAME]} or {@code [NAME:children]} section. */
    private final Set<String> declared = new HashSet<>(Set.of("all", "ungrouped"));
    /** Groups named in {@code :children} or by a {@code :vars} section, with where first, to check at the end. */
    private final Map<String, String[]> pending = new LinkedHashMap<>();

    private AnsibleIni(String file, AnsibleModel model, Problems problems) {
        this.file = file;
        this.model = model;
        this.problems = problems;
    }

    /**
     * Reads an INI inventory into {@code model}.
     *
     * @param text the file's content
     * @param file the file, for messages and {@link Value#file()}
     * @param model what is read goes here
     * @param problems every malformed line goes here, as {@code FILE:LINE: what; what to do}
     */
    static void read(String text, String file, AnsibleModel model, Problems problems) {
        new AnsibleIni(file, model, problems).read(text);
    }

    private void read(String text) {
        String group = "ungrouped";
        State state = State.HOSTS;
        int number = 0;
        for (String raw : text.split("\r\n|\n|\r", -1)) {
            number++;
            String line = raw.strip();
            if (line.isEmpty() || line.charAt(0) == '#' || line.charAt(0) == ';') {
                continue;
            }
            String where = file + ":" + number;
            if (line.charAt(0) == '[') {
                Matcher m = SECTION.matcher(line);
                if (m.matches()) {
                    group = m.group(1);
                    String kind = m.group(2) == null ? "hosts" : m.group(2);
                    switch (kind) {
                        case "hosts" -> state = State.HOSTS;
                        case "children" -> state = State.CHILDREN;
                        case "vars" -> state = State.VARS;
                        default -> {
                            problems.add(file, number, "", "[" + group + ":" + kind + "]: unknown section kind "
                                    + Names.quote(kind) + Names.hint(kind, List.of("children", "vars"),
                                    "write [" + group + "], [" + group + ":children] or [" + group + ":vars]"));
                            state = State.SKIP;
                            continue;
                        }
                    }
                    model.group(group, where);
                    if (state == State.VARS) {
                        pending.putIfAbsent(group, new String[] {Integer.toString(number), null});
                    } else {
                        declared.add(group);
                    }
                    continue;
                }
                if (line.indexOf(']') < 0) {
                    problems.add(file, number, "", Names.quote(line) + " opens a section with '[' but has no ']';"
                            + " write [GROUP], [GROUP:children] or [GROUP:vars]");
                    state = State.SKIP;
                    continue;
                }
                if (line.endsWith("]")) {
                    problems.add(file, number, "", Names.quote(line) + " is not a section header; write [GROUP],"
                            + " [GROUP:children] or [GROUP:vars], with no spaces inside the brackets");
                    state = State.SKIP;
                    continue;
                }
                // else a host written [ADDRESS]:PORT
            }
            switch (state) {
                case HOSTS -> hostLine(line, group, number, where);
                case CHILDREN -> childLine(line, group, number, where);
                case VARS -> varsLine(line, group, number);
                case SKIP -> {
                }
            }
        }
        for (Map.Entry<String, String[]> e : pending.entrySet()) {
            if (declared.contains(e.getKey())) {
                continue;
            }
            int line = Integer.parseInt(e.getValue()[0]);
            String parent = e.getValue()[1];
            String name = e.getKey();
            problems.add(file, line, "", (parent == null
                    ? "[" + name + ":vars] sets variables of group " + Names.quote(name) + ", which has no ["
                    + name + "] or [" + name + ":children] section"
                    : "[" + parent + ":children] names group " + Names.quote(name) + ", which has no [" + name
                    + "] or [" + name + ":children] section")
                    + Names.hint(name, declared, "add the section (it may be empty), or correct the name"));
        }
    }

    private void hostLine(String line, String group, int number, String where) {
        List<String> tokens;
        try {
            tokens = words(line);
        } catch (IllegalArgumentException e) {
            problems.add(file, number, "", e.getMessage());
            return;
        }
        if (tokens.isEmpty()) {
            return; // only a comment after blanks
        }
        String pattern = tokens.get(0);
        if (pattern.equals("---")) {
            problems.add(file, number, "", "\"---\" starts a YAML document, but this file is read as INI; name the"
                    + " file .yml or .yaml");
            return;
        }
        AnsibleHostPattern.Expanded expanded;
        try {
            expanded = patterns.read(pattern);
        } catch (AnsibleHostPattern.Malformed e) {
            problems.add(file, number, pattern, e.getMessage());
            return;
        }
        Map<String, Value> vars = new LinkedHashMap<>();
        if (expanded.port() != null) {
            vars.put("ansible_port", new Value(expanded.port(), file, number));
        }
        for (String token : tokens.subList(1, tokens.size())) {
            int eq = token.indexOf('=');
            if (eq < 0) {
                problems.add(file, number, pattern, Names.quote(token) + " is not KEY=VALUE; a host line is the host"
                        + " and KEY=VALUE variables, quote a value with blanks: KEY=\"a b\"");
                continue;
            }
            if (eq == 0) {
                problems.add(file, number, pattern, Names.quote(token) + " has no variable name before '='; write"
                        + " KEY=VALUE");
                continue;
            }
            vars.put(token.substring(0, eq), new Value(literal(token.substring(eq + 1)), file, number));
        }
        AnsibleModel.Group g = model.group(group, where);
        for (String host : expanded.hosts()) {
            g.hosts.add(host);
            model.host(host, where).putAll(vars);
        }
    }

    private void childLine(String line, String group, int number, String where) {
        Matcher m = CHILD.matcher(line);
        if (!m.matches()) {
            problems.add(file, number, "", Names.quote(line) + " is not a group name; a [" + group + ":children]"
                    + " line names one child group (no blanks, ':' or ']')");
            return;
        }
        String child = m.group(1);
        if (child.equals(group)) {
            problems.add(file, number, child, "group " + Names.quote(group) + " cannot be its own child; remove"
                    + " this line");
            return;
        }
        model.group(child, where);
        model.group(group, where).children.add(child);
        pending.putIfAbsent(child, new String[] {Integer.toString(number), group});
    }

    private void varsLine(String line, String group, int number) {
        int eq = line.indexOf('=');
        if (eq < 0) {
            problems.add(file, number, "", Names.quote(line) + " is not KEY=VALUE; a [" + group + ":vars] line sets"
                    + " one variable");
            return;
        }
        String key = line.substring(0, eq).strip();
        if (key.isEmpty()) {
            problems.add(file, number, "", Names.quote(line) + " has no variable name before '='; write KEY=VALUE");
            return;
        }
        Object value = literal(line.substring(eq + 1).strip());
        model.group(group, file + ":" + number).vars.put(key, new Value(value, file, number));
    }

    /**
     * Splits a host line into words as a POSIX shell does (Python's {@code shlex} in POSIX mode, which Ansible
     * uses): blanks separate words, quotes group them and are removed, a backslash escapes the next character
     * (inside double quotes only {@code "} and {@code \}), a {@code #} outside quotes ends the line.
     *
     * @throws IllegalArgumentException a quote is not closed, with what to do
     */
    static List<String> words(String line) {
        List<String> words = new ArrayList<>();
        StringBuilder word = new StringBuilder();
        boolean inWord = false;
        char quote = 0;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (quote == '\'') {
                if (c == '\'') {
                    quote = 0;
                } else {
                    word.append(c);
                }
            } else if (quote == '"') {
                if (c == '"') {
                    quote = 0;
                } else if (c == '\\' && i + 1 < line.length() && (line.charAt(i + 1) == '"'
                        || line.charAt(i + 1) == '\\')) {
                    word.append(line.charAt(++i));
                } else {
                    word.append(c);
                }
            } else if (c == '\'' || c == '"') {
                quote = c;
                inWord = true;
            } else if (c == '\\') {
                if (i + 1 < line.length()) {
                    word.append(line.charAt(++i));
                }
                inWord = true;
            } else if (c == '#') {
                break;
            } else if (Character.isWhitespace(c)) {
                if (inWord) {
                    words.add(word.toString());
                    word.setLength(0);
                    inWord = false;
                }
            } else {
                word.append(c);
                inWord = true;
            }
        }
        if (quote != 0) {
            throw new IllegalArgumentException("the quote " + quote + " opened on this line is not closed; close it"
                    + " (a value cannot span lines), or escape it as \\" + quote);
        }
        if (inWord) {
            words.add(word.toString());
        }
        return words;
    }

    /**
     * A host line's or {@code :vars} line's value as a Python literal where it is one (see the class comment),
     * else the text.
     *
     * @param text the value, quotes of the host line already removed
     * @return a {@link Long}, {@link Double}, {@link Boolean}, {@code null}, {@link String}, or a {@link List} or
     *         {@link Map} of such
     */
    static Object literal(String text) {
        PythonLiteral.Result r = PythonLiteral.read(text);
        return r.ok() ? r.value() : text;
    }
}
