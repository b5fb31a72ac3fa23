/* `warmpool-webhook certs`: generates a CA and the webhook's serving (and
 * optionally client) certificates, and prints the caBundle. */
#ifndef WP_CERTS_CMD_H
#define WP_CERTS_CMD_H

/* argv[0] is "certs". Returns the process exit code. */
int wp_certs_main(int argc, char **argv);

#endif
