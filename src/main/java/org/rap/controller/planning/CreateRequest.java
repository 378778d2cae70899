package org.rap.controller.planning;

import java.util.List;
import java.util.Map;

/**
 * A RAP create request (docs/spec/rap-api.md section 6.1), already schema-validated.
 *
 * @param analysisScope the request's {@code analysis_scope}; null becomes {@code {}}
 */
public record CreateRequest(
    String backend,
    String rapId,
    String workspace,
    String repoUrl,
    String branch,
    String commit,
    String databaseName,
    List<String> requestedActions,
    boolean codelistsOk,
    boolean forceRunDependencies,
    String createdBy,
    String project,
    List<String> orgs,
    Map<String, Object> analysisScope) {

  public CreateRequest {
    requestedActions = List.copyOf(requestedActions);
    orgs = List.copyOf(orgs);
    analysisScope = analysisScope == null ? Map.of() : analysisScope;
  }
}
