/* accounts.h: user and group names and ids from /etc/passwd and
 * /etc/group, read directly: musl's getpwnam_r and friends bring stdio,
 * getline and the nscd client along (8 KB); the files are what they
 * read too, and nscd only serves the directory services a static musl
 * binary cannot use otherwise. */
#ifndef TABLESNAP_ACCOUNTS_H
#define TABLESNAP_ACCOUNTS_H

#include <stddef.h>
#include <sys/types.h>

/* The id of the user or group called name: 0, or -1 when there is none
 * (or the file cannot be read). */
int	acct_user_id(const char *name, uid_t *uid);
int	acct_group_id(const char *name, gid_t *gid);

/* The name of a user or group, or a user's home directory, as a new
 * string; NULL when there is none (or no memory). */
char	*acct_user_name(uid_t uid);
char	*acct_group_name(gid_t gid);
char	*acct_user_home(uid_t uid);

/*
 * Pure: in text (len bytes of /etc/passwd or /etc/group lines,
 * "name:x:id:..."), the first line with at least nfields fields and a
 * decimal id whose name is name (when not NULL) or whose id is id; field
 * want of it (0 the name, 2 the id, 5 passwd's home) as a new string.
 * NULL: none, or no memory.
 */
char	*acct_field(const char *text, size_t len, int nfields,
	    const char *name, unsigned long id, int want);

#endif
