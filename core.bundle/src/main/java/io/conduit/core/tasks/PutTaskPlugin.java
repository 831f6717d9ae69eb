package io.conduit.core.tasks;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.osgi.service.component.annotations.Component;

import io.conduit.api.connection.OptionDescriptor;
import io.conduit.api.support.FileNames;
import io.conduit.api.support.PluginOption;
import io.conduit.api.task.HostResult;
import io.conduit.api.task.Task;
import io.conduit.api.task.TaskContext;
import io.conduit.api.task.TaskName;
import io.conduit.api.task.TaskPlugin;
import io.conduit.core.inventory.LocalPaths;
import io.conduit.core.task.PutTask;

/**
 * {@code put}: copies a local file (or with {@code recursive} a directory) to each host, as {@code conduit:put}
 * does ({@link PutTask}: only what differs in content, mode, owner or group is changed, and the host is
 * {@code CHANGED} only then). Check mode is put's own check: the host is asked, nothing is sent. With
 * {@code --diff}, the output of a single text file also has the unified difference old to new ({@link TextDiff}).
 */
@Component(service = TaskPlugin.class)
@TaskName("put")
public final class PutTaskPlugin implements TaskPlugin {
    static final String TASK = "put";
    static final PluginOption<String> SRC = PluginOption.path("src", null, "The local file, or directory with"
            + " recursive: ~/ is your home, a relative path is read from the directory Conduit's command runs in.")
            .asRequired();
    static final PluginOption<String> DEST = PluginOption.string("dest", null, "Where to write it on the host;"
            + " a path ending in / means into that directory, under the local name.").asRequired();
    static final PluginOption<String> MODE = PluginOption.string("mode", null, "The files' permission bits as"
            + " octal text with a leading 0 (0644, 0600; quote it in YAML); default: each local file's own mode.");
    static final PluginOption<String> OWNER = PluginOption.string("owner", null, "A user name or numeric id to"
            + " own what is written (usually needs become); default: unchanged, the writing user's for new files.");
    static final PluginOption<String> GROUP = PluginOption.string("group", null, "A group name or numeric id for"
            + " what is written; default: unchanged, the writing user's group for new files.");
    static final PluginOption<Boolean> RECURSIVE = PluginOption.bool("recursive", false, "Copy a directory and"
            + " what it holds (files on the host that the local tree lacks are left alone).").withShownDefault("false");

    @Override
    public String description() {
        return "Copies a local file or directory to each host, changing only what differs.";
    }

    @Override
    public List<OptionDescriptor> parameters() {
        return TaskParameters.describe(SRC, DEST, MODE, OWNER, GROUP, RECURSIVE);
    }

    @Override
    public boolean supportsCheckMode() {
        return true;
    }

    @Override
    public Task create(Map<String, Object> parameters) {
        String srcText = TaskParameters.required(SRC.name(), SRC.in(parameters));
        Path src;
        try {
            src = LocalPaths.typed(srcText);
        } catch (InvalidPathException e) {
            throw new IllegalArgumentException("src: \"" + srcText + "\" is not a path here");
        }
        boolean recursive = Boolean.TRUE.equals(RECURSIVE.in(parameters));
        if (!Files.exists(src)) {
            throw new IllegalArgumentException("src: no such file " + src);
        }
        if (Files.isDirectory(src) && !recursive) {
            throw new IllegalArgumentException("src: " + src + " is a directory; add recursive=true to copy"
                    + " it and what it holds");
        }
        String dest = TaskParameters.required(DEST.name(), DEST.in(parameters));
        int mode = TaskParameters.mode(MODE.in(parameters));
        return new Put(src, dest, mode, blankToNull(OWNER.in(parameters)), blankToNull(GROUP.in(parameters)),
                recursive);
    }

    static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.strip();
    }

    /**
     * A put with the context's become, check mode and diff.
     *
     * @param src the local file or directory
     * @param dest the path on the host, as given
     * @param mode permission bits, or {@code KEEP_MODE}
     * @param owner the owner to set, or {@code null}
     * @param group the group to set, or {@code null}
     * @param recursive copy a directory
     */
    record Put(Path src, String dest, int mode, String owner, String group, boolean recursive) implements Task {
        @Override
        public HostResult execute(TaskContext context) throws IOException {
            return put(context, src, FileNames.intoDirectory(dest, src.getFileName().toString()), mode, owner, group,
                    recursive, context.become());
        }

        @Override
        public String describe() {
            return TASK + ": " + src + " -> " + dest;
        }
    }

    /**
     * The put of the shell's {@code conduit:put}: the same task as {@code task put}, so that {@code --check} and
     * {@code --diff} give the same output on both (check mode and the diff come from the run's options).
     *
     * @param local the local file, or directory with {@code recursive}
     * @param remotePath where to write it on the host; ending in {@code /}: into that directory, under the local name
     * @param mode permission bits {@code 0} to {@code 07777}, or {@code Connection.KEEP_MODE} for the local file's
     * @param owner the owner to set, or {@code null}
     * @param group the group to set, or {@code null}
     * @param recursive copy a directory and what it holds
     * @param become read and write as this user, or {@code null} for the context's become (none in the shell)
     * @return the task, for any number of hosts
     */
    public static Task shellPut(Path local, String remotePath, int mode, String owner, String group,
            boolean recursive, io.conduit.api.connection.Become become) {
        return new Task() {
            @Override
            public HostResult execute(TaskContext context) throws IOException {
                return put(context, local, FileNames.intoDirectory(remotePath, local.getFileName().toString()), mode,
                        owner, group, recursive, become != null ? become : context.become());
            }

            @Override
            public String describe() {
                return TASK + ": " + local + " -> " + remotePath;
            }
        };
    }

    /**
     * Puts one file or tree with the given become and the context's check mode, adding the diff when asked for a
     * single file.
     *
     * @param context the host's context
     * @param local the local file
     * @param target the resolved path on the host
     * @param mode permission bits, or {@code KEEP_MODE}
     * @param owner the owner, or {@code null}
     * @param group the group, or {@code null}
     * @param recursive a tree
     * @param become the user to read and write as, or {@code null}
     * @return put's result, with the diff after its lines
     * @throws IOException as {@link PutTask#execute}
     */
    static HostResult put(TaskContext context, Path local, String target, int mode, String owner, String group,
            boolean recursive, io.conduit.api.connection.Become become) throws IOException {
        boolean check = context.options().checkMode();
        // the diff is read before the put changes the file
        String diff = context.options().diffMode() && !Files.isDirectory(local)
                ? TextDiff.forPut(context, become, local, target) : "";
        HostResult r = new PutTask(local, target, mode, owner, group, recursive, check, become)
                .execute(context);
        return diff.isEmpty() ? r : HostResult.text(r.host(), r.status(), r.stdoutText() + diff);
    }
}
