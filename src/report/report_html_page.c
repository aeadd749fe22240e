/* report_html_page.c - the page skeleton shared by the run and compare
 * reports: stylesheet, sections, legends, warnings, phase names. */
#include <stdio.h>
#include <string.h>

#include "report/report_html_parts.h"
#include "report/report_html_svg.h"

/* Only locally installed fonts: the page must never fetch anything. Sized
 * for reading at 1280 px; the grids fall back to one column when narrow. */
static const char css[] =
    ":root{--ink:#1F2937;--muted:#6B7280;--line:#E5E7EB;--bg:#F6F7F9;--card:#fff;"
    "--bad:#B42318;--warn-bg:#FFF4E5;--warn:#B54708;--ok:#067647}\n"
    "*{box-sizing:border-box}\n"
    "body{margin:0;background:var(--bg);color:var(--ink);font:14px/1.45 system-ui,-apple-system,"
    "'Segoe UI',Roboto,'Helvetica Neue',Arial,sans-serif}\n"
    ".page{max-width:1240px;margin:0 auto;padding:20px 24px 40px}\n"
    "header.top{background:var(--card);border:1px solid var(--line);border-radius:10px;"
    "padding:16px 20px;margin-bottom:16px}\n"
    "header.top h1{margin:0 0 4px;font-size:22px;word-break:break-all}\n"
    "header.top .sub{color:var(--muted);margin:0 0 10px}\n"
    ".meta{display:grid;grid-template-columns:repeat(4,1fr);gap:6px 18px;margin:0}\n"
    ".meta div{min-width:0}.meta dt{color:var(--muted);font-size:12px}"
    ".meta dd{margin:0;overflow-wrap:anywhere}\n"
    ".chips{margin-top:8px}.chip{display:inline-block;border:1px solid var(--line);"
    "border-radius:999px;padding:0 8px;margin:2px 4px 2px 0;font-size:12px;color:var(--muted)}\n"
    ".chip.yes{color:var(--ok);border-color:#A6F4C5}\n"
    ".warnings{background:var(--warn-bg);border:1px solid #FEC84B;border-left:6px solid "
    "var(--warn);border-radius:10px;padding:12px 18px;margin:0 0 16px}\n"
    ".warnings h2{margin:0 0 6px;font-size:17px;color:var(--warn)}"
    ".warnings ul{margin:0;padding-left:20px}.warnings li{margin:3px 0}\n"
    ".cards{display:grid;grid-template-columns:repeat(5,1fr);gap:12px;margin-bottom:16px}\n"
    ".stat{background:var(--card);border:1px solid var(--line);border-radius:10px;"
    "padding:12px 16px}\n"
    ".stat .label{color:var(--muted);font-size:12px;text-transform:uppercase;"
    "letter-spacing:.04em}\n"
    ".stat .value{font-size:26px;font-weight:650;margin:2px 0;font-variant-numeric:tabular-nums}\n"
    ".stat .detail{color:var(--muted);font-size:12px}.stat.bad .value{color:var(--bad)}\n"
    "nav.toc{position:sticky;top:0;z-index:2;background:var(--bg);padding:6px 0;"
    "margin-bottom:8px;border-bottom:1px solid var(--line)}\n"
    "nav.toc a{color:#1B6CA8;text-decoration:none;margin-right:16px;font-size:13px}\n"
    "section{margin:22px 0}section>h2{font-size:19px;margin:0 0 4px}\n"
    "section>p.intro{color:var(--muted);margin:0 0 12px;max-width:980px}\n"
    ".grid2{display:grid;grid-template-columns:repeat(2,minmax(0,1fr));gap:14px;"
    "align-items:start}\n"
    ".grid3{display:grid;grid-template-columns:repeat(3,minmax(0,1fr));gap:14px;"
    "align-items:start}\n"
    ".card{background:var(--card);border:1px solid var(--line);border-radius:10px;"
    "padding:12px 16px;min-width:0}\n"
    ".card h3{margin:0 0 6px;font-size:15px}\n"
    "svg.chart{display:block;width:100%;height:auto;font-size:11px;fill:#374151}\n"
    "svg.chart .grid line{stroke:#EEF0F3;stroke-width:1}"
    "svg.chart .axis line{stroke:#9CA3AF;stroke-width:1}\n"
    "svg.chart .axis-title{font-size:12px;fill:#4B5563}\n"
    ".nodata{display:flex;flex-direction:column;align-items:center;justify-content:center;"
    "min-height:160px;border:1px dashed #D1D5DB;border-radius:8px;color:var(--muted);"
    "text-align:center;padding:16px;gap:4px;background:#FAFAFB}\n"
    ".nodata strong{color:var(--ink)}\n"
    ".nodata-inline,.muted{color:var(--muted)}.note{color:var(--muted);font-size:13px}\n"
    ".ok-note{color:var(--ok);font-weight:600}\n"
    "ul.legend{list-style:none;margin:0 0 4px;padding:0;display:flex;flex-wrap:wrap;"
    "gap:2px 16px;font-size:12.5px}\n"
    "ul.legend li{display:flex;align-items:center;gap:6px}"
    "ul.legend .detail{color:var(--muted)}\n"
    ".sw{display:inline-block;width:20px;height:0;border-top:3px solid}"
    ".sw.dashed{border-top-style:dashed}.sw.bar{width:12px;height:12px;border:0}\n"
    ".sw.marker{width:0;height:0;border-left:6px solid transparent;border-right:6px solid "
    "transparent;border-bottom:10px solid;border-top:0}\n"
    "table{border-collapse:collapse;width:100%}\n"
    "table.data th,table.data td{padding:5px 8px;border-bottom:1px solid var(--line);"
    "text-align:left;vertical-align:top}\n"
    "table.data thead th{font-size:12px;color:var(--muted);font-weight:600;"
    "border-bottom:2px solid var(--line)}\n"
    "table.data tbody th{font-weight:500}\n"
    "td.num,th.num{text-align:right!important;font-variant-numeric:tabular-nums;"
    "white-space:nowrap}\n"
    "table.kv th{text-align:left;font-weight:500;color:var(--muted);padding:3px 12px 3px 0;"
    "vertical-align:top;width:45%}table.kv td{padding:3px 0;overflow-wrap:anywhere}\n"
    "code{font:12px ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;color:#374151}\n"
    "th code{color:var(--muted);font-size:11px}\n"
    "table.errors td:nth-child(2){overflow-wrap:anywhere}\n"
    ".tag{font-size:11px;font-weight:600;background:#EEF2FF;color:#3730A3;border-radius:4px;"
    "padding:1px 6px;vertical-align:middle}\n"
    ".badge{font-size:11px;background:#E0F2FE;color:#075985;border-radius:4px;padding:0 5px}\n"
    ".badge.bad,li.bad{color:var(--bad)}.badge.bad{background:#FEE4E2}\n"
    "table.waterfall{table-layout:fixed}col.wf-labelcol{width:210px}\n"
    "table.waterfall td{padding:2px 6px;vertical-align:middle}\n"
    "tr.wf-row td{border-top:1px solid var(--line);padding-top:6px;padding-bottom:4px}\n"
    "td.wf-label{font-size:12.5px;line-height:1.3;overflow-wrap:anywhere}"
    ".wf-id{color:var(--muted)}\n"
    "svg.wf-bars{display:block;width:100%;height:20px}"
    "svg.wf-bars .wf-grid{stroke:#EEF0F3;stroke-width:1;vector-effect:non-scaling-stroke}\n"
    ".wf-ticks{position:relative;height:18px;font-size:11px;color:var(--muted)}\n"
    ".wf-ticks span{position:absolute;top:0;transform:translateX(-50%);white-space:nowrap}\n"
    ".wf-ticks span:first-child{transform:none}.wf-ticks span:last-child{transform:"
    "translateX(-100%)}\n"
    "tr.wf-hints ul{margin:0 0 6px;padding-left:18px;font-size:12.5px;color:#374151}\n"
    "td.better{color:var(--ok)}td.worse{color:var(--bad)}\n"
    "footer{color:var(--muted);font-size:12px;margin-top:30px;border-top:1px solid var(--line);"
    "padding-top:10px}\n"
    "@media (max-width:900px){.grid2,.grid3,.cards,.meta{grid-template-columns:1fr 1fr}}\n"
    "@media print{nav.toc{display:none}.card,.stat{break-inside:avoid}}\n";

