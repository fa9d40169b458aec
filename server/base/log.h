/*
 * log.h - the gateway's only output: stderr lines of SPEC §7.
 *
 * Callers pass counts, error classes and configuration messages only; never
 * an id, an organisation, an address or anything from a referral.
 */
#ifndef REFGW_LOG_H
#define REFGW_LOG_H

void log_line(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
