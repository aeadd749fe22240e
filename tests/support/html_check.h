/* html_check.h - a small, strict well-formedness checker for the HTML pages
 * tlsprof writes (tests only).
 *
 * Browsers repair broken markup silently (an unclosed <div> swallows the
 * rest of the page, a <div> inside a <p> closes the paragraph, a <tr>
 * outside a table is moved elsewhere), so a page can look fine in one
 * browser and wrong in another. This checker refuses what a repair would be
 * needed for, on the subset of HTML5 + inline SVG the pages use:
 *  - every element opened is closed, in order; void elements (meta, br,
 *    col, ...) have no end tag; "/>" only on void elements or inside <svg>;
 *  - table, list and definition-list children sit in their parents (tr in
 *    thead/tbody/table, td/th in tr, li in ul/ol, ...), and a <p> holds no
 *    block element;
 *  - attributes are quoted, not repeated within a tag, and ids are unique;
 *  - text and attribute values hold no raw '<' (outside <style>) and every
 *    '&' starts a character reference.
 * It is not a full HTML validator: it checks what the pages' parts could
 * get wrong. */
#ifndef TLSPROF_TEST_HTML_CHECK_H
#define TLSPROF_TEST_HTML_CHECK_H

#include <stddef.h>

/* 0 when html passes; -1 with the first problem and its line in err. */
int html_check_wellformed(const char *html, char *err, size_t errlen);

#endif
