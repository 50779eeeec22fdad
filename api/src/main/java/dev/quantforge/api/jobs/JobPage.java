package dev.quantforge.api.jobs;

import java.util.List;

/**
 * One page of a job listing, newest first.
 *
 * @param nextCursor pass as {@code cursor} to get the next page; null on the last page
 */
public record JobPage(List<JobView> jobs, String nextCursor) {
}
