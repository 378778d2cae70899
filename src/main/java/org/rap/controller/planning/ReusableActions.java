package org.rap.controller.planning;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.regex.Pattern;
import org.rap.common.git.GitException;
import org.rap.common.git.GitFileNotFoundException;
import org.rap.common.git.GitRepos;
import org.rap.common.git.GitUnknownRefException;
import org.rap.common.git.RepositoryValidationException;
import org.rap.common.git.RepositoryValidator;
import org.rap.common.model.Job;
import org.rap.common.text.Shell;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;
import org.snakeyaml.engine.v2.schema.CoreSchema;

/**
 * Resolves reusable actions (docs/spec/scheduling.md section 6.7): a job whose image is not an
 * allowed runtime runs the {@code action.yaml} command of {@code <actions base>/<image>} at the
 * commit of tag {@code <version>}, which must be merged into {@code main}.
 *
 * <p><b>Blocking</b> (git): call from a worker. One instance per request: resolutions are cached by
 * (image, tag).
 */
public final class ReusableActions {
  private static final Logger LOG = Logger.getLogger(ReusableActions.class.getName());
  private static final Pattern REPO_NAME = Pattern.compile("[A-Za-z0-9._-]+");

  private final GitRepos repos;
  private final RepositoryValidator validator;
  private final PlanningConfig config;
  private final Map<String, Object> cache = new HashMap<>();

  public ReusableActions(GitRepos repos, PlanningConfig config) {
    this.repos = repos;
    this.validator = new RepositoryValidator(repos);
    this.config = config;
  }

  /** An error with a study-developer-friendly message (before the action prefix). */
  static final class ReusableActionError extends Exception {
    ReusableActionError(String message) {
      super(message);
    }
  }

  /** A resolved action: where it lives and the command it runs. */
  record Resolved(String repoUrl, String commit, List<String> runArgs) {}

  /**
   * Whether every job runs an allowed image, so that {@link #resolve} returns the jobs unchanged
   * without any git work (it may then be called on an event loop). False when in doubt.
   */
  public boolean allAllowed(List<Job> jobs) {
    for (Job job : jobs) {
      try {
        if (!config.allowedImages().contains(imageName(Shell.split(job.runCommand()).get(0)))) {
          return false;
        }
      } catch (RuntimeException e) {
        return false; // resolve reports it
      }
    }
    return true;
  }

  /** The image of a run command's first word, {@code <image>[:<tag>]}. */
  private static String imageName(String first) {
    int colon = first.indexOf(':');
    return colon < 0 ? first : first.substring(0, colon);
  }

  /**
   * The jobs with reusable actions rewritten (others unchanged), in order. The first failure
   * aborts: {@code in '<action>: <image:tag>' <reason>}.
   */
  public List<Job> resolve(List<Job> jobs) throws JobCreationException {
    List<Job> out = new ArrayList<>(jobs.size());
    for (Job job : jobs) {
      out.add(resolve(job));
    }
    return out;
  }

  private Job resolve(Job job) throws JobCreationException {
    List<String> args = Shell.split(job.runCommand());
    String first = args.get(0);
    int colon = first.indexOf(':');
    String image = imageName(first);
    String tag = colon < 0 ? null : first.substring(colon + 1);
    if (config.allowedImages().contains(image)) {
      return job;
    }
    Resolved resolved;
    try {
      resolved = cached(image, tag);
    } catch (ReusableActionError e) {
      String context = job.action() + ": " + job.runCommand().strip().split("\\s+")[0];
      throw new JobCreationException("in '" + context + "' " + e.getMessage(), e);
    }
    List<String> newArgs = new ArrayList<>(resolved.runArgs());
    newArgs.addAll(args.subList(1, args.size()));
    return job.withSpec(
        job.spec().withReusableAction(resolved.repoUrl(), resolved.commit(), Shell.join(newArgs)));
  }

  private Resolved cached(String image, String tag) throws ReusableActionError {
    String key = image + ":" + tag;
    Object hit = cache.get(key);
    if (hit instanceof Resolved r) {
      return r;
    }
    if (hit instanceof ReusableActionError e) {
      throw new ReusableActionError(e.getMessage());
    }
    try {
      Resolved r = fetch(image, tag);
      cache.put(key, r);
      return r;
    } catch (ReusableActionError e) {
      cache.put(key, e);
      throw e;
    }
  }

