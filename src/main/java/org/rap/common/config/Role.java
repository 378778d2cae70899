package org.rap.common.config;

import java.util.List;
import java.util.Locale;

/** Which verticles a process deploys. */
public enum Role {
  CONTROLLER,
  AGENT,
  ALL;

  public boolean runsController() {
    return this != AGENT;
  }

  public boolean runsAgent() {
    return this != CONTROLLER;
  }

  /** Default files layered for this role, lowest priority first. */
  List<String> defaultFiles() {
    return switch (this) {
      case CONTROLLER -> List.of("conf/common.yaml", "conf/controller.yaml");
      case AGENT -> List.of("conf/common.yaml", "conf/agent.yaml");
      case ALL ->
          List.of("conf/common.yaml", "conf/controller.yaml", "conf/agent.yaml", "conf/all.yaml");
    };
  }

  public String value() {
    return name().toLowerCase(Locale.ROOT);
  }
}
