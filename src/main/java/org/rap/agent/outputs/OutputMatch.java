package org.rap.agent.outputs;

import java.util.List;
import java.util.Map;

/**
 * Result of matching a job's output spec against its volume.
 *
 * @param outputs matched path → privacy level (spec order, paths sorted within a pattern)
 * @param unmatchedPatterns patterns that matched no file
 * @param unmatchedOutputs files the job created (newer than the timestamp file) that no pattern
 *     matched
 * @param refused files refused because they are symlinks resolving outside the volume
 */
public record OutputMatch(
    Map<String, String> outputs,
    List<String> unmatchedPatterns,
    List<String> unmatchedOutputs,
    List<String> refused) {}
