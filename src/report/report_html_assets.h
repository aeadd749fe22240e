/* report_html_assets.h - files compiled into the binary for the HTML pages.
 *
 * src/report/assets/report.css is the stylesheet of every page; CMake turns
 * it into a byte array at build time (cmake/embed.cmake), so it is edited as
 * CSS and the page still needs nothing next to the binary. */
#ifndef TLSPROF_REPORT_HTML_ASSETS_H
#define TLSPROF_REPORT_HTML_ASSETS_H

#include <stddef.h>

/* The stylesheet's bytes, NUL-terminated; tlsprof_report_css_len excludes the NUL. */
extern const char tlsprof_report_css[];
extern const size_t tlsprof_report_css_len;

#endif