void html_page_open(hbuf *b, const char *title)
{
    hb_puts(b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
               "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
               /* Belt and braces: even if a future change slipped in a reference,
                * the browser is told to load nothing from anywhere. */
               "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
               "style-src 'unsafe-inline'; img-src data:\">\n"
               "<title>");
    hb_esc(b, title);
    hb_puts(b, "</title>\n<style>\n");
    hb_puts(b, css);
    hb_puts(b, "</style>\n</head>\n<body>\n<div class=\"page\">\n");
}

void html_page_close(hbuf *b)
{
    hb_printf(b,
              "<footer>Generated by tlsprof %s. This page is self-contained: no scripts, "
              "no fonts or images from the network. Hover chart lines and bars for exact "
              "values.</footer>\n</div>\n</body>\n</html>\n",
              TLSPROF_VERSION);
}

void html_section_open(hbuf *b, const char *id, const char *title, const char *intro)
{
    hb_puts(b, "<section id=\"");
    hb_esc(b, id);
    hb_puts(b, "\">\n<h2>");
    hb_esc(b, title);
    hb_puts(b, "</h2>\n");
    if (intro) {
        hb_puts(b, "<p class=\"intro\">");
        hb_esc(b, intro);
        hb_puts(b, "</p>\n");
    }
}

