/**
 * Filing a finished job's outputs (docs/spec/agent-executor.md sections 6, 7 and 10): pattern
 * matching ({@link org.rap.agent.outputs.OutputGlob}, {@link org.rap.agent.outputs.OutputMatcher}),
 * copies to the high- and medium-privacy workspaces with the level-4 checks ({@link
 * org.rap.agent.outputs.OutputPersister}, {@link org.rap.agent.outputs.Level4Checker}), {@code
 * manifest.json} ({@link org.rap.agent.outputs.Manifest}), {@code logs.txt} ({@link
 * org.rap.agent.outputs.JobLog}), environment and results redaction ({@link
 * org.rap.agent.outputs.EnvRedactor}, {@link org.rap.agent.outputs.ResultsRedactor}), secret values
 * in what a job writes ({@link org.rap.agent.outputs.SecretRedactor}). Every path goes through
 * {@link org.rap.agent.outputs.SafePaths} (no {@code ..}, absolute paths or escaping symlinks) and
 * is built from the name's bytes ({@link org.rap.agent.outputs.RawPaths}, whatever the JVM's
 * locale); which names can be outputs, and how names are shown safely, is {@link
 * org.rap.agent.outputs.OutputNames}; every file is written with {@link
 * org.rap.agent.outputs.AtomicFiles}.
 */
package org.rap.agent.outputs;
