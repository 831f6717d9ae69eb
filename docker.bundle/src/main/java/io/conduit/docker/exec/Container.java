package io.conduit.docker.exec;

import java.time.Duration;
import java.util.Locale;

import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.exception.ConflictException;
import com.github.dockerjava.api.exception.DockerException;

import io.conduit.api.connection.ConnectFailedException;
import io.conduit.api.connection.ConnectionException;
import io.conduit.docker.client.DockerClients;

/**
 * One running container as a connection found it when it opened: the daemon's client, the container's id and name,
 * the exec user, the working directory, and the words for what the daemon says about it. Immutable; the exec and
 * transfer classes of one connection share it.
 *
 * @param client the daemon's client
 * @param host the inventory host, for the log
 * @param name the container's name as {@code docker ps} shows it (the inventory may have given its id)
 * @param id the container's full id
 * @param user the exec user from the inventory ({@code user} option or username), or {@code null}: the image's
 * @param imageUser the image's user ({@code Config.User}), or {@code null} or blank: root
 * @param workingDir the container's working directory ({@code Config.WorkingDir}, {@code /} when empty)
 * @param killGrace how long the fallback kill looks for the command's processes; positive
 */
public record Container(DockerClients.Client client, String host, String name, String id, String user,
        String imageUser, String workingDir, Duration killGrace) {

    /** @return the daemon's address, for messages */
    public String address() {
        return client.endpoint().address();
    }

    /** @return the first 12 characters of the id, as {@code docker ps} shows it */
    public String shortId() {
        return id == null ? "?" : id.substring(0, Math.min(12, id.length()));
    }

    /**
     * @param e what docker-java threw
     * @return whether it says the container no longer exists
     */
    public static boolean isGone(RuntimeException e) {
        return String.valueOf(e.getMessage()).toLowerCase(Locale.ROOT).contains("no such container");
    }

    /**
     * Maps a failed docker-java call on this container to the API's exceptions (removed, paused, stopped, refused,
     * or the daemon unreachable).
     *
     * @param e what docker-java threw
     * @return the exception to throw
     */
    public ConnectionException problem(RuntimeException e) {
        if (e instanceof DockerException d) {
            return problem(d.getHttpStatus(), d.getMessage(), e);
        }
        return DockerClients.describe(e, client.endpoint());
    }

    /**
     * Maps a refusal of the daemon ({@code status} and its message) to the API's exceptions.
     *
     * @param status the HTTP status
     * @param message the daemon's message
     * @param e the cause
     * @return the exception to throw
     */
    public ConnectionException problem(int status, String message, Exception e) {
        String text = String.valueOf(message).trim();
        String lower = text.toLowerCase(Locale.ROOT);
        if (status == 404 && lower.contains("no such container")) {
            return new ConnectFailedException("container \"" + name + "\" (" + shortId() + ") no longer exists on "
                    + address() + "; it was removed", e);
        }
        if (lower.contains("is paused")) {
            // the daemon refuses every exec in a paused container (409 "Container x is paused, unpause the
            // container before exec"); it is not stopped, and docker start would not help
            return new ConnectFailedException(paused(), e);
        }
        if (status == 409 || lower.contains("is not running")) {
            return new ConnectFailedException("container \"" + name + "\" on " + address()
                    + " is not running any more (" + text + "); start it with: docker start " + name, e);
        }
        if (e instanceof ConflictException || e instanceof DockerException) {
            return new ConnectionException("docker daemon at " + address() + " refused a call for"
                    + " container \"" + name + "\": " + status + " " + text, e);
        }
        return DockerClients.describe(e, client.endpoint());
    }

    /** @return the words for a paused container, the same for exec, put and fetch */
    public String paused() {
        return "container \"" + name + "\" on " + address() + " is paused (docker pause); resume"
                + " it with: docker unpause " + name;
    }

    /**
     * Whether the container is paused now (one inspect call).
     *
     * @return {@code false} also when the inspection fails: the caller's own call then reports that
     */
    public boolean isPaused() {
        try {
            InspectContainerResponse info = client.api().inspectContainerCmd(id).exec();
            return info.getState() != null && Boolean.TRUE.equals(info.getState().getPaused());
        } catch (RuntimeException e) {
            return false;
        }
    }

    /**
     * Whether the container is running and not paused now (one inspect call).
     *
     * @return {@code false} also when the inspection fails
     */
    public boolean isRunning() {
        try {
            InspectContainerResponse info = client.api().inspectContainerCmd(id).exec();
            return info.getState() != null && Boolean.TRUE.equals(info.getState().getRunning())
                    && !Boolean.TRUE.equals(info.getState().getPaused());
        } catch (RuntimeException e) {
            return false;
        }
    }

    /**
     * @param d a duration
     * @return it in whole seconds ({@code 5s}) or else milliseconds ({@code 1500ms}), for messages
     */
    public static String seconds(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + "s" : d.toMillis() + "ms";
    }
}
