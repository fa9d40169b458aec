/*
 * preflight.h - what a configuration asks of this machine, checked before
 * the gateway starts, at each reload and by --check-config: that "user"
 * exists (and that this process can become it), and that the user the
 * gateway will run as can reach data_dir and make it or write in it.
 *
 * It creates and changes nothing (--check-config runs while the gateway
 * runs). Permissions are judged from the mode bits, owner and group, as the
 * kernel would for that user after the switch (no supplementary groups);
 * ACLs are not read.
 */
#ifndef REFGW_PREFLIGHT_H
#define REFGW_PREFLIGHT_H

#include "config.h"

/* 0, or -1 with err naming the key (user, data_dir). */
int preflight_check(const struct config *c, char err[RG_ERR_MAX]);

#endif
