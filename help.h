/* help.h: the --help lines tablesnap, tableslurp and tablechop share.
 * Each help is an array of pieces; the linker keeps one copy of a piece
 * (string merging), where whole help texts repeated it. tableslurp and
 * tablechop print the common options (options.h, companion.h) after the
 * credentials and after their own options; -h and --version open and
 * close each help; -k, -s and --as-of say different things in each.
 * A tab stands for the spaces up to the description's column, 24
 * (setup_help_text pads it), so that each run of them is one byte. */
#ifndef TABLESNAP_HELP_H
#define TABLESNAP_HELP_H

#define HELP_HELP \
    "  -h, --help\tshow this help message and exit\n"

#define HELP_TOKEN_REGION \
    "  --token TOKEN\tsession token (also --aws-token; default:\n" \
    "\tAWS_SESSION_TOKEN or AWS_SECURITY_TOKEN)\n" \
    "  --aws-region REGION\tregion (default: AWS_REGION, us-east-1)\n"

#define HELP_KEYS \
    "  -n, --name NAME\thost name in the keys (default: the FQDN)\n" \
    "  -P, --prefix PREFIX\tkey prefix tablesnap was given with -p\n" \
    "  --keyname-separator SEP\n" \
    "\tbetween host name and path (default: ':')\n" \
    "  --endpoint URL\tS3-compatible endpoint (default: AWS)\n"

#define HELP_TLS \
    "  --ca-file PEM\ttrust these CAs (default:\n" \
    "\t/etc/ssl/certs/ca-certificates.crt)\n" \
    "  --path-style\taddress the bucket in the path\n" \
    "  --virtual-host\taddress the bucket in the host name\n"

#define HELP_SSE_C \
    "  --sse-c-key-file PATH SSE-C key: 32 bytes or 44 base64 characters\n"

#define HELP_RETRIES \
    "  --retries N\textra attempts per S3 request (default: 3)\n"

#define HELP_VERSION \
    "  --version\tprint the version and exit\n"

/* The end of --as-of's text, then --version. */
#define HELP_TIME_FORMS \
    "\t2024-05-01T14:00:00+02:00, 2024-05-01 (UTC),\n" \
    "\tor @<epoch seconds>)\n" HELP_VERSION

#endif
