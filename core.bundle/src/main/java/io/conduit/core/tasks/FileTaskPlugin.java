package io.conduit.core.tasks;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

import org.osgi.service.component.annotations.Component;

import io.conduit.api.connection.Connection;
import io.conduit.api.connection.ConnectionException;
import io.conduit.api.connection.ExecResult;
import io.conduit.api.connection.FileAccess;
import io.conduit.api.connection.OptionDescriptor;
import io.conduit.api.connection.RemoteFile;
import io.conduit.api.connection.Trace;
import io.conduit.api.support.PluginOption;
import io.conduit.api.support.ShellCommand;
import io.conduit.api.task.HostResult;
import io.conduit.api.task.Status;
import io.conduit.api.task.Task;
import io.conduit.api.task.TaskContext;
import io.conduit.api.task.TaskName;
import io.conduit.api.task.TaskPlugin;

/**
 * {@code file}: makes a path on each host be what is asked (a file, an empty file, a directory, or nothing) with
 * the mode, owner and group asked, changing only what differs. The host's path is read with one command
 * ({@link Connection#stat}, which follows a symbolic link, as Ansible's {@code file} does by default), then only the
 * differences are applied; the host is {@code CHANGED} with the reasons ({@code changed /etc/app: mode 0644 ->
 * 0600}) or {@code OK}. In check mode the same report is made and nothing is changed.
 *
 * <p>States, after Ansible's {@code file} module: {@code file} (alias {@code present}) requires a regular file to
 * exist and never creates one, so that a mistyped path fails instead of leaving an empty file where a
 * configuration was expected; {@code touch} creates an empty file when there is none (unlike Ansible's
 * {@code touch}, it never updates the times of a file that exists, so a second run reports {@code OK});
 * {@code directory} makes a directory and its missing parents (mode 0755 when {@code mode} is not given);
 * {@code absent} removes a file, a link, or a directory with everything in it.
 */
@Component(service = TaskPlugin.class)
@TaskName("file")
public final class FileTaskPlugin implements TaskPlugin {
    static final String TASK = "file";
    /** The mode of a directory made without {@code mode}: what {@code mkdir} gives under the usual umask 022. */
    static final int DIRECTORY_MODE = 0755;
    static final PluginOption<String> PATH = PluginOption.string("path", null, "The path on the host.")
            .asRequired();
    static final PluginOption<String> STATE = PluginOption.choice("state", "file", "file (or present): a regular"
            + " file must exist (never created); touch: an empty file is created when missing; directory: made"
            + " with missing parents; absent: removed, a directory with all it holds.", "file", "present", "touch",
            "directory", "absent").withShownDefault("file");
    static final PluginOption<String> MODE = PluginOption.string("mode", null, "Permission bits as octal text with"
            + " a leading 0 (0644, 0750, 01777; quote it in YAML); default: unchanged (0755 for a new directory,"
            + " the host's umask for a new file).");
    static final PluginOption<String> OWNER = PluginOption.string("owner", null, "A user name or numeric id to own"
            + " the path (usually needs become); default: unchanged.");
    static final PluginOption<String> GROUP = PluginOption.string("group", null, "A group name or numeric id for"
            + " the path; default: unchanged.");

    /** What the path is to be. */
    enum State {
        FILE, TOUCH, DIRECTORY, ABSENT
    }

    @Override
    public String description() {
        return "Makes a path a file, an empty file, a directory or absent, with a mode, owner and group.";
    }

    @Override
    public List<OptionDescriptor> parameters() {
        return TaskParameters.describe(PATH, STATE, MODE, OWNER, GROUP);
    }

    @Override
    public boolean supportsCheckMode() {
        return true;
    }

    @Override
    public Task create(Map<String, Object> parameters) {
        String path = TaskParameters.required(PATH.name(), PATH.in(parameters));
        String stateText = STATE.in(parameters);
        State state = switch (stateText == null ? "file" : stateText.toLowerCase(Locale.ROOT)) {
            case "file", "present" -> State.FILE;
            case "touch" -> State.TOUCH;
            case "directory" -> State.DIRECTORY;
            case "absent" -> State.ABSENT;
            default -> throw new IllegalArgumentException("state: \"" + stateText + "\" is not a state;"
                    + " use file, touch, directory or absent");
        };
        int mode = TaskParameters.mode(MODE.in(parameters));
        String owner = PutTaskPlugin.blankToNull(OWNER.in(parameters));
        String group = PutTaskPlugin.blankToNull(GROUP.in(parameters));
        if (state == State.ABSENT && (mode != Connection.KEEP_MODE || owner != null || group != null)) {
            throw new IllegalArgumentException("state=absent removes " + path + "; mode, owner and group"
                    + " cannot go with it");
        }
        return new FileTask(path, state, mode, owner, group);
    }

    /**
     * The file task on one host.
     *
     * @param path the path on the host
     * @param state what it is to be
     * @param mode permission bits, or {@link Connection#KEEP_MODE}
     * @param owner the owner, or {@code null}
     * @param group the group, or {@code null}
     */
    record FileTask(String path, State state, int mode, String owner, String group) implements Task {

