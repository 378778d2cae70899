package org.rap.common.pipeline;

import java.util.List;
import java.util.Map;

/**
 * One validated action of a project.yaml.
 *
 * @param name the action name
 * @param run the {@code run} command split as a POSIX shell would; {@code run.get(0)} is {@code
 *     image:version} (or a bare image name)
 * @param needs names of actions whose outputs this one reads, in file order
 * @param outputs {@code {privacy_level: {output_name: pattern}}} in file order
 * @param config the {@code config} mapping, or null when absent
 * @param dummyDataFile the {@code dummy_data_file} value, or null
 * @param databaseAction whether the action accesses the database (docs/spec/project-yaml.md section
 *     9)
 */
public record Action(
    String name,
    List<String> run,
    List<String> needs,
    Map<String, Map<String, String>> outputs,
    Map<String, Object> config,
    String dummyDataFile,
    boolean databaseAction) {

  /** Image name: the first token before ':'. */
  public String imageName() {
    String first = run.get(0);
    int colon = first.indexOf(':');
    return colon < 0 ? first : first.substring(0, colon);
  }

  /** Image version: the first token after ':', or null when there is none. */
  public String imageVersion() {
    String first = run.get(0);
    int colon = first.indexOf(':');
    return colon < 0 ? null : first.substring(colon + 1);
  }

  /**
   * The {@code config} mapping as Python's {@code json.dumps} renders it, or null when there is no
   * config (the run command appends {@code --config <this>}, docs/spec/scheduling.md section 6.6).
   */
  public String configJson() {
    return config == null ? null : PythonJson.dumps(config);
  }
}
