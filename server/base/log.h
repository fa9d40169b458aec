/*
 * log.h - the gateway's only output: stderr lines of SPEC §7.
 *
 * Each line is "refgwd: TEXT", preceded by the UTC time
 * ("2026-11-28T09:15:02Z refgwd: ...") unless stderr is journald's stream,
 * which stamps lines itself. One write a line.
 *
 * Callers pass counts, error classes and configuration messages only; never
 * an id, an organisation, an address or anything from a referral.
 */
#ifndef REFGW_LOG_H
#define REFGW_LOG_H

void log_line(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
