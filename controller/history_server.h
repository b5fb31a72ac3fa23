/* GET /history: the records of the configured history-store plugin, for
 * `warmpoolctl history --server URL` and operators (plain HTTP on
 * --history-listen).
 *
 *   GET /history?namespace=..&claim=..&sandbox=..&pool=..&since=<RFC3339>&until=..&limit=N
 *
 * Each given parameter becomes a member of the plugin's query filter
 * (include/warmpool/plugin.h, wp_plugin_history_ops.query); the answer is
 * the plugin's JSON array, 200 application/json. Errors are plain text:
 * 400 for an unknown parameter, a bad time or limit; 404 for another path;
 * 405 for another method; 503 when no history store is configured; 502
 * when the store failed (its message). */
#ifndef WP_CONTROLLER_HISTORY_SERVER_H
#define WP_CONTROLLER_HISTORY_SERVER_H

#include <stddef.h>

struct wp_plugin_host;
typedef struct wp_history_server wp_history_server;

/* Listens on addr ("host:port", port 0 picks one). host is borrowed and
 * must outlive the server. NULL with err filled on failure (or when the
 * build has no plugin host). */
wp_history_server *wp_history_server_start(const char *addr, struct wp_plugin_host *host, char *err,
                                           size_t err_size);
/* The bound address ("127.0.0.1:40123"). Borrowed. */
const char *wp_history_server_address(const wp_history_server *s);
void wp_history_server_stop(wp_history_server *s);

#endif
