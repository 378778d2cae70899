package org.rap.controller.planning;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.rap.common.pipeline.Action;
import org.rap.common.pipeline.Pipeline;
import org.rap.common.pipeline.PipelineParser;
import org.rap.common.pipeline.ProjectValidationError;
import org.rap.common.text.Shell;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

/**
 * A tiny stand-in for the real project.yaml parser (which lives on another branch): builds {@link
 * Pipeline} records from the simple files these tests write, with no validation beyond a marker
 * that makes it fail like the real one does.
 */
final class FakeProjectParser implements PipelineParser {
  static final String INVALID_MESSAGE =
      "Invalid project: \n`version` must be a number between 1 and 5";

  @Override
  @SuppressWarnings("unchecked")
  public Pipeline parse(String yamlText) throws ProjectValidationError {
    Map<String, Object> doc =
        (Map<String, Object>) new Load(LoadSettings.builder().build()).loadFromString(yamlText);
    if (!"4".equals(String.valueOf(doc.get("version")))) {
      throw new ProjectValidationError(INVALID_MESSAGE);
    }
    Map<String, Action> actions = new LinkedHashMap<>();
    Map<String, Object> raw = (Map<String, Object>) doc.get("actions");
    raw.forEach(
        (name, value) -> {
          Map<String, Object> a = (Map<String, Object>) value;
          List<String> run = Shell.split((String) a.get("run"));
          List<String> needs = a.get("needs") == null ? List.of() : (List<String>) a.get("needs");
          Map<String, Map<String, String>> outputs =
              a.get("outputs") == null
                  ? Map.of()
                  : (Map<String, Map<String, String>>) a.get("outputs");
          actions.put(
              name,
              new Action(
                  name,
                  run,
                  needs,
                  outputs,
                  (Map<String, Object>) a.get("config"),
                  null,
                  DatabaseActions.isDatabaseAction(run)));
        });
    return new Pipeline(4.0, actions, null, List.of());
  }
}
