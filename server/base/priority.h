/*
 * priority.h - names and scheduling priorities of the gateway's threads.
 *
 * The store's writer (committer) is the one serial stage every send passes through:
 * when the processors are contended it should run first, and the
 * checkpointer, which only copies the WAL back into the database, last.
 * Priorities are nice values relative to the process's own, so an operator
 * still places refgwd as a whole among other services. Raising a priority
 * needs CAP_SYS_NICE or an RLIMIT_NICE that allows it (LimitNICE= in
 * docs/refgwd.service); without, the writer keeps the process's priority.
 */
#ifndef REFGW_PRIORITY_H
#define REFGW_PRIORITY_H

#define PRIORITY_COMMITTER (-5)
#define PRIORITY_CHECKPOINTER 10
#define PRIORITY_CHECK 19 /* the store's background integrity check */

/* Names the calling thread ("refgwd-" + role, cut to the kernel's 15
 * characters; shown by top -H and ps -L) and sets its nice value to the
 * process's plus delta, within -20..19. 0, or -1 if the priority could not
 * be set (the thread keeps the one it had). */
int thread_role(const char *role, int delta);

#endif
