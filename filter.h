/* filter.h: which paths are uploaded: -e/--exclude and -i/--include POSIX
 * extended regular expressions, searched anywhere in the absolute path;
 * without either, paths containing "-tmp" are skipped, as the original did. */
#ifndef TABLESNAP_FILTER_H
#define TABLESNAP_FILTER_H

#include <stddef.h>

struct filter;

/* Compiles the patterns (only one list may be non-empty). Returns NULL with
 * one line in err naming the bad pattern. */
struct filter *filter_new(const char *const *excludes, size_t nexcludes,
    const char *const *includes, size_t nincludes, char *err, size_t errlen);
void filter_free(struct filter *f);

/* 1 when path is to be uploaded. Safe from several threads at once. */
int filter_keep(const struct filter *f, const char *path);

#endif
