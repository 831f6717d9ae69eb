package io.conduit.api.support;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.conduit.api.connection.OptionType;

/**
 * Checks that what documents a plugin's options says what their declaration ({@link PluginOption}) says, so that
 * a default or a name cannot drift between the code and the documentation: the Metatype description bnd
 * generates from the configuration annotation (checked in its source), the README's option table and the {@code etc/PID.cfg} template.
 * A plugin's drift test asserts that {@link #check} finds nothing; each problem names the file and line to fix
 * and what to write there.
 */
public final class OptionDocs {

    /** {@code @AttributeDefinition(...) TYPE name() default VALUE;} in a configuration annotation's source. */
    private static final Pattern ATTRIBUTE = Pattern.compile(
            "@AttributeDefinition\\(((?:[^\"()]|\"(?:[^\"\\\\]|\\\\.)*\")*)\\)"
                    + "\\s*(\\w+)\\s+(\\w+)\\(\\)\\s*default\\s+([^;]*);");
    private static final Pattern DESCRIPTION = Pattern.compile(
            "description\\s*=\\s*((?:\"(?:[^\"\\\\]|\\\\.)*\"\\s*\\+?\\s*)+)");
    private static final Pattern STRING = Pattern.compile("\"((?:[^\"\\\\]|\\\\.)*)\"");
    private static final Pattern ROW = Pattern.compile("^\\|\\s*`([a-z0-9_]+)`([^|]*)\\|([^|]*)\\|(.*?)\\|");
    private static final Pattern ALIAS = Pattern.compile("`([a-z0-9_]+)`");
    private static final Pattern CFG = Pattern.compile("^\\s*([a-z0-9_]+)\\s*=\\s*(.*?)\\s*$");

    private OptionDocs() {
    }

    /**
     * Compares the documentation of a plugin's options with their declaration.
     *
     * @param options the plugin's options, in their declared order
     * @param metatype the source of the configuration annotation bnd generates the Metatype description from
     *        ({@code @AttributeDefinition(description = ...) TYPE name() default VALUE;}, literals only): a method
     *        for each option that is not {@linkplain PluginOption#isHostOnly host-only}, with its type ({@code String}
     *        for any type when the default is empty), its
     *        {@linkplain PluginOption#configDefault default} and the declared description word for word
     * @param readme the README whose option table (rows {@code | `name` | type | default | ...}) lists every option
     *        with its type ({@code choice}, {@code duration}, ...; more words may follow) and its
     *        {@linkplain PluginOption#shownDefault shown default} (in backticks or not; {@code (none)} or {@code —}
     *        when there is none; a parenthesis may follow)
     * @param cfg the {@code etc/PID.cfg} template: a {@code key = default} line for each configuration key
     * @return the problems, one line each ({@code FILE:LINE: what is wrong; write: ...}); empty when all agree
     * @throws IOException a file cannot be read
     */
    public static List<String> check(List<? extends PluginOption<?>> options, Path metatype, Path readme, Path cfg)
            throws IOException {
        List<String> problems = new ArrayList<>();
        Map<String, PluginOption<?>> byName = new LinkedHashMap<>();
        options.forEach(o -> byName.put(o.name(), o));
        metatype(byName, metatype, problems);
        readme(byName, readme, problems);
        cfg(byName, cfg, problems);
        return problems;
    }

    /**
     * @param option an option
     * @return its README table row up to the description: {@code | `name` | type | default |}
     */
    public static String readmeRow(PluginOption<?> option) {
        String shown = option.shownDefault();
        return "| `" + option.name() + "` | " + typeWord(option) + " | "
                + (shown == null ? "(none)" : "`" + shown + "`") + " |";
    }

    /**
     * @param option an option that is not host-only
     * @return its line in the {@code .cfg} template: {@code name = default}
     */
    public static String cfgLine(PluginOption<?> option) {
        String d = option.configDefault();
        return d.isEmpty() ? option.name() + " =" : option.name() + " = " + d;
    }

    private static String typeWord(PluginOption<?> option) {
        return option.type() == OptionType.INTEGER ? "integer" : option.type().name().toLowerCase(Locale.ROOT);
    }

