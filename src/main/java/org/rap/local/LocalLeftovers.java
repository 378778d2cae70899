package org.rap.local;

import com.github.dockerjava.api.exception.NotFoundException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.rap.agent.executor.docker.DockerApi;
import org.rap.agent.executor.docker.HardenedContainer;

/**
 * What an earlier run of the same study left when it was killed (or ran with {@code --debug}): its
 * job containers and job volumes. Called with the study's run lock held, so no other run of this
 * study is using them. Only containers carrying the local executor's label, this study's workspace
 * label and a job volume of this very study directory are touched: runs of other studies, and
 * anything else on the engine, never are.
 */
public final class LocalLeftovers {
  /** What was removed. */
  public record Removed(List<String> containers, int volumes) {
    public boolean any() {
      return !containers.isEmpty() || volumes > 0;
    }
  }

  private LocalLeftovers() {}

  public static Removed removeAll(DockerApi docker, LocalWorkspace workspace) throws IOException {
    Path volumes = workspace.volumesDir().toAbsolutePath().normalize();
    List<String> removed = new ArrayList<>();
    JsonArray candidates =
        docker.containers(Map.of(HardenedContainer.LABEL, "", "workspace", workspace.name()));
    for (Object o : candidates) {
      JsonObject c = (JsonObject) o;
      boolean mine = false;
      for (Object m : c.getJsonArray("Mounts", new JsonArray())) {
        String source = ((JsonObject) m).getString("Source");
        if (source != null && Path.of(source).normalize().startsWith(volumes)) {
          mine = true;
        }
      }
      if (!mine) {
        continue;
      }
      JsonArray names = c.getJsonArray("Names", new JsonArray());
      String name = names.isEmpty() ? c.getString("Id") : names.getString(0);
      try {
        docker.removeContainer(c.getString("Id"));
        removed.add(name.startsWith("/") ? name.substring(1) : name);
      } catch (NotFoundException e) {
        // gone meanwhile
      }
    }
    int dirs = 0;
    if (Files.isDirectory(volumes)) {
      try (Stream<Path> s = Files.list(volumes)) {
        for (Path dir : s.toList()) {
          deleteTree(dir);
          dirs++;
        }
      }
    }
    return new Removed(removed, dirs);
  }

  /** Deletes a directory tree (nothing when it does not exist). */
  public static void deleteTree(Path root) throws IOException {
    if (!Files.exists(root)) {
      return;
    }
    Files.walkFileTree(
        root,
        new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult visitFile(Path file, BasicFileAttributes attrs)
              throws IOException {
            Files.deleteIfExists(file);
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult postVisitDirectory(Path dir, IOException exc) throws IOException {
            Files.deleteIfExists(dir);
            return FileVisitResult.CONTINUE;
          }
        });
  }
}
