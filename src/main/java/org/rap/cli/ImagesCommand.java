package org.rap.cli;

import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import org.rap.agent.executor.ExecutorSettings;
import org.rap.agent.executor.docker.DockerApi;
import org.rap.agent.executor.docker.ImageResolver;
import org.rap.common.model.JobImages;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code rap images pull [IMAGE...]}: fetch job images on an agent host before jobs need them. */
@Command(
    name = "images",
    mixinStandardHelpOptions = true,
    description = "Job images on this agent's host.",
    subcommands = {ImagesCommand.Pull.class})
public final class ImagesCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    spec.commandLine().usage(spec.commandLine().getOut());
    return 2;
  }

  @Command(
      name = "pull",
      mixinStandardHelpOptions = true,
      description = {
        "Pull the job images through DOCKER_PROXY (each within IMAGE_PULL_TIMEOUT, 3 attempts),",
        "so the first jobs of a new or upgraded backend do not wait for them. Jobs pinned to a",
        "digest then find it locally. Exits 1 when an image could not be pulled."
      })
  static final class Pull implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin ConfigOption config;

    @Parameters(
        paramLabel = "IMAGE",
        arity = "0..*",
        description =
            "name:tag of the images (default: every runtime image and the database utility image).")
    List<String> images;

    @Override
    public Integer call() {
      return AgentCommands.run(
          spec,
          config,
          (ac, out, err) -> {
            if (!ac.pullsImages()) {
              err.println(
                  "This agent never pulls images (LOCAL_IMAGES_ONLY=true or DOCKER_PROXY=none):"
                      + " build or load them locally instead.");
              return 2;
            }
            List<String> wanted = images == null || images.isEmpty() ? JobImages.PRE_PULL : images;
            for (String image : wanted) {
              if (!image.matches("[a-z0-9][a-z0-9._/-]*(:[A-Za-z0-9_][A-Za-z0-9_.-]*)?")) {
                err.println("Not an image name:tag: '" + image + "'");
                return 2;
              }
            }
            ExecutorSettings settings = ExecutorSettings.from(ac);
            try (DockerApi docker = DockerApi.connect()) {
              ImageResolver resolver = new ImageResolver(() -> docker, settings);
              return pullAll(resolver, wanted, settings, out);
            }
          });
    }

    private static int pullAll(
        ImageResolver resolver, List<String> wanted, ExecutorSettings settings, PrintWriter out) {
      out.println(
          "Pulling "
              + wanted.size()
              + " image(s) through "
              + settings.dockerProxy()
              + " (at most "
              + settings.imagePullTimeout().toSeconds()
              + " s per attempt)");
      out.flush();
      int failed = 0;
      int width = wanted.stream().mapToInt(String::length).max().orElse(0);
      for (String image : wanted) {
        long started = System.nanoTime();
        String name = image.contains(":") ? image : image + ":latest";
        ImageResolver.PrePulled r = resolver.prePull(name);
        String took = String.format("%.1f s", (System.nanoTime() - started) / 1e9);
        String pad = " ".repeat(width - image.length());
        if (r.id().isPresent()) {
          out.println("  " + image + pad + "  pulled " + r.id().get() + " (" + took + ")");
        } else {
          failed++;
          out.println("  " + image + pad + "  FAILED: " + r.error() + " (" + r.ref() + ")");
        }
        out.flush();
      }
      out.println((wanted.size() - failed) + " of " + wanted.size() + " image(s) pulled");
      return failed == 0 ? 0 : 1;
    }
  }
}
