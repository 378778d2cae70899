package org.rap.agent.executor.docker;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** Docker call operations are path templates: no ids, names or image references as labels. */
class TimedDockerHttpClientTest {
  @Test
  void operationsHideIdsAndNames() {
    assertEquals(
        "POST containers/create",
        TimedDockerHttpClient.operation("POST", "/containers/create?name=os-job-abc"));
    assertEquals(
        "POST containers/start",
        TimedDockerHttpClient.operation("POST", "/v1.41/containers/os-job-abc/start"));
    assertEquals(
        "GET containers/json", TimedDockerHttpClient.operation("GET", "/containers/0123abcd/json"));
    assertEquals(
        "GET containers/json", TimedDockerHttpClient.operation("GET", "/containers/json?all=1"));
    assertEquals(
        "DELETE containers/{id}",
        TimedDockerHttpClient.operation("DELETE", "/containers/os-job-abc?force=1"));
    assertEquals(
        "GET images/json",
        TimedDockerHttpClient.operation("GET", "/images/ghcr.io/opensafely-core/python:v2/json"));
    assertEquals(
        "DELETE images/{id}",
        TimedDockerHttpClient.operation("DELETE", "/images/ghcr.io/opensafely-core/python:v2"));
    assertEquals("GET _ping", TimedDockerHttpClient.operation("GET", "/_ping"));
    assertEquals(
        "POST containers/wait", TimedDockerHttpClient.operation("POST", "/containers/abc/wait"));
  }
}
