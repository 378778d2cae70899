package org.rap.controller.fleet;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.rap.common.model.TaskType;
import org.rap.controller.db.TaskLeaseRepository.Unclaimed;

/**
 * Which unclaimed tasks a polling agent takes (docs/spec/task-api.md section 8.2), without side
 * effects. RUNJOB tasks are spread by free capacity: the agent takes its share of them in
 * proportion to its free capacity among the backend's live agents, never more than it has free.
 * DBSTATUS and DBDATACHECK tasks go to the first agent that polls (one agent answers), and so does
 * a CANCELJOB task nobody holds (its job never reached an agent, or that agent was lost).
 */
final class ClaimShares {
  private ClaimShares() {}

  /**
   * @param held active RUNJOB tasks each agent holds
   * @param live capacity of each live agent of the backend (the poller included)
   */
  static List<String> pick(
      List<Unclaimed> unclaimed,
      String agent,
      int capacity,
      Map<String, Integer> held,
      Map<String, Integer> live) {
    List<String> out = new ArrayList<>();
    List<String> runJobs = new ArrayList<>();
    for (Unclaimed t : unclaimed) {
      if (t.type() == TaskType.RUNJOB) {
        runJobs.add(t.id());
      } else {
        out.add(t.id());
      }
    }
    int free = Math.max(0, capacity - held.getOrDefault(agent, 0));
    if (free == 0 || runJobs.isEmpty()) {
      return out;
    }
    long totalFree = free;
    for (Map.Entry<String, Integer> e : live.entrySet()) {
      if (!e.getKey().equals(agent)) {
        totalFree += Math.max(0, e.getValue() - held.getOrDefault(e.getKey(), 0));
      }
    }
    long share = (runJobs.size() * (long) free + totalFree - 1) / totalFree;
    int take = (int) Math.min(free, Math.max(1, share));
    out.addAll(runJobs.subList(0, Math.min(take, runJobs.size())));
    return out;
  }
}
