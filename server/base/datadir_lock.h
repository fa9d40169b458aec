/*
 * datadir_lock.h - one gateway per data_dir.
 *
 * The gateway holds an exclusive flock(2) on data_dir/refgwd.lock for as
 * long as it runs; the file holds its pid (and nothing else), so that a
 * second gateway pointed at the same folder can say which process holds
 * it. The kernel releases the lock when the process ends, however it ends;
 * the file stays. --check-config never takes it.
 */
#ifndef REFGW_DATADIR_LOCK_H
#define REFGW_DATADIR_LOCK_H

#include "errors.h"

#define DATADIR_LOCK_FILE "refgwd.lock"

/* Makes data_dir if it is missing (mode 0700) and takes the lock: the
 * descriptor that holds it, or -1 with err ("data_dir: in use by ..."). */
int datadir_lock(const char *data_dir, char err[RG_ERR_MAX]);

/* Releases the lock (closes fd; -1 is fine). */
void datadir_unlock(int fd);

#endif