void html_section_close(hbuf *b)
{
    hb_puts(b, "</section>\n");
}

void html_legend(hbuf *b, const html_legend_item *items, int n)
{
    hb_puts(b, "<ul class=\"legend\">");
    for (int i = 0; i < n; i++) {
        const char *style = items[i].style ? items[i].style : "line";
        const char *prop = strcmp(style, "bar") == 0      ? "background"
                           : strcmp(style, "marker") == 0 ? "border-bottom-color"
                                                          : "border-top-color";
        hb_printf(b, "<li><span class=\"sw %s\" style=\"%s:%s\"></span>", style, prop,
                  items[i].color);
        hb_esc(b, items[i].label);
        if (items[i].detail) {
            hb_puts(b, " <span class=\"detail\">");
            hb_esc(b, items[i].detail);
            hb_puts(b, "</span>");
        }
        hb_puts(b, "</li>");
    }
    hb_puts(b, "</ul>\n");
}

void html_warnings_box(hbuf *b, const json_t *warnings, const char *heading)
{
    size_t n = json_is_array(warnings) ? json_array_size(warnings) : 0, shown = 0;
    for (size_t i = 0; i < n; i++)
        shown += json_is_string(json_array_get(warnings, i));
    if (shown == 0) return;
    hb_puts(b, "<div class=\"warnings\" role=\"alert\"><h2>⚠ ");
    hb_esc(b, heading);
    hb_puts(b, "</h2><ul>\n");
    for (size_t i = 0; i < n; i++) {
        const json_t *w = json_array_get(warnings, i);
        if (!json_is_string(w)) continue;
        hb_puts(b, "<li>");
        hb_esc(b, json_string_value(w));
        hb_puts(b, "</li>\n");
    }
    hb_puts(b, "</ul></div>\n");
}

static const struct {
    const char *key, *title, *meaning;
} phase_info[] = {
    {"dns", "DNS", "name resolution of the target host"},
    {"tcp_connect", "TCP connect", "connect() until the socket is writable: SYN, SYN-ACK"},
    {"tls_handshake", "TLS handshake", "first ClientHello written until the handshake is done"},
    {"tls_handshake_full", "TLS handshake, full", "the same, full handshakes only"},
    {"tls_handshake_resumed", "TLS handshake, resumed", "the same, PSK-resumed handshakes only"},
    {"tls_server_hello", "ServerHello received", "ClientHello sent until ServerHello received"},
    {"tls_server_finished", "server Finished received",
     "ClientHello sent until the server's Finished received"},
    {"tls_client_cpu", "TLS client CPU", "CPU time the client thread spent in handshake calls"},
    {"h2_settings", "HTTP/2 SETTINGS", "handshake done until the server's SETTINGS frame"},
    {"ttfb", "Time to first byte", "request written until response HEADERS, per stream"},
    {"ttfb_0rtt", "TTFB, 0-RTT", "time to first byte of requests accepted as early data"},
    {"stream", "Stream", "request written until END_STREAM, per stream"},
    {"connection", "Connection", "connect() until the last stream finished"},
    {"ttfb_uncorrected", "TTFB, uncorrected",
     "rate mode: time to first byte from the actual, not the intended, send time"},
};

const char *const html_phase_order[] = {"dns",
                                        "tcp_connect",
                                        "tls_handshake",
                                        "tls_handshake_full",
                                        "tls_handshake_resumed",
                                        "tls_server_hello",
                                        "tls_server_finished",
                                        "tls_client_cpu",
                                        "h2_settings",
                                        "ttfb",
                                        "ttfb_0rtt",
                                        "stream",
                                        "connection",
                                        "ttfb_uncorrected",
                                        NULL};

const char *html_phase_title(const char *phase)
{
    for (size_t i = 0; i < sizeof phase_info / sizeof phase_info[0]; i++)
        if (strcmp(phase_info[i].key, phase) == 0) return phase_info[i].title;
    return phase;
}

const char *html_phase_meaning(const char *phase)
{
    for (size_t i = 0; i < sizeof phase_info / sizeof phase_info[0]; i++)
        if (strcmp(phase_info[i].key, phase) == 0) return phase_info[i].meaning;
    return phase;
}
