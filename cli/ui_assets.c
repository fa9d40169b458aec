#include "ui_assets.h"

#include <string.h>

#include "report.h"

/* Made by cli/ui/embed.cmake (ui_assets_data.c in the build folder). */
extern const unsigned char ui_file_css[], ui_file_js[], ui_file_icon[];
extern const size_t ui_file_css_len, ui_file_js_len, ui_file_icon_len;

int ui_asset_find(const char *name, struct ui_asset *out)
{
    const struct {
        const char *name, *type;
        const void *data;
        size_t len;
    } assets[] = {
        {"ui.css", "text/css; charset=utf-8", ui_file_css, ui_file_css_len},
        {"ui.js", "text/javascript; charset=utf-8", ui_file_js, ui_file_js_len},
        {"icon.svg", "image/svg+xml", ui_file_icon, ui_file_icon_len},
        {"report.css", "text/css; charset=utf-8", report_css, strlen(report_css)},
    };
    for (size_t i = 0; i < sizeof(assets) / sizeof(assets[0]); i++)
        if (strcmp(assets[i].name, name) == 0) {
            *out = (struct ui_asset){assets[i].name, assets[i].type, assets[i].data,
                                     assets[i].len};
            return 1;
        }
    return 0;
}
