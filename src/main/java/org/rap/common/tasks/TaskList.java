package org.rap.common.tasks;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.function.Consumer;

/**
 * The answer of {@code GET /<backend>/tasks/}: {@code {"tasks": [<task>, ...]}} ({@link
 * AgentTask}), and its version, sent in the {@value TaskProtocol#VERSION_HEADER} header.
 */
public final class TaskList {
  private TaskList() {}

  /**
   * One listed task: its id and its JSON text.
   *
   * @param json as {@link AgentTask#json} renders it
   */
  public record Entry(String id, String json) {}

  /** The answer's body. */
  public static String render(List<Entry> tasks) {
    int size = 16;
    for (Entry t : tasks) {
      size += t.json().length() + 1;
    }
    StringBuilder body = new StringBuilder(size).append("{\"tasks\":[");
    for (int i = 0; i < tasks.size(); i++) {
      body.append(i == 0 ? "" : ",").append(tasks.get(i).json());
    }
    return body.append("]}").toString();
  }

  /**
   * The version of a list: a digest of the task ids (order-independent). The agent treats it as
   * opaque.
   */
  public static String version(List<Entry> tasks) {
    List<String> ids = new ArrayList<>();
    tasks.forEach(t -> ids.add(t.id()));
    Collections.sort(ids);
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      byte[] digest = sha.digest(String.join("\n", ids).getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest, 0, 12);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * The tasks of an answer's body. A task the agent does not understand is passed to {@code
   * ignored} with the reason and left out.
   *
   * @throws IllegalArgumentException when the body holds no {@code tasks} list
   */
  public static List<AgentTask> parse(JsonObject body, Consumer<String> ignored) {
    JsonArray tasks = body == null ? null : body.getJsonArray("tasks");
    if (tasks == null) {
      throw new IllegalArgumentException("no \"tasks\" list");
    }
    List<AgentTask> out = new ArrayList<>();
    for (Object o : tasks) {
      try {
        if (!(o instanceof JsonObject j)) {
          throw new IllegalArgumentException("task is not an object: " + o);
        }
        out.add(AgentTask.fromJson(j));
      } catch (IllegalArgumentException e) {
        ignored.accept(e.getMessage());
      }
    }
    return out;
  }
}
