/*
 * conn.h - a loop's connections: mutual TLS through an OpenSSL bufferevent,
 * HTTP/1.1 read by http1.h, each complete request handed up (net.h) and
 * answered in order (pipelining is honoured). A connection for which TLS
 * cannot be set up is closed, never served in plaintext.
 *
 * Timers: the handshake, the request (first byte to complete: slow senders
 * are cut off), idle keep-alive (90 s), and writing. While in its handshake a
 * connection is in its loop's handshakes.h queue, and may be evicted from it.
 * Every connection ends in conn_close(), whatever the reason.
 * Private to the network layer; a loop's thread only.
 */
#ifndef REFGW_CONN_H
#define REFGW_CONN_H

struct conns;
struct loop;

struct conns *conns_new(struct loop *loop);

/* Closes every connection (their requests are abandoned) and frees. */
void conns_free(struct conns *s);

/* Starts the TLS handshake of an accepted socket, already counted; seq is
 * its place in accept order (handshakes.h). */
void conns_adopt(struct conns *s, int fd, unsigned long long seq);

/* The connections in their TLS handshake, for the listener's evictions. */
struct handshakes *conns_handshakes(struct conns *s);

/* Closes an accepted socket at once, uncounting it. */
void conns_refuse(struct conns *s, int fd);

/* Closes connections whose certificate the current CRL revokes or whose
 * organisation the current configuration no longer admits (after a reload). */
void conns_recheck(struct conns *s);

/* Connections with a request being handled (the shutdown drain waits for 0). */
long conns_busy(const struct conns *s);

#endif
