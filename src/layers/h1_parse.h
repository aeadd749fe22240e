/* h1_parse.h - an incremental HTTP/1.1 response parser (RFC 9112).
 *
 * Fed the plaintext of each read as it comes, in any split: status line,
 * header fields, then the body framed by Transfer-Encoding: chunked, by
 * Content-Length, or by the end of the connection. It keeps only what it
 * must to measure a response: the final status, the body length, whether
 * the connection stays open, and two moments the caller timestamps: the
 * end of the (first) header block and the end of the response. Interim 1xx
 * responses are skipped (their header block still counts as the first).
 *
 * No allocation unless a line is split across reads: then the part seen so
 * far is kept (at most H1P_MAX_LINE) until its end arrives. */
#ifndef TLSPROF_H1_PARSE_H
#define TLSPROF_H1_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Longest status or header line, and all header fields of one response. */
#define H1P_MAX_LINE (16 * 1024)
#define H1P_MAX_HEADERS (64 * 1024)

typedef enum h1p_state {
    H1P_STATUS,     /* expecting the status line */
    H1P_HEADERS,    /* header fields */
    H1P_BODY,       /* Content-Length bytes */
    H1P_CHUNK_SIZE, /* a chunk-size line */
    H1P_CHUNK_DATA,
    H1P_CHUNK_END, /* the CRLF after chunk data */
    H1P_TRAILERS,  /* after the last chunk: trailer fields, then an empty line */
    H1P_UNTIL_EOF, /* no framing: the body ends with the connection */
    H1P_DONE,
    H1P_ERROR,
} h1p_state;

typedef struct h1_parser {
    h1p_state state;
    bool head;              /* the request was HEAD: no body whatever the headers say */
    bool headers_seen;      /* the first header block ended (1xx included) */
    uint16_t status;        /* final status (>= 200), or the last 1xx */
    int64_t content_length; /* -1 when absent */
    bool chunked;
    bool te;             /* a Transfer-Encoding field was present */
    bool close;          /* the server closes after this response */
    uint64_t remaining;  /* bytes left of the body or of the current chunk */
    uint64_t body_bytes; /* body bytes so far (chunk framing excluded) */
    size_t header_bytes; /* of the current header block */
    const char *error;   /* why H1P_ERROR (static text) */
    char *line;          /* a line split across reads, kept until its end */
    size_t line_len, line_cap;
} h1_parser_t;

/* Ready for the response to a request (head: it was a HEAD request). */
void h1p_init(h1_parser_t *p, bool head);
void h1p_free(h1_parser_t *p);
/* Parse what arrived. Returns the bytes used: all of them, or fewer when
 * the response ended (H1P_DONE) or was found malformed (H1P_ERROR, see
 * p->error) before the end of data. */
size_t h1p_feed(h1_parser_t *p, const uint8_t *data, size_t len);
/* The connection ended: a body read until the end is complete (H1P_DONE);
 * anything else unfinished becomes H1P_ERROR. */
void h1p_eof(h1_parser_t *p);

#endif
