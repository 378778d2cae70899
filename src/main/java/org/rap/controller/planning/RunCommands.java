package org.rap.controller.planning;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.rap.common.pipeline.Action;
import org.rap.common.pipeline.PythonJson;
import org.rap.common.text.Shell;

/** An action's {@code run_command} (docs/spec/scheduling.md section 6.6). */
final class RunCommands {
  private RunCommands() {}

  /**
   * The shell-quoted join of the action's {@code run} tokens; when it has a non-empty {@code
   * config} mapping, {@code --config} and the mapping's JSON (every {@code '} as {@code \}{@code
   * u0027}) are appended first.
   */
  static String of(Action action) {
    List<String> parts = new ArrayList<>(action.run());
    Map<String, Object> config = action.config();
    if (config != null && !config.isEmpty()) {
      parts.add("--config");
      parts.add(configJson(config));
    }
    return Shell.join(parts);
  }

  static String configJson(Map<String, Object> config) {
    return PythonJson.dumps(config).replace("'", "\\u0027");
  }
}