        @Override
        public HostResult execute(TaskContext context) throws IOException {
            String host = context.host().name();
            boolean check = context.options().checkMode();
            Connection c = context.connection();
            String p = ShellCommand.quotePath(path);
            List<String> reasons = new ArrayList<>();
            if (state == State.ABSENT) {
                // [ -e ] follows links: a link to nothing is still something to remove
                ExecResult r = c.exec(HostCommands.command(context, "if [ -L " + p + " ] || [ -e " + p + " ]; then"
                        + " if [ -d " + p + " ] && [ ! -L " + p + " ]; then echo directory; else echo file; fi;"
                        + " else echo absent; fi"));
                String what = r.stdoutText().strip();
                if (r.exitCode() != 0 || what.isEmpty()) {
                    throw new ConnectionException(host + ": file: could not look at " + path + ": "
                            + HostCommands.said(r));
                }
                if (!what.equals("absent")) {
                    reasons.add(what.equals("directory") ? "directory removed with all it holds" : "removed");
                    if (!check) {
                        run(context, "rm -rf -- " + p, "remove");
                    }
                }
                return report(host, check, reasons);
            }
            FileAccess access = HostCommands.access(context);
            Optional<RemoteFile> there = c.stat(path, false, access, Trace.OFF);
            RemoteFile.Type type = there.map(RemoteFile::type).orElse(RemoteFile.Type.MISSING);
            boolean made = false;
            switch (state) {
                case FILE -> {
                    if (type == RemoteFile.Type.MISSING) {
                        throw new ConnectionException(host + ": file: no such file " + path + "; state=file does not"
                                + " create files: use state=touch for an empty one, or put or template for one"
                                + " with content");
                    }
                    requireType(host, type, RemoteFile.Type.FILE);
                }
                case TOUCH -> {
                    if (type == RemoteFile.Type.MISSING) {
                        reasons.add("new empty file");
                        made = true;
                        if (!check) {
                            // >> never truncates: a file made by someone else in between keeps its content
                            run(context, ": >> " + p, "create");
                        }
                    } else {
                        requireType(host, type, RemoteFile.Type.FILE);
                    }
                }
                case DIRECTORY -> {
                    if (type == RemoteFile.Type.MISSING) {
                        int bits = mode == Connection.KEEP_MODE ? DIRECTORY_MODE : mode;
                        reasons.add("new directory, mode " + TaskParameters.octal(bits));
                        made = true;
                        if (!check) {
                            c.makeDirectory(path, bits, access, Trace.OFF);
                        }
                    } else {
                        requireType(host, type, RemoteFile.Type.DIRECTORY);
                    }
                }
                default -> throw new IllegalStateException("state " + state);
            }
            int setMode = Connection.KEEP_MODE;
            String setOwner = null;
            String setGroup = null;
            if (made) {
                if (mode != Connection.KEEP_MODE && state == State.TOUCH) {
                    reasons.add("mode " + TaskParameters.octal(mode));
                    setMode = mode;
                }
                if (owner != null) {
                    reasons.add("owner " + owner);
                    setOwner = owner;
                }
                if (group != null) {
                    reasons.add("group " + group);
                    setGroup = group;
                }
            } else {
                RemoteFile f = there.orElseThrow();
                if (mode != Connection.KEEP_MODE && f.mode() != mode) {
                    reasons.add("mode " + TaskParameters.octal(f.mode()) + " -> " + TaskParameters.octal(mode));
                    setMode = mode;
                }
                if (owner != null && !f.ownedBy(owner)) {
                    reasons.add("owner " + f.owner() + " -> " + owner);
                    setOwner = owner;
                }
                if (group != null && !f.inGroup(group)) {
                    reasons.add("group " + f.group() + " -> " + group);
                    setGroup = group;
                }
            }
            if (!check) {
                try {
                    c.setAttributes(path, setMode, setOwner, setGroup, HostCommands.access(context), Trace.OFF);
                } catch (ConnectionException e) {
                    String said = e.getMessage();
                    boolean unknown = said.contains("invalid") || said.contains("unknown") || said.contains("no such");
                    throw new ConnectionException(host + ": file: " + said + (setOwner == null && setGroup == null
                            ? "" : unknown ? "; give a user and group that exist on the host, or their numeric ids"
                            : context.become() == null ? "; changing the owner or group usually takes root: add"
                                    + " become" : ""), e);
                }
            }
            return report(host, check, reasons);
        }

        private void requireType(String host, RemoteFile.Type type, RemoteFile.Type wanted) throws IOException {
            if (type != wanted) {
                String is = switch (type) {
                    case DIRECTORY -> "a directory";
                    case FILE -> "a regular file";
                    default -> "a device, pipe or socket";
                };
                throw new ConnectionException(host + ": file: " + path + " is " + is + ", not " + (wanted
                        == RemoteFile.Type.FILE ? "a regular file" : "a directory") + "; remove it first (state=absent)"
                        + " if it should be replaced");
            }
        }

        private void run(TaskContext context, String script, String what) throws IOException {
            ExecResult r = context.connection().exec(HostCommands.command(context, script));
            if (r.exitCode() != 0) {
                throw new ConnectionException(context.host().name() + ": file: could not " + what + " " + path + ": "
                        + HostCommands.said(r));
            }
        }

        private HostResult report(String host, boolean check, List<String> reasons) {
            if (reasons.isEmpty()) {
                return HostResult.text(host, Status.OK, "ok " + path + "\n");
            }
            return HostResult.text(host, Status.CHANGED, (check ? "would change " : "changed ") + path + ": "
                    + String.join(", ", reasons) + "\n");
        }

        @Override
        public String describe() {
            return TASK + ": " + path + " state=" + state.name().toLowerCase(Locale.ROOT);
        }
    }
}
