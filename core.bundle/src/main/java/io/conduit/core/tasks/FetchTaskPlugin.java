package io.conduit.core.tasks;

import java.io.IOException;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.osgi.service.component.annotations.Component;

import io.conduit.api.connection.OptionDescriptor;
import io.conduit.api.support.PluginOption;
import io.conduit.api.task.HostResult;
import io.conduit.api.task.Task;
import io.conduit.api.task.TaskContext;
import io.conduit.api.task.TaskName;
import io.conduit.api.task.TaskPlugin;
import io.conduit.core.inventory.LocalPaths;
import io.conduit.core.task.FetchTask;

/**
 * {@code fetch}: copies a file (or with {@code recursive} a directory) from each host to {@code dest/HOST/NAME}
 * here, as {@code conduit:fetch} does ({@link FetchTask}). It changes nothing on the hosts, so it reports
 * {@code OK}. Check mode is supported: the host is asked what the path is (a missing file or a directory without
 * {@code recursive} fails as it would), and nothing is written here; the output says where it would go. Check mode
 * promises that nothing changes, and a fetch changes files here, so even that side is left alone.
 */
@Component(service = TaskPlugin.class)
@TaskName("fetch")
public final class FetchTaskPlugin implements TaskPlugin {
    static final String TASK = "fetch";
    static final PluginOption<String> SRC = PluginOption.string("src", null, "The file (or directory, with"
            + " recursive) on the host; a symbolic link is followed.").asRequired();
    static final PluginOption<String> DEST = PluginOption.path("dest", null, "The local directory to fetch into:"
            + " each host's copy goes to DEST/HOST/NAME, so hosts never overwrite each other; a relative path is"
            + " read from the directory Conduit's command runs in.").asRequired();
    static final PluginOption<Boolean> RECURSIVE = PluginOption.bool("recursive", false, "Copy a directory and"
            + " what it holds.").withShownDefault("false");

    @Override
    public String description() {
        return "Copies a file or directory from each host to DEST/HOST/NAME here.";
    }

    @Override
    public List<OptionDescriptor> parameters() {
        return TaskParameters.describe(SRC, DEST, RECURSIVE);
    }

    @Override
    public boolean supportsCheckMode() {
        return true;
    }

    @Override
    public Task create(Map<String, Object> parameters) {
        String src = TaskParameters.required(SRC.name(), SRC.in(parameters));
        String destText = TaskParameters.required(DEST.name(), DEST.in(parameters));
        Path dest;
        try {
            dest = LocalPaths.typed(destText);
        } catch (InvalidPathException e) {
            throw new IllegalArgumentException("dest: \"" + destText + "\" is not a path here");
        }
        return new Fetch(src, dest, Boolean.TRUE.equals(RECURSIVE.in(parameters)));
    }

    /**
     * @param src the path on the host
     * @param dest the local directory
     * @param recursive copy a directory
     */
    record Fetch(String src, Path dest, boolean recursive) implements Task {
        @Override
        public HostResult execute(TaskContext context) throws IOException {
            // one path with the shell's fetch: check mode asks the host and writes nothing here (FetchTask)
            return new FetchTask(src, dest, recursive, context.become(), context.options().checkMode())
                    .execute(context);
        }

        @Override
        public String describe() {
            return TASK + ": " + src + " -> " + dest;
        }
    }
}
