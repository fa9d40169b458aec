/*
 * ui_assets.h - what the pages of refgw ui load, built into the binary:
 * cli/ui/ui.css, ui.js and icon.svg (turned into C by cli/ui/embed.cmake at
 * build time) and the report's style sheet (report.h). Served under
 * /assets/NAME; nothing is read from disk or fetched from elsewhere.
 */
#ifndef REFGW_CLI_UI_ASSETS_H
#define REFGW_CLI_UI_ASSETS_H

#include <stddef.h>

struct ui_asset {
    const char *name; /* "ui.css" */
    const char *type; /* its Content-Type */
    const char *data;
    size_t len;
};

/* The asset called name, or 0 when there is none (out untouched). */
int ui_asset_find(const char *name, struct ui_asset *out);

#endif
