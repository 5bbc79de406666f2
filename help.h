/* help.h: the --help lines tablesnap, tableslurp and tablechop share.
 * Each help is an array of pieces; the linker keeps one copy of a piece
 * (string merging), where whole help texts repeated it. tableslurp and
 * tablechop print the common options (options.h, companion.h) after the
 * credentials and after their own options; -h and --version open and
 * close each help; -k, -s and --as-of say different things in each. */
#ifndef TABLESNAP_HELP_H
#define TABLESNAP_HELP_H

#define HELP_HELP \
    "  -h, --help            show this help message and exit\n"

#define HELP_TOKEN_REGION \
    "  --token TOKEN         session token (also --aws-token; default:\n" \
    "                        AWS_SESSION_TOKEN or AWS_SECURITY_TOKEN)\n" \
    "  --aws-region REGION   region (default: AWS_REGION, us-east-1)\n"

#define HELP_KEYS \
    "  -n, --name NAME       host name in the keys (default: the FQDN)\n" \
    "  -P, --prefix PREFIX   key prefix tablesnap was given with -p\n" \
    "  --keyname-separator SEP\n" \
    "                        between host name and path (default: ':')\n" \
    "  --endpoint URL        S3-compatible endpoint (default: AWS)\n"

#define HELP_TLS \
    "  --ca-file PEM         trust these CAs (default:\n" \
    "                        /etc/ssl/certs/ca-certificates.crt)\n" \
    "  --path-style          address the bucket in the path\n" \
    "  --virtual-host        address the bucket in the host name\n"

#define HELP_SSE_C \
    "  --sse-c-key-file PATH SSE-C key: 32 bytes or 44 base64 characters\n"

#define HELP_RETRIES \
    "  --retries N           extra attempts per S3 request (default: 3)\n"

#define HELP_VERSION \
    "  --version             print the version and exit\n"

/* The end of --as-of's text, then --version. */
#define HELP_TIME_FORMS \
    "                        2024-05-01T14:00:00+02:00, 2024-05-01 (UTC),\n" \
    "                        or @<epoch seconds>)\n" HELP_VERSION

#endif
