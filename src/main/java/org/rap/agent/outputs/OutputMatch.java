package org.rap.agent.outputs;

import java.util.List;
import java.util.Map;

/**
 * Result of matching a job's output spec against its volume. Every list of names is bounded (see
 * {@link OutputMatcher}); names that are shown are shown safely ({@link OutputNames#display}).
 *
 * @param outputs matched path → privacy level (spec order, paths sorted within a pattern), only
 *     names that can be filed
 * @param unmatchedPatterns patterns that matched no file
 * @param unmatchedOutputs files the job created (newer than the timestamp file) that no pattern
 *     matched, as shown (the first {@link OutputMatcher#MAX_LISTED} in name order)
 * @param refused what was left out and why, one line each ({@code '<name>': <reason>}): symlinks
 *     resolving outside the volume, entries that could not be read
 * @param problems matched files that cannot be filed as outputs, one line each: the job fails
 * @param matchedFiles how many files matched (may exceed {@code outputs} when over the limit)
 * @param totalBytes the apparent size of the matched files together (a sparse file counts whole)
 */
public record OutputMatch(
    Map<String, String> outputs,
    List<String> unmatchedPatterns,
    List<String> unmatchedOutputs,
    List<String> refused,
    List<String> problems,
    long matchedFiles,
    long totalBytes) {}
