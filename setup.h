/* setup.h: the front door of tablesnap, tableslurp and tablechop: from the
 * parsed options and the environment to a ready S3 client (endpoint and
 * addressing, region, trust anchors, the credential chain, the bucket
 * check), and the start-up chores every program shares. */
#ifndef TABLESNAP_SETUP_H
#define TABLESNAP_SETUP_H

#include <stddef.h>

#include "http.h"
#include "options.h"
#include "s3.h"

/* Enough for any setup_s3 error line. */
#define SETUP_ERRLEN	1024

/* What setup_s3 made; the client reads the anchors and the chain, so they
 * live as long as it does. Owned by the caller, freed with setup_free. */
struct s3_setup {
	struct s3_client *s3;
	struct cred_chain *creds;	/* setup_reload_credentials (SIGHUP) */
	struct tls_anchors anchors;	/* https only */
	int tls;			/* plain HTTP: sign the bodies */
	int cancel_fd;			/* readable: every S3 wait ends */
};

/*
 * Sets S3 up for bucket as c says, the environment next (AWS_ENDPOINT_URL,
 * AWS_CA_BUNDLE, AWS_REGION, the credential chain of creds.h), and checks
 * that the bucket answers. Keys given on the command line are erased from
 * argv (c's strings) and c's pointers to them set to NULL. When cancel_fd
 * (0: none) becomes readable, every wait of the client and of the
 * credential chain ends (the program is stopping). Logs what it found.
 * Returns 0, or -1 with one line in err: the caller logs it and exits 1.
 */
int setup_s3(struct s3_setup *s, struct common_opts *c, const char *bucket,
    int cancel_fd, char *err, size_t errlen);
void setup_free(struct s3_setup *s);

/* SIGHUP: the whole credential chain again (a rewritten file, a new role);
 * the old keys stay when that fails. Logs the outcome. */
void setup_reload_credentials(struct s3_setup *s);

/* Whether url is a usable --endpoint: http[s]://host[:port][/]. */
int setup_endpoint_ok(const char *url);

/* The host's fully qualified name, as Python's socket.getfqdn(); malloc'd,
 * NULL when unknown. */
char *setup_fqdn(void);
/* getfqdn's choice among a host's names (names[0] the canonical one, then
 * the aliases): the first with a dot, else the canonical name; NULL when
 * n is 0. */
const char *setup_fqdn_choose(const char *const *names, size_t n);
/* The name getfqdn picks from the hosts file text for the address addr
 * (af AF_INET: 4 bytes, AF_INET6: 16) by the first line that has it, into
 * out. Returns 1, 0 when no line has the address, -1 when out is too
 * small or memory runs out. */
int setup_hosts_fqdn(const char *text, int af, const void *addr, char *out,
    size_t outlen);

/* After a parse: prints the help, the version or the usage error of p as
 * r asks. Returns the exit status (0, or 2 for a usage error), or -1 for
 * CLI_OK (carry on). */
int setup_parsed(const struct cli_program *p, enum cli_result r,
    const char *err);

/* The usage synopsis and "<program>: error: <msg>" on stderr; returns 2. */
int setup_usage_error(const struct cli_program *p, const char *msg);

/* What those print: the usage and then msg's line, or (msg NULL) a blank
 * line and the help; a tab in the texts is spaces up to column 24 in the
 * help, to the usage's indentation ("usage: <name> ") in the usage.
 * malloc'd, NULL when out of memory. Pure. */
char *setup_help_text(const struct cli_program *p, const char *msg);

#endif