    private static void metatype(Map<String, PluginOption<?>> options, Path file, List<String> problems)
            throws IOException {
        String source = Files.readString(file, StandardCharsets.UTF_8);
        Set<String> seen = new HashSet<>();
        Matcher m = ATTRIBUTE.matcher(source);
        while (m.find()) {
            String id = ConfigCheck.key(m.group(3));
            String where = file + ":" + line(source, m.start(3)) + ": " + m.group(3) + "(): ";
            PluginOption<?> o = options.get(id);
            if (o == null || o.isHostOnly()) {
                problems.add(where + "no configuration option " + id + " is declared; remove the method or declare"
                        + " the option");
                continue;
            }
            seen.add(id);
            String type = m.group(2);
            String expected = switch (o.type()) {
                case INTEGER -> "int|long";
                case BOOLEAN -> "boolean";
                default -> "String";
            };
            // a String method may hold any type's text when empty means "not set here" (docker's tls_verify)
            if (!type.matches(expected) && !(type.equals("String") && o.configDefault().isEmpty())) {
                problems.add(where + "type " + type + " but the option is " + o.type() + "; use " + expected);
            }
            String def = literal(m.group(4).trim());
            if (!def.equals(o.configDefault())) {
                problems.add(where + "default " + m.group(4).trim() + " but the declaration's is \""
                        + o.configDefault() + "\"; write default " + (type.equals("String") ? "\"" + o.configDefault()
                        + "\"" : o.configDefault()));
            }
            Matcher d = DESCRIPTION.matcher(m.group(1));
            String description = d.find() ? literal(d.group(1)) : null;
            if (!o.description().equals(description)) {
                problems.add(where + "description differs from the declaration; write description = \""
                        + o.description().replace("\"", "\\\"") + "\"");
            }
        }
        for (PluginOption<?> o : options.values()) {
            if (!o.isHostOnly() && !seen.contains(o.name())) {
                problems.add(file + ": no method for " + o.name() + "; add " + o.name().replace("_", "__")
                        + "() with default " + o.configDefault());
            }
        }
    }

    private static int line(String text, int offset) {
        int n = 1;
        for (int i = 0; i < offset; i++) {
            if (text.charAt(i) == '\n') {
                n++;
            }
        }
        return n;
    }

    /** The value of Java literals joined by {@code +}: {@code "a" + "b"} is {@code ab}, {@code 22} is {@code 22}. */
    private static String literal(String code) {
        Matcher m = STRING.matcher(code);
        StringBuilder out = new StringBuilder();
        boolean any = false;
        while (m.find()) {
            out.append(m.group(1).replace("\\\"", "\"").replace("\\\\", "\\"));
            any = true;
        }
        return any ? out.toString() : code.endsWith("L") ? code.substring(0, code.length() - 1) : code;
    }

    private static void readme(Map<String, PluginOption<?>> options, Path file, List<String> problems)
            throws IOException {
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < lines.size(); i++) {
            Matcher m = ROW.matcher(lines.get(i));
            if (!m.find()) {
                continue;
            }
            PluginOption<?> o = options.get(m.group(1));
            if (o == null) {
                continue; // another table (filters, flags)
            }
            seen.add(o.name());
            Matcher alias = ALIAS.matcher(m.group(2)); // "(alias `passphrase`)": documented in this row
            while (alias.find()) {
                seen.add(alias.group(1));
            }
            String where = file + ":" + (i + 1) + ": " + o.name() + ": ";
            String type = m.group(3).trim();
            if (!type.equals(typeWord(o)) && !type.startsWith(typeWord(o) + " ")) {
                problems.add(where + "type \"" + type + "\" but the declaration's is " + typeWord(o) + "; write "
                        + readmeRow(o));
            }
            String shown = m.group(4).replace("`", "").trim();
            String expected = o.shownDefault();
            boolean ok = expected == null ? shown.equals("(none)") || shown.equals("—") || shown.isEmpty()
                    : shown.equals(expected) || shown.startsWith(expected + " (");
            if (!ok) {
                problems.add(where + "default \"" + shown + "\" but the declaration's is "
                        + (expected == null ? "none" : "\"" + expected + "\"") + "; write " + readmeRow(o));
            }
        }
        for (PluginOption<?> o : options.values()) {
            if (!seen.contains(o.name())) {
                problems.add(file + ": the option table has no row for " + o.name() + "; add " + readmeRow(o));
            }
        }
    }

    private static void cfg(Map<String, PluginOption<?>> options, Path file, List<String> problems)
            throws IOException {
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).trim().startsWith("#")) {
                continue;
            }
            Matcher m = CFG.matcher(lines.get(i));
            if (!m.matches()) {
                continue;
            }
            String where = file + ":" + (i + 1) + ": ";
            PluginOption<?> o = options.get(m.group(1));
            if (o == null || o.isHostOnly()) {
                problems.add(where + m.group(1) + " is no configuration option; remove the line");
                continue;
            }
            seen.add(o.name());
            if (!m.group(2).equals(o.configDefault())) {
                problems.add(where + o.name() + " = " + m.group(2) + " is not the declared default; write "
                        + cfgLine(o));
            }
        }
        for (PluginOption<?> o : options.values()) {
            if (!o.isHostOnly() && !seen.contains(o.name())) {
                problems.add(file + ": no line for " + o.name() + "; add " + cfgLine(o));
            }
        }
    }
}
