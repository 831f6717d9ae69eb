package io.conduit.core.tasks;

import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.io.StringWriter;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.osgi.service.component.annotations.Component;

import io.conduit.api.connection.Connection;
import io.conduit.api.connection.OptionDescriptor;
import io.conduit.api.support.FileNames;
import io.conduit.api.support.PluginOption;
import io.conduit.api.task.HostResult;
import io.conduit.api.task.Status;
import io.conduit.api.task.Task;
import io.conduit.api.task.TaskContext;
import io.conduit.api.task.TaskName;
import io.conduit.api.task.TaskPlugin;
import io.pebbletemplates.pebble.PebbleEngine;
import io.pebbletemplates.pebble.error.AttributeNotFoundException;
import io.pebbletemplates.pebble.error.LoaderException;
import io.pebbletemplates.pebble.error.PebbleException;
import io.pebbletemplates.pebble.error.RootAttributeNotFoundException;
import io.pebbletemplates.pebble.loader.Loader;
import io.pebbletemplates.pebble.template.PebbleTemplate;

/**
 * {@code template}: renders a local template for each host with the host's variables, then puts the result as
 * {@code put} does (only when content, mode, owner or group differ; check mode asks and sends nothing; {@code
 * --diff} shows the unified difference old to new).
 *
 * <p>The template language is Pebble's (Jinja's syntax: {@code {{ name }}}, {@code {% if %}}, {@code {% for %}},
 * filters), with strict variables: a name the host does not have fails that host, naming the template file, the
 * line and the name, instead of writing an empty string into a configuration file ({@code {{ name | default('x')
 * }}} gives a fallback). Nothing is escaped (the output is a file, not a web page), and every newline is kept as
 * written (Pebble's default would also eat the newline after each {@code {{ }}}, joining lines of a configuration
 * file); {@code {%- -%}} trims around a tag where wanted. The template is read and
 * compiled once when the task is made, by an engine of its own that loads no other file: {@code include},
 * {@code extends} and {@code import} of other templates fail. The names are the host's, the same under
 * {@code conduit:task} as in a runbook ({@link TaskContext#variables()}: {@code data}, {@code inventory_hostname},
 * {@code groups}, {@code facts}, {@code vars}, and in a runbook the registered results).
 *
 * <p>The rendered text goes to a private temporary file here (mode 0600), which is put and then deleted. Without
 * {@code mode}, the host's file gets the template file's own mode, as {@code put} keeps a local file's mode.
 */
@Component(service = TaskPlugin.class)
@TaskName("template")
public final class TemplateTaskPlugin implements TaskPlugin {
    static final String TASK = "template";
    /** The variable that holds the host's inventory name. */
    static final String INVENTORY_HOSTNAME = "inventory_hostname";
    /** The largest template read: 1 MiB; a configuration file is far smaller. */
    static final long MAX_TEMPLATE = 1 << 20;
    /** The largest rendering: 16 MiB, so that a runaway loop fails the host instead of filling the heap. */
    static final int MAX_RENDERED = 16 << 20;
    static final PluginOption<String> SRC = PluginOption.path("src", null, "The local template file (Pebble,"
            + " Jinja's syntax, UTF-8, at most 1 MiB): ~/ is your home, a relative path is read from the directory"
            + " Conduit's command runs in.").asRequired();
    static final PluginOption<String> DEST = PluginOption.string("dest", null, "Where to write the rendered file on"
            + " the host; a path ending in / means into that directory, under the template's name.").asRequired();
    static final PluginOption<String> MODE = PluginOption.string("mode", null, "The file's permission bits as"
            + " octal text with a leading 0 (0644, 0600; quote it in YAML); default: the template file's own mode.");
    static final PluginOption<String> OWNER = PluginOption.string("owner", null, "A user name or numeric id to own"
            + " the file (usually needs become); default: unchanged, the writing user's for a new file.");
    static final PluginOption<String> GROUP = PluginOption.string("group", null, "A group name or numeric id for"
            + " the file; default: unchanged, the writing user's group for a new file.");

    @Override
    public String description() {
        return "Renders a local template with each host's variables and puts it, changing only what differs.";
    }

    @Override
    public List<OptionDescriptor> parameters() {
        return TaskParameters.describe(SRC, DEST, MODE, OWNER, GROUP);
    }

    @Override
    public boolean supportsCheckMode() {
        return true;
    }