  private Resolved fetch(String image, String tag) throws ReusableActionError {
    String repoUrl = config.actionsRepoBase() + "/" + image;
    if (!REPO_NAME.matcher(image).matches() || image.equals(".") || image.equals("..")) {
      throw new ReusableActionError("'" + image + "' contains invalid characters");
    }
    if (!config.isLocal()) {
      try {
        RepositoryValidator.validateRepoUrl(repoUrl, List.of(config.actionsOrg()));
      } catch (RepositoryValidationException e) {
        throw new ReusableActionError("'" + image + "' contains invalid characters");
      }
    } else if (!repos.settings().allowLocalGitRepos()) {
      throw new ReusableActionError(
          "could not find a repo at "
              + repoUrl
              + " (local action repositories need ALLOW_LOCAL_GIT_REPOS)");
    }
    if (tag == null || tag.isEmpty()) {
      throw new ReusableActionError(
          "'" + (tag == null ? "" : tag) + "' is not a tag listed in " + repoUrl + "/tags");
    }

    String commit;
    try {
      commit = repos.shaOfRemoteRef(repoUrl, tag);
    } catch (GitUnknownRefException e) {
      throw new ReusableActionError("'" + tag + "' is not a tag listed in " + repoUrl + "/tags");
    } catch (GitException e) {
      // an unreachable repository and any other git failure read the same to the researcher
      throw new ReusableActionError(
          "could not find a repo at "
              + repoUrl
              + "\n"
              + "Check that '"
              + image
              + "' is in the list of available actions at "
              + "https://actions.opensafely.org");
    }

    try {
      validator.validateBranchAndCommit(repoUrl, commit, "main");
    } catch (RepositoryValidationException e) {
      throw new ReusableActionError(
          "tag '" + tag + "' has not yet been approved for use (not merged into main branch)");
    } catch (GitException e) {
      LOG.log(
          Level.WARNING, "error validating " + commit + " in " + repoUrl + ": " + e.getMessage());
      throw new ReusableActionError("error validating '" + commit + "' in " + repoUrl);
    }

    byte[] actionFile;
    try {
      actionFile = repos.readFile(repoUrl, commit, "action.yaml");
    } catch (GitFileNotFoundException e) {
      throw new ReusableActionError(
          repoUrl
              + "/tree/"
              + tag
              + " doesn't look like a valid action (no 'action.yaml' file present)");
    } catch (GitException e) {
      LOG.log(
          Level.WARNING, "error reading " + commit + " from " + repoUrl + ": " + e.getMessage());
      throw new ReusableActionError("error reading '" + commit + "' from " + repoUrl);
    }

    try {
      return new Resolved(repoUrl, commit, runArgs(actionFile));
    } catch (InvalidAction e) {
      throw new ReusableActionError(
          "invalid action, please open an issue on "
              + repoUrl
              + "/issues\n\n"
              + indent(e.type + ": " + e.getMessage(), "  "));
    }
  }

  /** A problem in {@code action.yaml}, reported with the reference's error type name. */
  private static final class InvalidAction extends Exception {
    final String type;

    InvalidAction(String type, String message) {
      super(message);
      this.type = type;
    }
  }

  private List<String> runArgs(byte[] actionFile) throws InvalidAction {
    Object doc;
    try {
      Load load =
          new Load(
              LoadSettings.builder().setSchema(new CoreSchema()).setLabel("action.yaml").build());
      doc = load.loadFromString(new String(actionFile, StandardCharsets.UTF_8));
    } catch (YamlEngineException e) {
      throw new InvalidAction("YAMLError", e.getClass().getSimpleName() + " " + e.getMessage());
    }
    if (!(doc instanceof Map<?, ?> map) || !map.containsKey("run")) {
      throw new InvalidAction("ReusableActionError", "Missing `run` key in 'action.yaml'");
    }
    Object run = map.get("run");
    if (!(run instanceof String runText)) {
      throw new InvalidAction("ReusableActionError", "`run` in 'action.yaml' must be a string");
    }
    List<String> args;
    try {
      args = Shell.split(runText);
    } catch (Shell.SplitException e) {
      throw new InvalidAction("ValueError", e.getMessage());
    }
    if (args.isEmpty()) {
      throw new InvalidAction("ReusableActionError", "Missing `run` key in 'action.yaml'");
    }
    String runtime = args.get(0);
    int colon = runtime.indexOf(':');
    String actionImage = colon < 0 ? runtime : runtime.substring(0, colon);
    if (!config.allowedImages().contains(actionImage)) {
      throw new InvalidAction("ReusableActionError", "Unrecognised runtime: " + actionImage);
    }
    if (DatabaseActions.isDatabaseAction(args)) {
      throw new InvalidAction(
          "ReusableActionError", "Re-usable actions cannot run commands which access the database");
    }
    return args;
  }

  /** Python's {@code textwrap.indent}: prefix every line that is not blank. */
  static String indent(String text, String prefix) {
    StringBuilder out = new StringBuilder();
    for (String line : text.split("(?<=\n)", -1)) {
      out.append(line.isBlank() ? line : prefix + line);
    }
    return out.toString();
  }
}