    @Override
    public Task create(Map<String, Object> parameters) {
        Path src = TaskParameters.localFile(SRC.name(), TaskParameters.required(SRC.name(),
                SRC.in(parameters)));
        String dest = TaskParameters.required(DEST.name(), DEST.in(parameters));
        int mode = TaskParameters.mode(MODE.in(parameters));
        String text;
        try {
            if (Files.size(src) > MAX_TEMPLATE) {
                throw new IllegalArgumentException("src: " + src + " is larger than 1 MiB; a template that"
                        + " large is likely not one: use put");
            }
            text = StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(Files.readAllBytes(src)))
                    .toString();
            if (mode == Connection.KEEP_MODE) {
                mode = bits(src);
            }
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException("src: " + src + " is not UTF-8 text; templates are read as"
                    + " UTF-8");
        } catch (IOException e) {
            throw new IllegalArgumentException("src: " + src + " cannot be read: " + e.getMessage());
        }
        String name = src.toString();
        PebbleEngine engine = new PebbleEngine.Builder().loader(new OneTemplate(name, text)).strictVariables(true)
                .autoEscaping(false).newLineTrimming(false).cacheActive(false).maxRenderedSize(MAX_RENDERED).build();
        PebbleTemplate template;
        try {
            template = engine.getTemplate(name);
        } catch (PebbleException e) {
            throw new IllegalArgumentException(where(e, name) + ": " + e.getPebbleMessage());
        }
        return new TemplateTask(src, template, FileNames.intoDirectory(dest, src.getFileName().toString()), mode,
                PutTaskPlugin.blankToNull(OWNER.in(parameters)), PutTaskPlugin.blankToNull(GROUP.in(parameters)));
    }

    private static int bits(Path file) throws IOException {
        int bits = 0;
        for (var p : Files.getPosixFilePermissions(file)) {
            bits |= 1 << (8 - p.ordinal());
        }
        return bits;
    }

    /** FILE:LINE of a Pebble error, with the template's path when Pebble names none. */
    static String where(PebbleException e, String name) {
        String file = e.getFileName() == null ? name : e.getFileName();
        return file + (e.getLineNumber() == null ? "" : ":" + e.getLineNumber());
    }

    /**
     * The template on one host.
     *
     * @param src the template file, for messages
     * @param template the compiled template
     * @param target the path on the host
     * @param mode the permission bits
     * @param owner the owner, or {@code null}
     * @param group the group, or {@code null}
     */
    record TemplateTask(Path src, PebbleTemplate template, String target, int mode, String owner, String group)
            implements Task {

        @Override
        public HostResult execute(TaskContext context) throws IOException {
            String host = context.host().name();
            Map<String, Object> vars = new HashMap<>(context.variables());
            vars.put(INVENTORY_HOSTNAME, host);
            StringWriter out = new StringWriter();
            try {
                template.evaluate(out, vars);
            } catch (RootAttributeNotFoundException e) {
                return HostResult.of(host, Status.FAILED, TASK + ": " + where(e, src.toString())
                        + ": undefined variable \"" + e.getAttributeName() + "\": the host has no such variable;"
                        + " define it (inventory data, runbook vars) or write {{ " + e.getAttributeName()
                        + " | default('...') }}");
            } catch (AttributeNotFoundException e) {
                // Pebble's own words name Java types ([java.lang.Long]): said here in the template's terms
                return HostResult.of(host, Status.FAILED, TASK + ": " + where(e, src.toString()) + ": no attribute \""
                        + e.getAttributeName() + "\": the value before it has no such key; check the host's data,"
                        + " or give a fallback with | default('...')");
            } catch (PebbleException e) {
                return HostResult.of(host, Status.FAILED, TASK + ": " + where(e, src.toString()) + ": "
                        + e.getPebbleMessage());
            }
            Path rendered = Files.createTempFile("conduit-template-", ".tmp",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            try {
                Files.writeString(rendered, out.toString(), StandardCharsets.UTF_8);
                return PutTaskPlugin.put(context, rendered, target, mode, owner, group, false, context.become());
            } finally {
                Files.deleteIfExists(rendered);
            }
        }

        @Override
        public String describe() {
            return TASK + ": " + src + " -> " + target;
        }
    }

    /** A loader that knows one template, the task's: no other file can be read through the template. */
    private static final class OneTemplate implements Loader<String> {
        private final String name;
        private final String text;

        OneTemplate(String name, String text) {
            this.name = name;
            this.text = text;
        }

        @Override
        public Reader getReader(String key) {
            if (!name.equals(key)) {
                throw new LoaderException(null, "a template reads no other file (" + key + "); put what it needs"
                        + " into this one");
            }
            return new StringReader(text);
        }

        @Override
        public void setCharset(String charset) {
            // the text is already read
        }

        @Override
        public void setPrefix(String prefix) {
            // one template, no search path
        }

        @Override
        public void setSuffix(String suffix) {
            // one template, no search path
        }

        @Override
        public String resolveRelativePath(String relativePath, String anchorPath) {
            return relativePath;
        }

        @Override
        public String createCacheKey(String templateName) {
            return templateName;
        }

        @Override
        public boolean resourceExists(String templateName) {
            return name.equals(templateName);
        }
    }
}
